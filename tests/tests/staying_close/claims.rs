//! Claims against the Staying Close entitlements: within the caps even
//! when made at once, decided by the authority's managers, the young
//! person told of each decision.

use closeknit::db::raw::query;
use closeknit_tests::{
    TestApp,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    staying_close::{error, my_plan},
};
use serde_json::{Value, json};

const CLAIM: &str = "mutation($input: RequestClaimInput!) { requestClaim(input: $input) { claim { id status amountPence } } }";
const DECIDE: &str = "mutation($input: DecideClaimInput!) { decideClaim(input: $input) { claim { status decisionNote } } }";

/// Signs Jamie in (by emailed code).
async fn spawn_with_jamie() -> (TestApp, closeknit_tests::smtp::SmtpSink, String) {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    (app, smtp, jamie)
}

/// Requests a claim as `token`; returns the response body.
async fn request(app: &TestApp, token: &str, input: Value) -> Value {
    app.graphql_as(token, CLAIM, json!({"input": input}))
        .await
        .1
}

/// Requests a £500 setting-up-home claim; returns its id.
async fn kitchen_claim(app: &TestApp, jamie: &str) -> String {
    let body = request(
        app,
        jamie,
        json!({"kind": "SETTING_UP_HOME", "amountPence": 50_000, "purpose": "Kitchen"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["requestClaim"]["claim"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Decides a claim as `token` (`DecideClaimInput` fields); returns the body.
async fn decide(app: &TestApp, token: &str, input: Value) -> Value {
    app.graphql_as(token, DECIDE, json!({"input": input}))
        .await
        .1
}

/// What is left of Jamie's setting-up-home allowance, in pence.
async fn setting_up_home_left(app: &TestApp, jamie: &str) -> Value {
    let plan = my_plan(app, jamie).await;
    let allowance = plan["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "SETTING_UP_HOME")
        .unwrap()
        .clone();
    allowance["remainingPence"].clone()
}

#[tokio::test]
async fn claims_beyond_the_allowance_or_the_bursary_rules_are_refused() {
    let (app, _smtp, jamie) = spawn_with_jamie().await;
    // Jamie has £1,500 of the £3,000 allowance claimed (paid and requested).
    let body = request(
        &app,
        &jamie,
        json!({"kind": "SETTING_UP_HOME", "amountPence": 150_001, "purpose": "Furniture"}),
    )
    .await;
    let (code, e) = error(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        e["message"].as_str().unwrap().ends_with(
            "This claim is for £1,500.01, but only £1,500 of the £3,000 setting-up-home allowance is left (£1,500 already claimed)."
        ),
        "{body}"
    );
    // Bursary: needs the apprenticeship start; before 1 August 2023 the cap is £1,000.
    let body = request(
        &app,
        &jamie,
        json!({"kind": "APPRENTICESHIP_BURSARY", "amountPence": 50_000, "purpose": "Tools"}),
    )
    .await;
    assert_eq!(
        error(&body).1["extensions"]["field"],
        "apprenticeshipStartDate"
    );
    let body = request(
        &app,
        &jamie,
        json!({"kind": "APPRENTICESHIP_BURSARY", "amountPence": 100_001, "purpose": "Tools", "apprenticeshipStartDate": "2023-07-31"}),
    )
    .await;
    assert_eq!(error(&body).0, "BAD_USER_INPUT", "{body}");
    let body = request(
        &app,
        &jamie,
        json!({"kind": "APPRENTICESHIP_BURSARY", "amountPence": 100_001, "purpose": "Tools", "apprenticeshipStartDate": "2023-08-01"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn concurrent_claims_never_add_up_to_more_than_the_cap() {
    let (app, _smtp, jamie) = spawn_with_jamie().await;
    // 4 × £500 against the £1,500 left lets exactly 3 through.
    let attempts = (0..4).map(|_| {
        request(
            &app,
            &jamie,
            json!({"kind": "SETTING_UP_HOME", "amountPence": 50_000, "purpose": "Kitchen"}),
        )
    });
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(ok, 3, "{results:?}");
    assert_eq!(setting_up_home_left(&app, &jamie).await, 0);
}

#[tokio::test]
async fn only_the_authoritys_managers_decide_and_a_rejection_says_why() {
    let (app, _smtp, jamie) = spawn_with_jamie().await;
    let claim = kitchen_claim(&app, &jamie).await;
    let other = app.staff_token(&format!("la.manager@{E}")).await;
    let body = decide(
        &app,
        &other,
        json!({"claimId": claim, "status": "APPROVED"}),
    )
    .await;
    assert_eq!(error(&body).0, "NOT_FOUND", "{body}");
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let body = decide(
        &app,
        &adviser,
        json!({"claimId": claim, "status": "APPROVED"}),
    )
    .await;
    assert_eq!(error(&body).0, "FORBIDDEN", "{body}");
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let body = decide(&app, &manager, json!({"claimId": claim, "status": "PAID"})).await;
    assert_eq!(error(&body).0, "CONFLICT", "{body}");
    let body = decide(
        &app,
        &manager,
        json!({"claimId": claim, "status": "REJECTED"}),
    )
    .await;
    assert_eq!(error(&body).1["extensions"]["field"], "note");
}

#[tokio::test]
async fn decisions_free_or_pay_the_entitlement_and_are_told_and_audited() {
    let (app, _smtp, jamie) = spawn_with_jamie().await;
    let mut ok = Vec::new();
    for _ in 0..3 {
        ok.push(kitchen_claim(&app, &jamie).await);
    }
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let body = decide(
        &app,
        &manager,
        json!({"claimId": ok[0], "status": "REJECTED", "note": "Already covered by the last claim."}),
    )
    .await;
    assert_eq!(
        body["data"]["decideClaim"]["claim"]["status"], "REJECTED",
        "{body}"
    );
    // A rejected claim frees its entitlement.
    assert_eq!(setting_up_home_left(&app, &jamie).await, 50_000);
    for (claim, status) in [(&ok[1], "APPROVED"), (&ok[1], "PAID"), (&ok[2], "APPROVED")] {
        let body = decide(&app, &manager, json!({"claimId": claim, "status": status})).await;
        assert_eq!(
            body["data"]["decideClaim"]["claim"]["status"], status,
            "{body}"
        );
    }
    // The claim each decision returns is a read of it, recorded as one.
    let reads = query(
        &app.db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'claim.read' AND record_type = 'Claim' \
         AND subject_person_id = $1",
        vec![app.person_id(&format!("young.person@{N}")).await.into()],
    )
    .await
    .unwrap();
    let n: i64 = reads[0].try_get_by_index(0).unwrap();
    assert!(n >= 3 + 4, "{n} claim reads recorded");

    // Jamie is told about each decision.
    let (_, body) = app
        .graphql_as(
            &jamie,
            "{ notifications(first: 20) { edges { node { kind title } } } }",
            json!({}),
        )
        .await;
    let kinds = body.to_string();
    assert!(kinds.contains("Your claim was not approved"), "{body}");
    assert!(kinds.contains("Your claim has been paid"), "{body}");
}

#[tokio::test]
async fn two_managers_deciding_one_claim_at_once_leave_one_decision() {
    let (app, _smtp, jamie) = spawn_with_jamie().await;
    let claim = kitchen_claim(&app, &jamie).await;
    // Exactly one decision stands, the other sees it (CONFLICT), and the
    // claim holds the winner's.
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let second = app.staff_token(&format!("la.manager@{N}")).await;
    let results = futures::future::join_all([
        decide(
            &app,
            &manager,
            json!({"claimId": claim, "status": "APPROVED"}),
        ),
        decide(
            &app,
            &second,
            json!({"claimId": claim, "status": "REJECTED", "note": "Not needed now."}),
        ),
    ])
    .await;
    let won: Vec<&Value> = results.iter().filter(|b| b["errors"].is_null()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    let lost = results.iter().find(|b| !b["errors"].is_null()).unwrap();
    assert_eq!(error(lost).0, "CONFLICT", "{lost}");
    let status = won[0]["data"]["decideClaim"]["claim"]["status"].clone();
    let claims = my_plan(&app, &jamie).await["claims"].clone();
    let stored = claims
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == claim.as_str())
        .unwrap();
    assert_eq!(stored["status"], status, "{claims}");
}

#[tokio::test]
async fn open_claims_are_the_managers_requested_or_approved_ones() {
    let (app, _smtp, jamie) = spawn_with_jamie().await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let (_, body) = app
        .graphql_as(
            &manager,
            "{ openClaims(first: 50) { edges { node { status } } } }",
            json!({}),
        )
        .await;
    let open = body["data"]["openClaims"]["edges"].as_array().unwrap();
    assert!(
        open.iter()
            .all(|e| e["node"]["status"] == "REQUESTED" || e["node"]["status"] == "APPROVED")
    );
    let (_, body) = app
        .graphql_as(
            &jamie,
            "{ openClaims(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["openClaims"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
