//! Who may call each second-factor operation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit_tests::{TestApp, smtp::SmtpSink};
use serde_json::{Value, json};

use super::{
    COMPLETE, CONFIRM, EASTBROOK_ADMIN, KEY_WORKER, LA_MANAGER, NORTHMOOR_ADMIN, PLATFORM_ADMIN,
    REMOVE, RENEW, REQUIRE, RESET, START, STATUS, YOUNG_PERSON, ids, texts,
};
use crate::matrix::{ANONYMOUS, BAD, FORB, NF, OK, UNAUTH, input, outcome, send, token};

/// Who may call each operation: anonymous, a young person, a key worker,
/// an LA manager, the organisation's administrator (Northmoor's LA team),
/// another organisation's administrator, the platform administrator.
#[tokio::test]
async fn who_may_do_what() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .spawn()
        .await;
    let (northmoor, _) = ids(&app, NORTHMOOR_ADMIN).await;
    let (_, manager_account) = ids(&app, LA_MANAGER).await;
    let personas = [
        ANONYMOUS,
        YOUNG_PERSON,
        KEY_WORKER,
        LA_MANAGER,
        NORTHMOOR_ADMIN,
        EASTBROOK_ADMIN,
        PLATFORM_ADMIN,
    ];
    let wrong = "000000";
    #[rustfmt::skip]
    let rows: [(&str, &str, Value, [&str; 7]); 8] = [
        ("setOrganisationSecondFactorRequirement", REQUIRE,
            input(json!({"organisationId": northmoor, "required": false})),
            [UNAUTH, FORB, NF, FORB, OK, NF, OK]),
        ("mySecondFactor", STATUS, json!({}),
            [UNAUTH, OK, OK, OK, OK, OK, OK]),
        ("startSecondFactorEnrolment", START, input(json!({})),
            [UNAUTH, FORB, OK, OK, OK, OK, OK]),
        // A wrong code: past the authorisation, refused as input.
        ("confirmSecondFactorEnrolment", CONFIRM, input(json!({"code": wrong})),
            [UNAUTH, FORB, BAD, BAD, BAD, BAD, BAD]),
        // No confirmed factor to renew codes for or remove.
        ("renewRecoveryCodes", RENEW, input(json!({"code": wrong})),
            [UNAUTH, FORB, NF, NF, NF, NF, NF]),
        ("removeSecondFactor", REMOVE, input(json!({"code": wrong})),
            [UNAUTH, FORB, NF, NF, NF, NF, NF]),
        ("resetSecondFactor", RESET, input(json!({"accountId": manager_account})),
            [UNAUTH, NF, NF, NF, OK, NF, OK]),
        // Anyone may try; only a live challenge gets anywhere.
        ("completeSignIn", COMPLETE, input(json!({"challenge": "made-up", "code": wrong})),
            [UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH]),
    ];
    let mut failures = Vec::new();
    for persona in personas.iter().enumerate() {
        let (column, email) = persona;
        let token = token(&app, &smtp, email).await;
        for (name, document, variables, expected) in &rows {
            let body = send(&app, &token, name, document, variables.clone()).await;
            let got = outcome(&body, name, "");
            if got != expected[column] {
                failures.push(format!(
                    "{name} as {email}: {got}, expected {}: {body}",
                    expected[column]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // An unconfirmed factor was left for every staff account that started.
    let started = texts(&app, "SELECT secret_ciphertext FROM second_factors").await;
    assert_eq!(started.len(), 4);
    app.stop().await;
}
