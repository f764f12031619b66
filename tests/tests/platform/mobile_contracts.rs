//! Every operation the apps send (`mobile-contracts/<app>/*.graphql`, with
//! variables from `mobile-contracts/fixtures/<Name>.json`) must parse and
//! validate against the live server, so a schema change that breaks an app
//! fails here before it ships. Run as the demo young person, on both
//! databases; business errors (an id from the fixtures that does not
//! exist) are expected, contract errors are not.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use closeknit_tests::{TestApp, error_codes, smtp::SmtpSink};
use serde_json::{Value, json};

#[tokio::test]
async fn every_app_operation_validates_against_the_schema() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .spawn()
        .await;
    let token = app
        .code_token(&smtp, "young.person@northmoor.example")
        .await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mobile-contracts");
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("care-leaver-app")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("graphql") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let document = std::fs::read_to_string(&path).unwrap();
        let fixture = root.join("fixtures").join(format!("{name}.json"));
        let variables: Value = std::fs::read_to_string(&fixture)
            .map(|text| serde_json::from_str(&text).unwrap())
            .unwrap_or_else(|_| json!({}));
        let (status, body) = app.graphql_as(&token, &document, variables).await;
        let codes = error_codes(&body);
        assert!(
            !codes
                .iter()
                .any(|c| c.starts_with("GRAPHQL_") || c == "BAD_REQUEST"),
            "{name}: {status} {body}"
        );
        assert!(
            !body["data"].is_null() || !codes.is_empty(),
            "{name}: {body}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} operations found");
    // The home screen returns the plan for the signed-in young person.
    let home = std::fs::read_to_string(root.join("care-leaver-app/Home.graphql")).unwrap();
    let (_, body) = app.graphql_as(&token, &home, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["myStayingClosePlan"]["goals"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
