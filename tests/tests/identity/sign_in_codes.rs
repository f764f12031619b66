//! Sign-in codes never wait in plain text: the code email's job holds only
//! the request's id, the code is made when the email is sent, a retry makes
//! a fresh one, and a request that expired or was replaced before its email
//! went is not sent late. Both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use closeknit::db::raw::query;
use closeknit_tests::{
    REQUEST_SIGN_IN_CODE as REQUEST_CODE, TestApp, beyond_api, code_in, demo::YOUNG_PERSON,
    error_codes, eventually, smtp::SmtpSink,
};
use serde_json::{Value, json};

const CODE_SIGN_IN: &str = "mutation($email: String!, $code: String!) { \
    signInWithCode(input: {email: $email, code: $code}) { accessToken me { email } } }";
const CODE_JOB: &str = "sign_in_code.email";

async fn request_code(app: &TestApp) {
    let (status, body) = app
        .graphql(REQUEST_CODE, json!({"email": YOUNG_PERSON}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
}

async fn code_sign_in(app: &TestApp, code: &str) -> Value {
    app.graphql(CODE_SIGN_IN, json!({"email": YOUNG_PERSON, "code": code}))
        .await
        .1
}

/// The code emails' jobs, oldest first: (id, state, attempts, payload).
async fn code_jobs(app: &TestApp) -> Vec<(i64, String, i32, String)> {
    query(
        &app.db,
        "SELECT id, state, attempts, payload FROM jobs WHERE kind = $1 ORDER BY id",
        vec![CODE_JOB.into()],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get_by_index(0).unwrap(),
            r.try_get_by_index(1).unwrap(),
            r.try_get_by_index(2).unwrap(),
            r.try_get_by_index(3).unwrap(),
        )
    })
    .collect()
}

/// Every stored text a code could wait in: each job (any kind, any state,
/// dead ones included) with its payload and last error, the code rows and
/// the security events.
async fn stored_text(app: &TestApp) -> String {
    let mut all = String::new();
    for sql in [
        "SELECT kind || ' ' || state || ' ' || payload || ' ' || COALESCE(last_error, '') FROM jobs",
        "SELECT code_hash FROM sign_in_codes",
        "SELECT kind || ' ' || detail FROM security_events",
    ] {
        for row in query(&app.db, sql, vec![]).await.unwrap() {
            all.push_str(&row.try_get_by_index::<String>(0).unwrap());
            all.push('\n');
        }
    }
    all
}

async fn wait_for_job(app: &TestApp, check: impl Fn(&(i64, String, i32, String)) -> bool) -> i64 {
    let found = eventually(Duration::from_secs(30), || async {
        code_jobs(app).await.iter().any(&check)
    })
    .await;
    assert!(found, "{:?}", code_jobs(app).await);
    code_jobs(app)
        .await
        .into_iter()
        .find(|j| check(j))
        .unwrap()
        .0
}

#[tokio::test]
async fn a_code_waiting_on_a_dead_smtp_server_is_stored_nowhere() {
    let port = SmtpSink::closed_port().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &format!("smtp://{port}"))
        .spawn()
        .await;
    request_code(&app).await;
    // Five attempts against a closed port, then the dead-letter state.
    let id = wait_for_job(&app, |(_, state, _, _)| state == "dead").await;
    let (_, _, attempts, payload) = code_jobs(&app).await.remove(0);
    assert_eq!(attempts, 5);
    let payload: Value = serde_json::from_str(&payload).unwrap();
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["code_id"], "the job holds the request's id only");
    let while_down = stored_text(&app).await;

    // SMTP comes back; an operator retries the dead job.
    let smtp = SmtpSink::start_at(port).await;
    let admin = app.staff_token("admin@closeknit.example").await;
    let (_, body) = app
        .graphql_as(
            &admin,
            "mutation($id: String!) { retryDeadJob(input: {jobId: $id}) { state } }",
            json!({"id": id.to_string()}),
        )
        .await;
    assert_eq!(body["data"]["retryDeadJob"]["state"], "queued", "{body}");
    assert!(
        eventually(Duration::from_secs(15), || async {
            !smtp.messages().is_empty()
        })
        .await,
        "the retried email never arrived"
    );
    let code = code_in(&smtp.messages()[0].data);
    wait_for_job(&app, |(_, state, _, _)| state == "succeeded").await;
    let after = stored_text(&app).await;
    for (when, text) in [("while SMTP was down", &while_down), ("after", &after)] {
        assert!(
            !text.contains(&code),
            "the emailed code {code} was stored {when}:\n{text}"
        );
    }
    // The code the person got is the one that works.
    let body = code_sign_in(&app, &code).await;
    assert_eq!(
        body["data"]["signInWithCode"]["me"]["email"], YOUNG_PERSON,
        "{body}"
    );
}

/// Makes a waiting job due now (its retry was scheduled an hour away).
async fn due_now(app: &TestApp, id: i64) {
    beyond_api::make_job_due(&app.db, id).await;
}

#[tokio::test]
async fn a_code_email_whose_request_expired_or_was_replaced_is_not_sent_late() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_JOB_BACKOFF_BASE_MS", "3600000")
        .env("CLOSEKNIT_JOB_BACKOFF_MAX_MS", "3600000")
        .spawn()
        .await;

    // The first attempt meets a 451; the retry waits an hour.
    smtp.refuse_next(1);
    request_code(&app).await;
    let first = wait_for_job(&app, |(_, state, attempts, _)| {
        state == "queued" && *attempts == 1
    })
    .await;
    // Meanwhile the request's ten minutes pass.
    beyond_api::expire_sign_in_codes(&app.db).await;
    due_now(&app, first).await;
    wait_for_job(&app, |(id, state, _, _)| {
        *id == first && state == "succeeded"
    })
    .await;
    assert!(smtp.messages().is_empty(), "an expired code was emailed");

    // A request whose email is waiting is replaced by a newer one: only the
    // newer one's email goes, and only its code works.
    smtp.refuse_next(1);
    request_code(&app).await;
    let second = wait_for_job(&app, |(id, state, attempts, _)| {
        *id != first && state == "queued" && *attempts == 1
    })
    .await;
    request_code(&app).await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            smtp.messages().len() == 1
        })
        .await
    );
    due_now(&app, second).await;
    wait_for_job(&app, |(id, state, _, _)| {
        *id == second && state == "succeeded"
    })
    .await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "the replaced request's email went"
    );
    let code = code_in(&smtp.messages()[0].data);
    let body = code_sign_in(&app, &code).await;
    assert!(
        body["data"]["signInWithCode"]["accessToken"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn a_retried_code_email_carries_a_fresh_code_and_only_it_works() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .spawn()
        .await;
    smtp.refuse_next(1);
    request_code(&app).await;
    let id = wait_for_job(&app, |(_, state, _, _)| state == "succeeded").await;
    let (_, _, attempts, _) = code_jobs(&app).await.remove(0);
    assert_eq!(attempts, 2, "the first attempt met a 451");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].header("Message-ID"),
        Some(format!("<job-{id}-2@closeknit.invalid>")),
        "each attempt's message has its own id"
    );
    let code = code_in(&messages[0].data);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        error_codes(&code_sign_in(&app, wrong).await),
        ["UNAUTHENTICATED"]
    );
    let body = code_sign_in(&app, &code).await;
    assert!(
        body["data"]["signInWithCode"]["accessToken"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn without_smtp_the_code_email_is_written_to_the_outbox_folder() {
    let app = TestApp::spawn().await;
    request_code(&app).await;
    let eml = || {
        std::fs::read_dir(app.mail_dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .find(|text| text.contains("code is "))
    };
    assert!(eventually(Duration::from_secs(15), || async { eml().is_some() }).await);
    let code = code_in(&eml().unwrap());
    let body = code_sign_in(&app, &code).await;
    assert_eq!(
        body["data"]["signInWithCode"]["me"]["email"], YOUNG_PERSON,
        "{body}"
    );
}
