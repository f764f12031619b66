//! Signing in, sessions and the attacks on them, over real HTTP on both
//! databases: every refusal is UNAUTHENTICATED and changes nothing it
//! should not.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit::{
    auth::tokens::{KeySet, SubjectKind, TokenService},
    identity::{
        model::{AccountStatus, Email},
        store,
    },
    seed::DEMO_STAFF_PASSWORD,
};
use std::time::Duration;

use closeknit_tests::{
    REQUEST_SIGN_IN_CODE as REQUEST_CODE, TestApp, code_in, demo::YOUNG_PERSON, error_codes,
    eventually, signing_key_pem, smtp::SmtpSink,
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const MANAGER: &str = "la.manager@northmoor.example";

const SIGN_IN: &str = "mutation($email: String!, $password: String!) { \
    signIn(input: {email: $email, password: $password}) { accessToken refreshToken accessTokenExpiresAt \
    me { email givenName roles { role organisation { name kind } } } } }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken refreshToken } }";
const ME: &str = "{ me { email roles { role } } }";

async fn spawn() -> TestApp {
    TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(42))
        .spawn()
        .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    app.graphql(SIGN_IN, json!({"email": email, "password": password}))
        .await
}

async fn with_token(app: &TestApp, token: &str, query: &str, variables: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn tokens(body: &Value, field: &str) -> (String, String) {
    (
        body["data"][field]["accessToken"]
            .as_str()
            .unwrap()
            .to_string(),
        body["data"][field]["refreshToken"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

async fn events(app: &TestApp, kind: &str) -> usize {
    store::security_events(&app.db, kind).await.unwrap().len()
}

#[tokio::test]
async fn staff_sign_in_and_me() {
    let app = spawn().await;
    let (status, body) =
        sign_in(&app, "  LA.Manager@Northmoor.example ", DEMO_STAFF_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let me = &body["data"]["signIn"]["me"];
    assert_eq!(me["email"], MANAGER);
    assert_eq!(me["roles"][0]["role"], "LA_MANAGER");
    assert_eq!(
        me["roles"][0]["organisation"]["kind"],
        "local_authority_team"
    );
    let (access, _) = tokens(&body, "signIn");

    let (status, body) = with_token(&app, &access, ME, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["email"], MANAGER);

    let (_, anonymous) = app.graphql(ME, json!({})).await;
    assert_eq!(anonymous["data"]["me"], Value::Null);

    let audit = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FROM audit_events WHERE action = 'session.create'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(audit, 1, "the sign-in is audited");
}

#[tokio::test]
async fn failures_are_neutral_and_five_lock_the_account() {
    let app = spawn().await;
    let (_, unknown) = sign_in(&app, "nobody@northmoor.example", DEMO_STAFF_PASSWORD).await;
    let (_, wrong) = sign_in(&app, MANAGER, "not the password at all").await;
    assert_eq!(error_codes(&unknown), ["UNAUTHENTICATED"]);
    assert_eq!(error_codes(&wrong), ["UNAUTHENTICATED"]);
    assert_eq!(
        unknown["errors"][0]["message"], wrong["errors"][0]["message"],
        "no hint whether the email exists"
    );
    assert!(unknown["data"].is_null());

    for _ in 0..4 {
        sign_in(&app, MANAGER, "still not the password").await;
    }
    assert_eq!(events(&app, "account_locked").await, 1);
    let (_, locked) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    assert_eq!(
        error_codes(&locked),
        ["UNAUTHENTICATED"],
        "locked even with the right password"
    );
    assert_eq!(
        locked["errors"][0]["message"],
        wrong["errors"][0]["message"]
    );
    assert_eq!(events(&app, "sign_in_failed").await, 7);
}

#[tokio::test]
async fn passwordless_accounts_cannot_sign_in_with_a_password() {
    let app = spawn().await;
    let (_, body) = sign_in(&app, "young.person@northmoor.example", "").await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    let (_, body) = sign_in(&app, "young.person@northmoor.example", DEMO_STAFF_PASSWORD).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn a_disabled_account_is_refused_at_sign_in_and_mid_session() {
    let app = spawn().await;
    let (_, body) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    let (access, refresh) = tokens(&body, "signIn");
    let account = store::account_by_email(&app.db, &Email::parse("e", MANAGER).unwrap())
        .await
        .unwrap()
        .unwrap();
    store::set_status(&app.db, account.id, AccountStatus::Disabled)
        .await
        .unwrap();

    let (status, body) = with_token(&app, &access, ME, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    let (_, body) = app.graphql(REFRESH, json!({"t": refresh})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    let (_, body) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = spawn().await;
    let (_, body) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    let (_, first_refresh) = tokens(&body, "signIn");

    let (_, body) = app.graphql(REFRESH, json!({"t": first_refresh})).await;
    let (second_access, second_refresh) = tokens(&body, "refreshSession");
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(with_token(&app, &second_access, ME, json!({})).await.0, 200);

    // The first token is presented again: someone has a copy.
    let (_, body) = app.graphql(REFRESH, json!({"t": first_refresh})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    assert_eq!(events(&app, "refresh_token_reuse").await, 1);
    // The whole family is gone: the newest refresh token and its access token too.
    let (_, body) = app.graphql(REFRESH, json!({"t": second_refresh})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    assert_eq!(with_token(&app, &second_access, ME, json!({})).await.0, 401);

    let (_, body) = app.graphql(REFRESH, json!({"t": "made-up-token"})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn logout_ends_one_session_and_logout_everywhere_ends_all() {
    let app = spawn().await;
    let (_, a) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    let (_, b) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    let (_, c) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    let (a_access, a_refresh) = tokens(&a, "signIn");
    let (b_access, _) = tokens(&b, "signIn");
    let (c_access, c_refresh) = tokens(&c, "signIn");

    let (status, body) = with_token(
        &app,
        &a_access,
        "mutation { logout { sessionsEnded } }",
        json!({}),
    )
    .await;
    assert_eq!(
        (status, &body["data"]["logout"]["sessionsEnded"]),
        (200, &json!(1))
    );
    assert_eq!(with_token(&app, &a_access, ME, json!({})).await.0, 401);
    let (_, body) = app.graphql(REFRESH, json!({"t": a_refresh})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    assert_eq!(
        with_token(&app, &b_access, ME, json!({})).await.0,
        200,
        "other sessions live on"
    );

    let (_, body) = with_token(
        &app,
        &b_access,
        "mutation { logoutEverywhere { sessionsEnded } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["logoutEverywhere"]["sessionsEnded"], 2);
    assert_eq!(with_token(&app, &b_access, ME, json!({})).await.0, 401);
    assert_eq!(with_token(&app, &c_access, ME, json!({})).await.0, 401);
    let (_, body) = app.graphql(REFRESH, json!({"t": c_refresh})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);

    let (_, body) = app
        .graphql("mutation { logout { sessionsEnded } }", json!({}))
        .await;
    assert_eq!(
        error_codes(&body),
        ["UNAUTHENTICATED"],
        "anonymous callers cannot log out"
    );
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_get_401() {
    let app = spawn().await;
    let (_, body) = sign_in(&app, MANAGER, DEMO_STAFF_PASSWORD).await;
    let (access, _) = tokens(&body, "signIn");
    let claims: Value = {
        use base64::Engine;
        let payload = access.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    let sub = claims["sub"].as_str().unwrap();
    let sid = claims["sid"].as_str().unwrap();
    let now = chrono::Utc::now().timestamp();
    let mint = |seed: u8, iss: &str, aud: &str, at: i64| {
        TokenService::new(
            KeySet::from_pem(&signing_key_pem(seed), None).unwrap(),
            iss,
            aud,
            900,
        )
        .issue_at(SubjectKind::Account, sub, Some(sid), None, at)
        .unwrap()
    };
    // The genuine key still works for a well-formed token.
    assert_eq!(
        with_token(
            &app,
            &mint(42, "closeknit", "closeknit-api", now),
            ME,
            json!({})
        )
        .await
        .0,
        200
    );
    let forged = [
        mint(42, "closeknit", "closeknit-api", now - 3600),
        mint(42, "closeknit", "closeknit-api", now + 600),
        mint(42, "closeknit", "another-api", now),
        mint(42, "someone", "closeknit-api", now),
        mint(7, "closeknit", "closeknit-api", now),
        format!("{}x", &access[..access.len() - 1]),
        "not-a-token".to_string(),
    ];
    for token in forged {
        let (status, body) = with_token(&app, &token, ME, json!({})).await;
        assert_eq!(status, 401, "{token}");
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    }
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", format!("Basic {access}"))
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
}

const CODE_SIGN_IN: &str = "mutation($email: String!, $code: String!) { \
    signInWithCode(input: {email: $email, code: $code}) { accessToken me { email roles { role } } } }";

async fn spawn_with_smtp() -> (TestApp, SmtpSink) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(42))
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .spawn()
        .await;
    (app, smtp)
}

/// Waits for the `n`th message and reads the code out of it, as a person would.
async fn code_from_mail(smtp: &SmtpSink, n: usize) -> String {
    assert!(
        eventually(Duration::from_secs(15), || async {
            smtp.messages().len() >= n
        })
        .await,
        "message {n} never arrived"
    );
    let message = &smtp.messages()[n - 1];
    assert_eq!(
        message.header("Subject").as_deref(),
        Some("Your Closeknit sign-in code")
    );
    code_in(&message.data)
}

async fn request_code(app: &TestApp, email: &str) -> String {
    let (status, body) = app.graphql(REQUEST_CODE, json!({"email": email})).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["requestSignInCode"]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn code_sign_in(app: &TestApp, email: &str, code: &str) -> Value {
    app.graphql(CODE_SIGN_IN, json!({"email": email, "code": code}))
        .await
        .1
}

#[tokio::test]
async fn young_people_sign_in_with_an_emailed_code_once() {
    let (app, smtp) = spawn_with_smtp().await;
    request_code(&app, YOUNG_PERSON).await;
    let code = code_from_mail(&smtp, 1).await;
    assert_eq!(smtp.messages()[0].to, [YOUNG_PERSON]);
    // Once sent, the email (and the code in it) is not kept in the queue.
    let kept = || async {
        closeknit::db::raw::query(
            &app.db,
            "SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded' OR payload LIKE $1",
            vec![format!("%{code}%").into()],
        )
        .await
        .unwrap()[0]
            .try_get_by_index::<i64>(0)
            .unwrap()
    };
    assert!(eventually(Duration::from_secs(5), || async { kept().await == 0 }).await);

    let body = code_sign_in(&app, YOUNG_PERSON, &code).await;
    assert_eq!(
        body["data"]["signInWithCode"]["me"]["roles"][0]["role"],
        "YOUNG_PERSON"
    );
    let access = body["data"]["signInWithCode"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(
        with_token(&app, access, ME, json!({})).await.1["data"]["me"]["email"],
        YOUNG_PERSON
    );

    let again = code_sign_in(&app, YOUNG_PERSON, &code).await;
    assert_eq!(error_codes(&again), ["UNAUTHENTICATED"], "single use");
}

#[tokio::test]
async fn the_reply_is_the_same_for_unknown_and_staff_addresses_and_no_mail_goes() {
    let (app, smtp) = spawn_with_smtp().await;
    let known = request_code(&app, "kinship.carer@eastbrook.example").await;
    code_from_mail(&smtp, 1).await;
    let unknown = request_code(&app, "nobody@eastbrook.example").await;
    let staff = request_code(&app, MANAGER).await;
    assert_eq!(known, unknown);
    assert_eq!(known, staff);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "only the carer got a code");
    let body = code_sign_in(&app, MANAGER, "000000").await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn a_code_guessed_six_times_is_refused_even_when_right() {
    let (app, smtp) = spawn_with_smtp().await;
    request_code(&app, YOUNG_PERSON).await;
    let code = code_from_mail(&smtp, 1).await;
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..5 {
        let body = code_sign_in(&app, YOUNG_PERSON, wrong).await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    }
    let body = code_sign_in(&app, YOUNG_PERSON, &code).await;
    assert_eq!(
        error_codes(&body),
        ["UNAUTHENTICATED"],
        "the sixth try is refused"
    );
    assert_eq!(events(&app, "sign_in_code_failed").await, 6);
}

#[tokio::test]
async fn a_new_code_replaces_the_old_and_expired_codes_fail() {
    let (app, smtp) = spawn_with_smtp().await;
    request_code(&app, YOUNG_PERSON).await;
    let first = code_from_mail(&smtp, 1).await;
    request_code(&app, YOUNG_PERSON).await;
    let second = code_from_mail(&smtp, 2).await;
    if first != second {
        let body = code_sign_in(&app, YOUNG_PERSON, &first).await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    }
    // Age the newest code past its ten minutes.
    closeknit_tests::beyond_api::expire_sign_in_codes(&app.db).await;
    let body = code_sign_in(&app, YOUNG_PERSON, &second).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

/// POSTs an operation as if from `ip` (the server trusts one proxy hop).
async fn graphql_from(app: &TestApp, ip: &str, query: &str, variables: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", ip)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn retry_after_seconds(body: &Value) -> u64 {
    assert_eq!(error_codes(body), ["RATE_LIMITED"], "{body}");
    body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn sign_in_attempts_are_budgeted_per_account_and_per_address() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(42))
        .env("CLOSEKNIT_TRUSTED_PROXY_HOPS", "1")
        .env("CLOSEKNIT_RATE_SIGN_IN_PER_ACCOUNT", "3/10m")
        .env("CLOSEKNIT_RATE_SIGN_IN_PER_IP", "5/10m")
        .spawn()
        .await;
    let vars = |email: &str, password: &str| json!({"email": email, "password": password});
    for _ in 0..3 {
        let body = graphql_from(&app, "192.0.2.1", SIGN_IN, vars(MANAGER, "wrong")).await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    }
    // The fourth attempt for the account is refused before the password is
    // looked at, even from another address and with the right password.
    let body = graphql_from(
        &app,
        "192.0.2.2",
        SIGN_IN,
        vars(MANAGER, DEMO_STAFF_PASSWORD),
    )
    .await;
    let wait = retry_after_seconds(&body);
    assert!((150..=200).contains(&wait), "one attempt per 200 s: {wait}");
    let account = store::account_by_email(&app.db, &Email::parse("e", MANAGER).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        account.failed_sign_ins, 3,
        "the refused attempt changed nothing"
    );
    assert!(account.last_sign_in_at.is_none());

    // The first address has spent 3 of its 5: two more for other accounts,
    // then it is refused whoever it asks for; other addresses are not.
    for email in ["a@northmoor.example", "b@northmoor.example"] {
        let body = graphql_from(&app, "192.0.2.1", SIGN_IN, vars(email, "x")).await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    }
    let body = graphql_from(&app, "192.0.2.1", SIGN_IN, vars("c@northmoor.example", "x")).await;
    retry_after_seconds(&body);
    let body = graphql_from(
        &app,
        "192.0.2.3",
        SIGN_IN,
        vars("key.worker@northmoor.example", DEMO_STAFF_PASSWORD),
    )
    .await;
    assert!(body["data"]["signIn"]["accessToken"].is_string(), "{body}");
    assert_eq!(
        app.metric("closeknit_rate_limited_total", "sign_in_per_account")
            .await,
        1.0
    );
    assert_eq!(
        app.metric("closeknit_rate_limited_total", "sign_in_per_ip")
            .await,
        1.0
    );
}

#[tokio::test]
async fn code_emails_are_budgeted_per_account() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(42))
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_RATE_CODE_REQUESTS_PER_ACCOUNT", "1/10m")
        .spawn()
        .await;
    request_code(&app, YOUNG_PERSON).await;
    let code = code_from_mail(&smtp, 1).await;
    let (_, body) = app
        .graphql(
            REQUEST_CODE,
            json!({"email": " Young.Person@northmoor.example"}),
        )
        .await;
    let wait = retry_after_seconds(&body);
    assert!((500..=600).contains(&wait), "{wait}");
    // Refused requests send nothing and do not replace the code.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1);
    let body = code_sign_in(&app, YOUNG_PERSON, &code).await;
    assert!(
        body["data"]["signInWithCode"]["accessToken"].is_string(),
        "{body}"
    );
}
