//! Hardening (issue 12), on both databases: a client's mistake is always a
//! client error with a code, an outage is always retryable, and the fuzz
//! and outage runs that keep the whole class from coming back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod fuzz;
mod outage;

use closeknit_tests::{TestApp, error_codes, global_id, staying_close::plan_uuid_of};
use serde_json::{Value, json};

const ADMIN: &str = "admin@closeknit.example";
const ADVISER: &str = "personal.adviser@northmoor.example";

/// POSTs as `application/graphql-response+json`, optionally signed in.
async fn post(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn assert_request_error(status: u16, body: &Value, code: &str) {
    assert_eq!(status, 400, "{body}");
    let codes = error_codes(body);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == code),
        "{body}"
    );
    assert!(
        body.get("data").is_none(),
        "request errors carry no data: {body}"
    );
}

#[tokio::test]
async fn variables_that_do_not_fit_are_request_errors_not_server_faults() {
    let app = TestApp::spawn().await;
    let sign_in = "mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }";
    for variables in [
        json!({}),
        json!({"i": null}),
        json!({"i": "x"}),
        json!({"i": ["x"]}),
        json!({"i": {"email": "a@b.example"}}),
        json!({"i": {"email": 5, "password": "x"}}),
        json!({"i": {"email": "a@b.example", "password": "x", "extra": 1}}),
    ] {
        let (status, body) = post(&app, None, sign_in, variables.clone()).await;
        assert_request_error(status, &body, "GRAPHQL_VALIDATION_FAILED");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("$i") || message.contains("\"input"),
            "the message names the variable or its argument: {body}"
        );
    }
    // A number for a date, an object where a list is expected, a huge Int.
    let goal = "mutation($i: AddPlanGoalInput!) { addPlanGoal(input: $i) { version } }";
    let (status, body) = post(
        &app,
        None,
        goal,
        json!({"i": {"planId": "x", "expectedVersion": 1, "section": "EMPLOYMENT", "title": "t", "targetDate": 20260101}}),
    )
    .await;
    assert_request_error(status, &body, "GRAPHQL_VALIDATION_FAILED");
    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let (status, body) = post(&app, None, nodes, json!({"ids": {"a": 1}})).await;
    assert_request_error(status, &body, "GRAPHQL_VALIDATION_FAILED");
    let regions = "query($n: Int) { regions(first: $n) { nodes { id } } }";
    let (status, body) = post(&app, None, regions, json!({"n": 1e10})).await;
    assert_request_error(status, &body, "GRAPHQL_VALIDATION_FAILED");

    // A nullable variable left out is as if the argument were absent.
    let (status, body) = post(&app, None, regions, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");

    // Legacy clients get the same refusal with status 200, still no data.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/json")
        .json(&json!({"query": sign_in, "variables": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["GRAPHQL_VALIDATION_FAILED"]);
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn a_literal_that_does_not_parse_as_its_scalar_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let token = app.staff_token(ADVISER).await;
    for since in ["\"yesterday\"", "5", "\"0001-01-01T00:00:00Z\""] {
        let (status, body) = post(
            &app,
            Some(&token),
            &format!("{{ myStayingClosePlanChanges(since: {since}) {{ plan {{ id }} }} }}"),
            json!({}),
        )
        .await;
        // A number where a string is expected is caught by validation; a
        // string that is not a date and time, here.
        let codes = error_codes(&body);
        assert!(
            codes == ["BAD_USER_INPUT"] || codes == ["GRAPHQL_VALIDATION_FAILED"],
            "{since}: {body}"
        );
        assert_eq!(status, 400, "{body}");
        if codes == ["BAD_USER_INPUT"] {
            assert_eq!(body["errors"][0]["extensions"]["field"], "since", "{body}");
        }
    }
}

#[tokio::test]
async fn control_characters_never_reach_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let adviser = app.staff_token(ADVISER).await;
    let unregister =
        "mutation($t: String!) { unregisterPushDevice(input: {token: $t}) { removed } }";
    for token in ["\u{0}", "abc\u{0}", "\u{1b}[2J", "a\u{7f}b", "a\u{9b}b"] {
        let (status, body) = post(&app, Some(&adviser), unregister, json!({"t": token})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.token");
    }
    // The same in a literal, escaped as GraphQL allows.
    let (_, body) = post(
        &app,
        Some(&adviser),
        r#"mutation { unregisterPushDevice(input: {token: "\u0000"}) { removed } }"#,
        json!({}),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
    let (_, body) = post(
        &app,
        Some(&admin),
        r#"{ deadJobs(kind: "\u0000") { nodes { jobId } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "kind");
    // Line breaks and tabs are not control characters for this rule.
    let (status, body) = post(
        &app,
        Some(&admin),
        "query($k: String) { deadJobs(kind: $k) { nodes { jobId } } }",
        json!({"k": "notification.email\n\t"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn client_names_need_visible_characters_and_refuse_direction_controls() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let la = app.local_authority_id("E06099001").await;
    let create =
        "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { name } } }";
    for (name, says) in [
        ("\u{200B}\u{200B}\u{200B}", "visible"),
        ("\u{FEFF}", "visible"),
        ("Carers \u{202E}ppA", "right-to-left"),
        ("Carers\u{2067} App\u{2069}", "right-to-left"),
        ("Carers\nApp", "one line"),
    ] {
        let (_, body) = post(
            &app,
            Some(&admin),
            create,
            json!({"i": {"name": name, "scopes": ["TRAINING_BOOK"], "localAuthorityIds": [la]}}),
        )
        .await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{name:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "name");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(says),
            "{name:?}: {body}"
        );
    }
    let (_, body) = post(
        &app,
        Some(&admin),
        create,
        json!({"i": {"name": " \u{FEFF}Carers' Circle\u{200B} ", "scopes": ["TRAINING_BOOK"], "localAuthorityIds": [la]}}),
    )
    .await;
    assert_eq!(
        body["data"]["createApiClient"]["client"]["name"], "Carers' Circle",
        "{body}"
    );
}

#[tokio::test]
async fn goal_titles_need_visible_characters_and_refused_ones_write_nothing() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(ADVISER).await;
    // A goal's title, a progress note: nothing visible, nothing written.
    let plan_id = plan_uuid_of(&app, "young.person@northmoor.example").await;
    let plan = global_id("StayingClosePlan", plan_id);
    let goal = "mutation($i: AddPlanGoalInput!) { addPlanGoal(input: $i) { version } }";
    let count_goals = || async {
        closeknit::db::raw::query(
            &app.db,
            "SELECT COUNT(*) FROM plan_goals WHERE plan_id = $1",
            vec![plan_id.into()],
        )
        .await
        .unwrap()[0]
            .try_get_by_index::<i64>(0)
            .unwrap()
    };
    let goals = count_goals().await;
    for title in ["\u{200B}", "\u{FEFF}\u{200D}", "\u{202E}txet"] {
        let (_, body) = post(
            &app,
            Some(&adviser),
            goal,
            json!({"i": {"planId": plan, "expectedVersion": 1, "section": "EMPLOYMENT", "title": title}}),
        )
        .await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{title:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "title");
    }
    assert_eq!(count_goals().await, goals, "refused titles wrote nothing");
    let (_, body) = post(
        &app,
        Some(&adviser),
        goal,
        json!({"i": {"planId": plan, "expectedVersion": 1, "section": "EMPLOYMENT", "title": "Open a bank account"}}),
    )
    .await;
    assert_eq!(body["data"]["addPlanGoal"]["version"], 2, "{body}");
    assert_eq!(
        count_goals().await,
        goals + 1,
        "only the visible title was written"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_service_unavailable_wherever_it_is_met() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_DB_MAX_CONNECTIONS", "2")
        .env("CLOSEKNIT_DB_ACQUIRE_TIMEOUT_MS", "500")
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    let token = app.staff_token(ADVISER).await;
    // The server's connections are all taken: authentication cannot check
    // the session.
    let mut held = Vec::new();
    while let Ok(txn) = sea_orm::TransactionTrait::begin(&app.db).await {
        held.push(txn);
    }
    assert!(!held.is_empty());
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .bearer_auth(&token)
        .json(&json!({"query": "{ me { email } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    // The token endpoint says so the OAuth way.
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(uuid::Uuid::new_v4().to_string(), Some("cks_not-a-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    // Anonymous requests meet it during execution: a field error, same code.
    let (status, body) = post(
        &app,
        None,
        "{ localAuthorities(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    for txn in held {
        txn.rollback().await.unwrap();
    }
    let (status, body) = post(&app, Some(&token), "{ me { email } }", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["email"], ADVISER);
}
