//! The commissioner's report: what the authority's managers and the
//! provider's managers see over the demo data (requests in every state),
//! that small counts of content are withheld, who is refused, and that
//! reading it is audited.

use closeknit_tests::{
    TestApp,
    advocacy::{ADVOCATE, MANAGER, refusal},
    demo::{EASTBROOK as E, NORTHMOOR as N},
    staying_close::day,
};
use serde_json::{Value, json};

const REPORT: &str = "query($la: ID!, $from: NaiveDate!, $to: NaiveDate!) { \
    advocacyCommissionerReport(localAuthorityId: $la, from: $from, to: $to) { \
      requests withdrawn withheldBelow medianWorkingDaysToFirstContact csv \
      byKind { code count } byReferrer { code count } bySubject { code count } \
      byEligibilityGroup { code count } byAgeBand { code count } \
      byCommunicationNeed { code count } outcomes { code count } declined { code count } \
      timescales { timescale met breached open percentMet } } }";

async fn report(app: &TestApp, token: &str, la: &str, from: &str, to: &str) -> Value {
    let (_, body) = app
        .graphql_as(token, REPORT, json!({"la": la, "from": from, "to": to}))
        .await;
    body
}

fn count(list: &Value, code: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {list}"))["count"]
        .clone()
}

#[tokio::test]
async fn the_authority_sees_its_services_figures_never_a_childs_content() {
    let app = TestApp::spawn().await;
    let la = app.local_authority_id("E06099001").await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let body = report(&app, &manager, &la, &day(-60), &day(0)).await;
    assert!(body["errors"].is_null(), "{body}");
    let r = &body["data"]["advocacyCommissionerReport"];
    // The demo: nine requests per authority, two of them referrals of
    // young children, one withdrawn, one declined as a duplicate.
    assert_eq!(r["requests"], 9, "{r}");
    assert_eq!(count(&r["byKind"], "non_instructed"), 2);
    assert_eq!(count(&r["byKind"], "instructed"), 7);
    assert_eq!(count(&r["byReferrer"], "social_worker"), 2);
    assert_eq!(r["withdrawn"], 1);
    assert_eq!(count(&r["declined"], "duplicate"), 1);
    assert_eq!(count(&r["byAgeBand"], "0-4"), 1);
    // Content in small numbers is withheld; none is zero.
    assert_eq!(count(&r["bySubject"], "health"), Value::Null);
    assert_eq!(count(&r["bySubject"], "leaving_care"), Value::Null);
    assert_eq!(count(&r["byCommunicationNeed"], "makaton"), 0);
    assert_eq!(count(&r["byEligibilityGroup"], "care_leaver"), 7);
    assert_eq!(r["withheldBelow"], 5);
    let allocation = r["timescales"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["timescale"] == "ALLOCATION")
        .unwrap();
    assert_eq!(allocation["breached"], 1, "the demo's breached referral");
    assert!(allocation["met"].as_i64().unwrap() >= 4, "{allocation}");
    assert!(r["medianWorkingDaysToFirstContact"].is_number(), "{r}");
    let csv = r["csv"].as_str().unwrap();
    assert!(csv.contains("requests,all,9\n"), "{csv}");
    assert!(csv.contains("subject,health,<5\n"), "{csv}");
    // The child's words never appear.
    assert!(!body.to_string().contains("someone on my side"), "{body}");
    // Reading it is in the authority's audit trail.
    let (_, trail) = app
        .graphql_as(&manager, "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 20) { edges { node { action } } } }", json!({"la": la}))
        .await;
    assert!(trail.to_string().contains("advocacy.report"), "{trail}");
}

#[tokio::test]
async fn the_provider_sees_its_own_service_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let la = app.local_authority_id("E06099001").await;
    let provider = app.staff_token(MANAGER).await;
    let body = report(&app, &provider, &la, &day(-60), &day(0)).await;
    assert_eq!(
        body["data"]["advocacyCommissionerReport"]["requests"], 9,
        "{body}"
    );
    for token in [
        app.staff_token(&format!("la.manager@{E}")).await,
        app.staff_token(ADVOCATE).await,
        app.staff_token(&format!("key.worker@{N}")).await,
    ] {
        let body = report(&app, &token, &la, &day(-60), &day(0)).await;
        assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    }
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let body = report(&app, &manager, &la, &day(0), &day(-1)).await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
    let body = report(&app, &manager, &la, &day(-2000), &day(0)).await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
    // A period before anything happened: no requests, no shares.
    let body = report(&app, &manager, &la, &day(-900), &day(-800)).await;
    let r = &body["data"]["advocacyCommissionerReport"];
    assert_eq!(r["requests"], 0, "{body}");
    assert!(r["medianWorkingDaysToFirstContact"].is_null());
}
