//! Third-party API clients over real HTTP on both databases: platform
//! admins create, rotate and revoke them; `POST /oauth/token` speaks the
//! client-credentials grant (RFC 6749 §4.4, errors as §5.2); a client's
//! token reaches only what its scopes and authorities allow, within its
//! request budget.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use base64::{Engine, engine::general_purpose::STANDARD};
use closeknit_tests::{TestApp, demo::ADMIN, error_codes};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { \
    clientSecret client { id clientId name scopes active localAuthorities { onsCode } } } }";
const ROTATE: &str = "mutation($id: ID!) { rotateApiClientSecret(input: {id: $id}) { clientSecret client { active } } }";
const REVOKE: &str =
    "mutation($id: ID!) { revokeApiClient(input: {id: $id}) { client { active revokedAt } } }";

struct Created {
    id: String,
    client_id: String,
    secret: String,
}

async fn create(app: &TestApp, admin: &str, scopes: Value) -> Created {
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(
            admin,
            CREATE,
            json!({"input": {"name": "Carers' Circle app", "scopes": scopes, "localAuthorityIds": [la]}}),
        )
        .await;
    let payload = &body["data"]["createApiClient"];
    assert!(
        payload["clientSecret"]
            .as_str()
            .unwrap()
            .starts_with("cks_"),
        "{body}"
    );
    assert_eq!(payload["client"]["active"], true);
    assert_eq!(
        payload["client"]["localAuthorities"],
        json!([{"onsCode": "E06099001"}])
    );
    Created {
        id: payload["client"]["id"].as_str().unwrap().to_string(),
        client_id: payload["client"]["clientId"].as_str().unwrap().to_string(),
        secret: payload["clientSecret"].as_str().unwrap().to_string(),
    }
}

/// POSTs a form to `/oauth/token`; returns status, headers and JSON body.
async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap());
    if let Some((id, secret)) = basic {
        request = request.header(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        );
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

async fn client_token(app: &TestApp, client: &Created) -> String {
    let (status, _, body) = token_request(
        app,
        Some((&client.client_id, &client.secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    closeknit::db::raw::query(
        &app.db,
        "SELECT action FROM audit_events WHERE record_type = 'ApiClient' ORDER BY id",
        vec![],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index::<String>(0).unwrap())
    .collect()
}

#[tokio::test]
async fn the_client_credentials_grant_follows_rfc_6749() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let client = create(&app, &admin, json!(["DASHBOARD_READ", "TRAINING_READ"])).await;

    // Basic authentication, all granted scopes by default.
    let (status, headers, body) = token_request(
        &app,
        Some((&client.client_id, &client.secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], "training:read dashboard:read");
    assert_eq!(headers["cache-control"], "no-store");

    // Credentials in the form, asking for a subset.
    let (status, _, body) = token_request(
        &app,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &client.secret),
            ("scope", "dashboard:read"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "dashboard:read");
}

/// Checks an RFC 6749 §5.2 error body (`error` and a description);
/// returns the status to compare.
fn bad(status: u16, error: &str, body: &Value) -> u16 {
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
    status
}

#[tokio::test]
async fn unknown_or_wrong_client_credentials_are_invalid_client_and_audited() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let client = create(&app, &admin, json!(["DASHBOARD_READ", "TRAINING_READ"])).await;
    let (s, h, b) = token_request(
        &app,
        Some((&client.client_id, "cks_wrong")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(bad(s, "invalid_client", &b), 401);
    assert_eq!(h["www-authenticate"], "Basic realm=\"closeknit\"");
    let (s, _, b) = token_request(
        &app,
        Some(("not-a-client", "x")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(bad(s, "invalid_client", &b), 401);
    let (s, _, b) = token_request(&app, None, &[("grant_type", "client_credentials")]).await;
    assert_eq!(bad(s, "invalid_client", &b), 401);
    let failures = closeknit::identity::store::security_events(&app.db, "client_auth_failed")
        .await
        .unwrap();
    // A wrong secret and an unknown client (a request with no credentials
    // at all tried nothing).
    assert_eq!(failures.len(), 2, "{failures:?}");
}

#[tokio::test]
async fn malformed_token_requests_are_the_rfc_6749_errors() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let client = create(&app, &admin, json!(["DASHBOARD_READ", "TRAINING_READ"])).await;
    let creds = Some((client.client_id.as_str(), client.secret.as_str()));
    let (s, _, b) = token_request(&app, creds, &[("grant_type", "password")]).await;
    assert_eq!(bad(s, "unsupported_grant_type", &b), 400);
    let (s, _, b) = token_request(&app, creds, &[]).await;
    assert_eq!(bad(s, "invalid_request", &b), 400);
    let (s, _, b) = token_request(
        &app,
        creds,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "training:book"),
        ],
    )
    .await;
    assert_eq!(bad(s, "invalid_scope", &b), 400, "a scope not granted");
    let (s, _, b) = token_request(
        &app,
        creds,
        &[("grant_type", "client_credentials"), ("scope", "admin")],
    )
    .await;
    assert_eq!(bad(s, "invalid_scope", &b), 400);
    let (s, _, b) = token_request(
        &app,
        creds,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &client.secret),
        ],
    )
    .await;
    assert_eq!(
        bad(s, "invalid_request", &b),
        400,
        "two ways of authenticating"
    );
    let (s, _, b) = token_request(
        &app,
        creds,
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(bad(s, "invalid_request", &b), 400, "repeated parameter");
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        400,
        "JSON is not a token request"
    );
}

#[tokio::test]
async fn a_client_reaches_only_what_its_scopes_allow() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let client = create(&app, &admin, json!(["DASHBOARD_READ"])).await;
    let token = client_token(&app, &client).await;
    let la = app.local_authority_id("E06099001").await;

    // Public reference data is fine; a client is not an account.
    let (status, body) = app
        .graphql_as(
            &token,
            "{ me { email } regions(first: 1) { edges { node { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        body["data"]["me"].is_null() && body["errors"].is_null(),
        "{body}"
    );
    // No scope reaches young people, audit trails or administration.
    let (_, body) = app
        .graphql_as(
            &token,
            "{ youngPeople(first: 10) { edges { node { givenName } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["youngPeople"]["edges"], json!([]), "{body}");
    for (query, vars) in [
        (
            "query($la: ID!) { auditTrail(localAuthorityId: $la) { edges { node { action } } } }",
            json!({"la": la}),
        ),
        (
            "{ myActivity { edges { node { description } } } }",
            json!({}),
        ),
        ("{ apiClients { edges { node { name } } } }", json!({})),
        ("mutation { logout { sessionsEnded } }", json!({})),
    ] {
        let (_, body) = app.graphql_as(&token, query, vars).await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{query}: {body}");
    }
    // Nor can it make clients.
    let (_, body) = app
        .graphql_as(
            &token,
            CREATE,
            json!({"input": {"name": "x", "scopes": ["TRAINING_BOOK"], "localAuthorityIds": [la]}}),
        )
        .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
}

#[tokio::test]
async fn rotation_and_revocation_take_effect_at_once_and_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let client = create(&app, &admin, json!(["TRAINING_READ"])).await;
    let token = client_token(&app, &client).await;

    let (_, body) = app
        .graphql_as(&admin, ROTATE, json!({"id": client.id}))
        .await;
    let new_secret = body["data"]["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_secret, client.secret);
    let (status, _, _) = token_request(
        &app,
        Some((&client.client_id, &client.secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 401, "the old secret stops working");
    let rotated = Created {
        secret: new_secret,
        ..client
    };
    client_token(&app, &rotated).await;
    let (status, _) = app.graphql_as(&token, "{ me { email } }", json!({})).await;
    assert_eq!(status, 200, "tokens already issued run out on their own");

    let (_, body) = app
        .graphql_as(&admin, REVOKE, json!({"id": rotated.id}))
        .await;
    assert_eq!(
        body["data"]["revokeApiClient"]["client"]["active"], false,
        "{body}"
    );
    let (status, body) = app.graphql_as(&token, "{ me { email } }", json!({})).await;
    assert_eq!(status, 401, "a revoked client's token is refused: {body}");
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    let (status, _, body) = token_request(
        &app,
        Some((&rotated.client_id, &rotated.secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // Revoking again changes nothing; rotating a revoked client is a conflict.
    let (_, body) = app
        .graphql_as(&admin, REVOKE, json!({"id": rotated.id}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app
        .graphql_as(&admin, ROTATE, json!({"id": rotated.id}))
        .await;
    assert_eq!(error_codes(&body), ["CONFLICT"]);

    assert_eq!(
        audit_actions(&app).await,
        [
            "api_client.create",
            "api_client.rotate_secret",
            "api_client.revoke"
        ]
    );
    let (_, body) = app
        .graphql_as(
            &admin,
            "{ apiClients { edges { node { name active scopes } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["apiClients"]["edges"],
        json!([{"node": {"name": "Carers' Circle app", "active": false, "scopes": ["TRAINING_READ"]}}])
    );
}

#[tokio::test]
async fn only_platform_admins_manage_clients_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let manager = app.staff_token("la.manager@northmoor.example").await;
    let la = app.local_authority_id("E06099001").await;
    let input = |name: &str, scopes: Value, las: Value| json!({"input": {"name": name, "scopes": scopes, "localAuthorityIds": las}});
    let (_, body) = app
        .graphql_as(
            &manager,
            CREATE,
            input("x", json!(["TRAINING_READ"]), json!([la])),
        )
        .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    let (_, body) = app
        .graphql(CREATE, input("x", json!(["TRAINING_READ"]), json!([la])))
        .await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);

    let region = {
        let (_, body) = app
            .graphql("{ regions(first: 1) { edges { node { id } } } }", json!({}))
            .await;
        body["data"]["regions"]["edges"][0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (vars, field) in [
        (input("  ", json!(["TRAINING_READ"]), json!([la])), "name"),
        (input("x", json!([]), json!([la])), "scopes"),
        (
            input("x", json!(["TRAINING_READ"]), json!([])),
            "localAuthorityIds",
        ),
        (
            input("x", json!(["TRAINING_READ"]), json!([region])),
            "localAuthorityIds",
        ),
        (
            input("x", json!(["TRAINING_READ"]), json!(["garbage"])),
            "localAuthorityIds",
        ),
    ] {
        let (_, body) = app.graphql_as(&admin, CREATE, vars).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let (_, body) = app
        .graphql_as(&admin, CREATE, input("x", json!(["ADMIN"]), json!([la])))
        .await;
    assert_eq!(error_codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");
    assert!(audit_actions(&app).await.is_empty());
    let (_, body) = app
        .graphql_as(
            &admin,
            "{ apiClients { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["apiClients"]["edges"], json!([]));
}

#[tokio::test]
async fn a_client_over_its_budget_gets_429_with_a_retry_hint() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_RATE_CLIENT_REQUESTS", "3/1m")
        .spawn()
        .await;
    let admin = app.staff_token(ADMIN).await;
    let client = create(&app, &admin, json!(["TRAINING_READ"])).await;
    let token = client_token(&app, &client).await;
    for _ in 0..3 {
        let (status, _) = app.graphql_as(&token, "{ __typename }", json!({})).await;
        assert_eq!(status, 200);
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((15..=20).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["RATE_LIMITED"]);
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], retry);
    // Other callers are unaffected.
    let (status, _) = app.graphql_as(&admin, "{ __typename }", json!({})).await;
    assert_eq!(status, 200);
}
