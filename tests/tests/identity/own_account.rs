//! A person's own account: changing their email with a code sent to the
//! new address (and a notice to the old one), seeing their sessions and
//! devices and ending any of them; refusals, and who may call each
//! operation. Both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use chrono::Utc;
use closeknit::{
    db::raw::{exec, query},
    push::{model::Platform, store as push},
};
use closeknit_tests::{
    TestApp, code_in, demo::YOUNG_PERSON, error_codes, eventually, global_id, smtp::SmtpSink, ws,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::matrix::{ANONYMOUS, BAD, NF, OK, UNAUTH, token};

const REQUEST: &str =
    "mutation($e: String!) { requestEmailChange(input: {newEmail: $e}) { codeExpiresAt } }";
const CONFIRM: &str = "mutation($c: String!) { confirmEmailChange(input: {code: $c}) { email } }";
const SESSIONS: &str = "{ mySessions { id signedInAt lastUsedAt signInMethod current } }";
const DEVICES: &str = "{ myDevices { id platform } }";
const END: &str = "mutation($id: ID!) { endMySession(input: {sessionId: $id}) { sessionId } }";
const REMOVE: &str = "mutation($id: ID!) { removeMyDevice(input: {deviceId: $id}) { deviceId } }";
const ME: &str = "{ me { email } }";

async fn gql(app: &TestApp, token: &str, doc: &str, vars: Value) -> Value {
    if token.is_empty() {
        app.graphql(doc, vars).await.1
    } else {
        app.graphql_as(token, doc, vars).await.1
    }
}

/// The latest email to `to` holding `marker`, waited for.
async fn mail_to(smtp: &SmtpSink, to: &str, marker: &str) -> String {
    let find = || {
        smtp.messages()
            .into_iter()
            .rev()
            .find(|m| m.to.iter().any(|t| t == to) && m.data.contains(marker))
    };
    assert!(
        eventually(Duration::from_secs(15), || async { find().is_some() }).await,
        "no email to {to} with {marker:?}"
    );
    find().unwrap().data
}

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    query(&app.db, sql, vec![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn account_id(app: &TestApp, email: &str) -> Uuid {
    query(
        &app.db,
        "SELECT id FROM accounts WHERE email = $1",
        vec![email.into()],
    )
    .await
    .unwrap()[0]
        .try_get_by_index(0)
        .unwrap()
}

fn other_than(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

#[tokio::test]
async fn a_young_person_changes_their_email_with_a_code_sent_to_the_new_address() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let token = app.code_token(&smtp, YOUNG_PERSON).await;
    let new = "jamie.new@mail.example";

    let body = gql(
        &app,
        &token,
        REQUEST,
        json!({"e": " Jamie.New@Mail.example"}),
    )
    .await;
    assert!(
        body["data"]["requestEmailChange"]["codeExpiresAt"].is_string(),
        "{body}"
    );
    let code = code_in(&mail_to(&smtp, new, "code is ").await);
    let notice = mail_to(&smtp, YOUNG_PERSON, "asked to change").await;
    assert!(!notice.contains(&code) && !notice.contains(new), "{notice}");
    // The jobs hold the request's id only; the code is stored nowhere.
    let payloads = strings(
        &app,
        "SELECT payload FROM jobs WHERE kind IN ('email_change.code', 'email_change.notice')",
    )
    .await;
    assert_eq!(payloads.len(), 2);
    for payload in &payloads {
        let payload: Value = serde_json::from_str(payload).unwrap();
        let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
        // Cleared once sent; before that, the request's id only.
        assert!(keys.is_empty() || keys == ["token_id"], "{payload}");
    }
    let mut stored = strings(&app, "SELECT payload FROM jobs").await;
    stored.extend(strings(&app, "SELECT token_hash FROM account_tokens").await);
    assert!(stored.iter().all(|t| !t.contains(&code)), "{stored:?}");

    // A wrong code is refused and counted; the right one moves the account.
    let body = gql(&app, &token, CONFIRM, json!({"c": other_than(&code)})).await;
    assert_eq!(error_codes(&body), [BAD], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "code");
    let body = gql(&app, &token, CONFIRM, json!({"c": code})).await;
    assert_eq!(body["data"]["confirmEmailChange"]["email"], new, "{body}");
    let body = gql(&app, &token, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["email"], new);
    // Used once only.
    let body = gql(&app, &token, CONFIRM, json!({"c": code})).await;
    assert_eq!(error_codes(&body), [BAD], "{body}");
    let audited = strings(
        &app,
        "SELECT action FROM audit_events WHERE action LIKE 'account.email_change%' ORDER BY id",
    )
    .await;
    assert_eq!(
        audited,
        ["account.email_change_request", "account.email_change"]
    );
    // They sign in at the new address from now on.
    let _ = app.code_token(&smtp, new).await;
}

#[tokio::test]
async fn email_changes_to_taken_addresses_and_with_old_codes_are_refused() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let token = app.code_token(&smtp, YOUNG_PERSON).await;

    for (address, code) in [
        ("personal.adviser@northmoor.example", "CONFLICT"),
        ("Kinship.Carer@northmoor.example", "CONFLICT"),
        (YOUNG_PERSON, BAD),
        ("nobody", BAD),
    ] {
        let body = gql(&app, &token, REQUEST, json!({"e": address})).await;
        assert_eq!(error_codes(&body), [code], "{address}: {body}");
    }

    // The address is free when asked for, taken before the code comes back.
    let wanted = "taken.later@mail.example";
    gql(&app, &token, REQUEST, json!({"e": wanted})).await;
    let code = code_in(&mail_to(&smtp, wanted, "code is ").await);
    exec(
        &app.db,
        "UPDATE accounts SET email = $1 WHERE email = 'kinship.carer@northmoor.example'",
        vec![wanted.into()],
    )
    .await
    .unwrap();
    let body = gql(&app, &token, CONFIRM, json!({"c": code})).await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    let body = gql(&app, &token, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["email"], YOUNG_PERSON);

    // Thirty minutes pass before the code is typed.
    let later = "later@mail.example";
    gql(&app, &token, REQUEST, json!({"e": later})).await;
    let code = code_in(&mail_to(&smtp, later, "code is ").await);
    exec(
        &app.db,
        "UPDATE account_tokens SET expires_at = $1 WHERE used_at IS NULL",
        vec![(Utc::now() - chrono::Duration::minutes(1)).into()],
    )
    .await
    .unwrap();
    let body = gql(&app, &token, CONFIRM, json!({"c": code})).await;
    assert_eq!(error_codes(&body), [BAD], "{body}");

    // Five wrong tries use a code up.
    let last = "last@mail.example";
    gql(&app, &token, REQUEST, json!({"e": last})).await;
    let code = code_in(&mail_to(&smtp, last, "code is ").await);
    for _ in 0..5 {
        let body = gql(&app, &token, CONFIRM, json!({"c": other_than(&code)})).await;
        assert_eq!(error_codes(&body), [BAD], "{body}");
    }
    let body = gql(&app, &token, CONFIRM, json!({"c": code})).await;
    assert_eq!(error_codes(&body), [BAD], "{body}");
    let body = gql(&app, &token, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["email"], YOUNG_PERSON);
}

#[tokio::test]
async fn a_person_sees_their_sessions_and_ends_one() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let phone = app.code_token(&smtp, YOUNG_PERSON).await;
    let laptop = app.code_token(&smtp, YOUNG_PERSON).await;
    let key_worker = app.staff_token("key.worker@northmoor.example").await;

    let body = gql(&app, &laptop, SESSIONS, json!({})).await;
    let sessions = body["data"]["mySessions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(sessions.len(), 2, "{body}");
    assert!(
        sessions.iter().all(|s| s["signInMethod"] == "EMAIL_CODE"),
        "{body}"
    );
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{body}");
    let phone_session = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].clone();

    // Someone else's session, a made-up one: not found; theirs untouched.
    let body = gql(&app, &key_worker, SESSIONS, json!({})).await;
    let theirs = body["data"]["mySessions"][0]["id"].clone();
    for id in [theirs, json!(global_id("Session", Uuid::now_v7()))] {
        let body = gql(&app, &laptop, END, json!({"id": id})).await;
        assert_eq!(error_codes(&body), [NF], "{body}");
    }
    let body = gql(&app, &key_worker, ME, json!({})).await;
    assert!(body["data"]["me"]["email"].is_string(), "{body}");

    // Ending the phone's session: its live connection closes (4401) and
    // its token is refused on its next request.
    let mut socket = ws::subscribed(&app, &phone).await;
    let body = gql(&app, &laptop, END, json!({"id": phone_session})).await;
    assert_eq!(
        body["data"]["endMySession"]["sessionId"], phone_session,
        "{body}"
    );
    let mut message = ws::next(&mut socket, Duration::from_secs(10))
        .await
        .unwrap();
    if message["type"] == "complete" {
        message = ws::next(&mut socket, Duration::from_secs(10))
            .await
            .unwrap();
    }
    assert_eq!(
        message,
        json!({"closed": 4401}),
        "the phone's socket stayed open"
    );
    let body = gql(&app, &phone, SESSIONS, json!({})).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = gql(&app, &laptop, SESSIONS, json!({})).await;
    assert_eq!(
        body["data"]["mySessions"].as_array().unwrap().len(),
        1,
        "{body}"
    );
    // Already ended.
    let body = gql(&app, &laptop, END, json!({"id": phone_session})).await;
    assert_eq!(error_codes(&body), [NF], "{body}");
    let ended = strings(
        &app,
        "SELECT action FROM audit_events WHERE action = 'session.end'",
    )
    .await;
    assert_eq!(ended.len(), 1);
}

async fn add_device(app: &TestApp, email: &str, device: &str) -> String {
    let added = push::upsert(
        &app.db,
        &push::Registration {
            account_id: account_id(app, email).await,
            platform: Platform::Fcm,
            token: device,
            web_keys: None,
            app_version: "1.0.0",
            time_zone: "Europe/London",
        },
    )
    .await
    .unwrap();
    global_id("PushDevice", added.id)
}

#[tokio::test]
async fn a_person_sees_their_devices_and_removes_one() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let token = app.code_token(&smtp, YOUNG_PERSON).await;
    let mine = add_device(&app, YOUNG_PERSON, "fcm-mine").await;
    let theirs = add_device(&app, "kinship.carer@northmoor.example", "fcm-theirs").await;

    let body = gql(&app, &token, DEVICES, json!({})).await;
    assert_eq!(
        body["data"]["myDevices"],
        json!([{"id": mine, "platform": "FCM"}]),
        "{body}"
    );
    let body = gql(&app, &token, REMOVE, json!({"id": theirs})).await;
    assert_eq!(error_codes(&body), [NF], "{body}");
    let body = gql(&app, &token, REMOVE, json!({"id": mine})).await;
    assert_eq!(body["data"]["removeMyDevice"]["deviceId"], mine, "{body}");
    let body = gql(&app, &token, DEVICES, json!({})).await;
    assert_eq!(body["data"]["myDevices"], json!([]), "{body}");
    let left = strings(&app, "SELECT token FROM push_devices").await;
    assert_eq!(left, ["fcm-theirs"]);
}

/// An error code, or `ok`.
fn seen(body: &Value) -> String {
    error_codes(body)
        .first()
        .cloned()
        .unwrap_or_else(|| OK.to_string())
}

/// Who may use the own-account operations: everyone signed in, for their
/// own account only (someone else's session or device is not found).
#[tokio::test]
async fn who_may_manage_their_own_account() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let other_session = {
        let t = app.staff_token("la.manager@eastbrook.example").await;
        gql(&app, &t, SESSIONS, json!({})).await["data"]["mySessions"][0]["id"].clone()
    };
    let other_device = add_device(&app, "kinship.carer@eastbrook.example", "fcm-other").await;
    let callers = [
        (ANONYMOUS, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH),
        (YOUNG_PERSON, OK, OK, OK, BAD, NF, NF),
        ("key.worker@northmoor.example", OK, OK, OK, BAD, NF, NF),
        ("la.manager@northmoor.example", OK, OK, OK, BAD, NF, NF),
        ("org.admin@northmoor.example", OK, OK, OK, BAD, NF, NF),
        ("org.admin@eastbrook.example", OK, OK, OK, BAD, NF, NF),
        ("admin@closeknit.example", OK, OK, OK, BAD, NF, NF),
    ];
    let mut failures = Vec::new();
    for (n, (caller, sessions, devices, request, confirm, end, remove)) in
        callers.into_iter().enumerate()
    {
        let token = token(&app, &smtp, caller).await;
        for (op, doc, vars, wanted) in [
            ("mySessions", SESSIONS, json!({}), sessions),
            ("myDevices", DEVICES, json!({}), devices),
            (
                "requestEmailChange",
                REQUEST,
                json!({"e": format!("new{n}@mail.example")}),
                request,
            ),
            (
                "confirmEmailChange",
                CONFIRM,
                json!({"c": "not-the-code"}),
                confirm,
            ),
            ("endMySession", END, json!({"id": other_session}), end),
            (
                "removeMyDevice",
                REMOVE,
                json!({"id": other_device}),
                remove,
            ),
        ] {
            let got = seen(&gql(&app, &token, doc, vars).await);
            if got != wanted {
                failures.push(format!("{caller} {op}: {got}, wanted {wanted}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
