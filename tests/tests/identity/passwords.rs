//! Passwords, on both databases: a reset link from the real email (SMTP
//! sink) sets a new password once and ends every session (old access
//! tokens refused on the next request, old refresh tokens refused),
//! clearing a lock; weak passwords, replaced, expired and reused links are
//! refused; only active staff accounts get an email, and every asker the
//! same reply; changing a password ends every session and returns a fresh
//! one; who may call each operation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit::db::raw::{exec, query};
use closeknit::seed::DEMO_STAFF_PASSWORD as DEMO;
use closeknit_tests::{TestApp, error_codes};
use serde_json::{Value, json};

use crate::invitations::{
    EASTBROOK_ADMIN, NORTHMOOR_ADMIN, PLATFORM_ADMIN, STRONG, audited, job_payloads, link_token,
};
use crate::matrix::{ANONYMOUS, BAD, FORB, OK, UNAUTH, outcome, token};

const MANAGER: &str = "la.manager@northmoor.example";
const REQUEST: &str =
    "mutation($e: String!) { requestPasswordReset(input: {email: $e}) { message } }";
const RESET: &str = "mutation($t: String!, $p: String!) { resetPassword(input: \
    {token: $t, newPassword: $p}) { message } }";
const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(input: \
    {currentPassword: $c, newPassword: $n}) { accessToken refreshToken me { email } } }";
const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, \
    password: $p}) { accessToken refreshToken } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken } }";
const ME: &str = "{ me { email } }";

/// Signs in with a password: (access, refresh) or the error body.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Result<(String, String), Value> {
    let (_, body) = app
        .graphql(SIGN_IN, json!({"e": email, "p": password}))
        .await;
    match body["data"]["signIn"]["accessToken"].as_str() {
        Some(access) => Ok((
            access.to_string(),
            body["data"]["signIn"]["refreshToken"]
                .as_str()
                .unwrap()
                .to_string(),
        )),
        None => Err(body),
    }
}

async fn request(app: &TestApp, email: &str) -> Value {
    app.graphql(REQUEST, json!({"e": email})).await.1
}

async fn reset(app: &TestApp, token: &str, password: &str) -> Value {
    app.graphql(RESET, json!({"t": token, "p": password}))
        .await
        .1
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

/// The session behind these tokens is over: the access token is refused
/// on the next request, and so is the refresh token.
async fn assert_ended(app: &TestApp, (access, refresh): &(String, String)) {
    let (status, body) = app.graphql_as(access, ME, json!({})).await;
    assert_eq!(
        (status, error_codes(&body)),
        (401, vec![UNAUTH.to_string()]),
        "{body}"
    );
    let (_, body) = app.graphql(REFRESH, json!({"t": refresh})).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
}

async fn reset_jobs(app: &TestApp) -> usize {
    query(
        &app.db,
        "SELECT id FROM jobs WHERE kind = 'password_reset.email'",
        vec![],
    )
    .await
    .unwrap()
    .len()
}

#[tokio::test]
async fn a_reset_link_from_the_email_sets_a_new_password_once_and_ends_every_session() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let phone = sign_in(&app, MANAGER, DEMO).await.unwrap();
    let laptop = sign_in(&app, MANAGER, DEMO).await.unwrap();
    // A locked account (too many wrong passwords) is unlocked by a reset.
    exec(
        &app.db,
        "UPDATE accounts SET failed_sign_ins = 3, locked_until = $2 WHERE email = $1",
        vec![
            MANAGER.into(),
            (chrono::Utc::now() + chrono::Duration::minutes(10)).into(),
        ],
    )
    .await
    .unwrap();

    let body = request(&app, MANAGER).await;
    assert!(body["errors"].is_null(), "{body}");
    let token = link_token(&smtp, MANAGER, "reset-password", 0).await;
    for payload in job_payloads(&app).await {
        assert!(!payload.contains(&token), "{payload}");
    }
    let stored = query(
        &app.db,
        "SELECT token_hash FROM account_tokens WHERE purpose = 'password_reset'",
        vec![],
    )
    .await
    .unwrap();
    let hash: String = closeknit::db::rows::get(&stored[0], "token_hash").unwrap();
    assert!(hash != token && hash.len() == 64);

    // Weak passwords: refused with the reason; the link still works.
    for weak in ["short", "password1234", "northmoormanager"] {
        let body = reset(&app, &token, weak).await;
        assert_eq!(error_codes(&body), [BAD], "{weak}: {body}");
        assert_eq!(field(&body), "newPassword");
    }
    // Refused passwords ended nothing.
    let (_, body) = app.graphql_as(&phone.0, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["email"], MANAGER);

    let body = reset(&app, &token, STRONG).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_ended(&app, &phone).await;
    assert_ended(&app, &laptop).await;
    assert_eq!(audited(&app, "password.reset").await, 1);
    let account = query(
        &app.db,
        "SELECT failed_sign_ins, password_changed_at FROM accounts WHERE email = $1",
        vec![MANAGER.into()],
    )
    .await
    .unwrap();
    let failures: i32 = closeknit::db::rows::get(&account[0], "failed_sign_ins").unwrap();
    let changed: Option<chrono::DateTime<chrono::Utc>> =
        closeknit::db::rows::get(&account[0], "password_changed_at").unwrap();
    assert_eq!(failures, 0);
    assert!(changed.is_some());

    // The old password no longer works; the new one does (the lock is gone).
    assert!(sign_in(&app, MANAGER, DEMO).await.is_err());
    sign_in(&app, MANAGER, STRONG).await.unwrap();

    // The link works once.
    let body = reset(&app, &token, "another violet tractor spoon").await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "token")
    );
    sign_in(&app, MANAGER, STRONG).await.unwrap();
}

#[tokio::test]
async fn replaced_expired_and_unknown_links_and_who_gets_an_email() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    // The same reply for everyone; only active staff accounts get a link.
    let staff = request(&app, MANAGER).await;
    for other in [
        "nobody@northmoor.example",
        "young.person@northmoor.example",
        "kinship.carer@northmoor.example",
    ] {
        let body = request(&app, other).await;
        assert_eq!(body, staff, "{other}");
    }
    assert_eq!(reset_jobs(&app).await, 1);
    let first = link_token(&smtp, MANAGER, "reset-password", 0).await;

    // A newer request replaces the earlier link.
    request(&app, MANAGER).await;
    let second = link_token(&smtp, MANAGER, "reset-password", 1).await;
    assert_ne!(first, second);
    let body = reset(&app, &first, STRONG).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "token")
    );

    // An expired link (an hour passed: moved in the database).
    exec(
        &app.db,
        "UPDATE account_tokens SET expires_at = $1 WHERE used_at IS NULL",
        vec![(chrono::Utc::now() - chrono::Duration::minutes(1)).into()],
    )
    .await
    .unwrap();
    let body = reset(&app, &second, STRONG).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "token")
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired or has already been used: ask for a new one")
    );
    let body = reset(&app, "made-up-token", STRONG).await;
    assert_eq!(error_codes(&body), [BAD]);
    // Nothing changed: the old password still signs in.
    sign_in(&app, MANAGER, DEMO).await.unwrap();

    // Asking too often for one address: RATE_LIMITED (3 in 10 minutes).
    let body = request(&app, MANAGER).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = request(&app, MANAGER).await;
    assert_eq!(error_codes(&body), ["RATE_LIMITED"], "{body}");
}

#[tokio::test]
async fn changing_the_password_ends_every_session_and_returns_a_fresh_one() {
    let app = TestApp::spawn().await;
    let phone = sign_in(&app, MANAGER, DEMO).await.unwrap();
    let laptop = sign_in(&app, MANAGER, DEMO).await.unwrap();
    let change = |current: &'static str, new: &'static str| {
        let access = laptop.0.clone();
        let app = &app;
        async move {
            app.graphql_as(&access, CHANGE, json!({"c": current, "n": new}))
                .await
                .1
        }
    };
    let body = change("not my password", STRONG).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "currentPassword")
    );
    let body = change(DEMO, "password1234").await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "newPassword")
    );
    // Refusals ended nothing.
    let (_, body) = app.graphql_as(&phone.0, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["email"], MANAGER);

    let body = change(DEMO, STRONG).await;
    assert!(body["errors"].is_null(), "{body}");
    let fresh = body["data"]["changePassword"]["accessToken"]
        .as_str()
        .unwrap();
    assert_ended(&app, &phone).await;
    assert_ended(&app, &laptop).await;
    let (_, body) = app.graphql_as(fresh, ME, json!({})).await;
    assert_eq!(body["data"]["me"]["email"], MANAGER);
    assert_eq!(audited(&app, "password.change").await, 1);
    assert!(sign_in(&app, MANAGER, DEMO).await.is_err());
    sign_in(&app, MANAGER, STRONG).await.unwrap();
}

/// Who may call each password operation, written out by hand:
/// `requestPasswordReset` and `resetPassword` are public (a made-up link
/// is BAD_USER_INPUT for anyone); `changePassword` needs a signed-in
/// account with a password (a wrong current password here: BAD_USER_INPUT).
#[tokio::test]
async fn who_may_call_the_password_operations() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let rows: [(&str, [&str; 3]); 7] = [
        (ANONYMOUS, [OK, BAD, UNAUTH]),
        ("young.person@northmoor.example", [OK, BAD, FORB]),
        ("key.worker@northmoor.example", [OK, BAD, BAD]),
        (MANAGER, [OK, BAD, BAD]),
        (NORTHMOOR_ADMIN, [OK, BAD, BAD]),
        (EASTBROOK_ADMIN, [OK, BAD, BAD]),
        (PLATFORM_ADMIN, [OK, BAD, BAD]),
    ];
    for (who, expected) in rows {
        let token = token(&app, &smtp, who).await;
        let send = |document: &'static str, variables: Value| {
            let token = token.clone();
            let app = &app;
            async move {
                if token.is_empty() {
                    app.graphql(document, variables).await.1
                } else {
                    app.graphql_as(&token, document, variables).await.1
                }
            }
        };
        // An address of no account: the rate limit per address stays clear.
        let address = format!("someone.{}@x.example", who.replace('@', "-at-"));
        let asked = send(REQUEST, json!({ "e": address })).await;
        let reset = send(RESET, json!({"t": "made-up", "p": STRONG})).await;
        let changed = send(CHANGE, json!({"c": "not the password", "n": STRONG})).await;
        let got = [
            outcome(&asked, "requestPasswordReset", ""),
            outcome(&reset, "resetPassword", ""),
            outcome(&changed, "changePassword", ""),
        ];
        assert_eq!(got, expected, "{who}");
    }
}
