//! The safeguarding share: who may share, what an instructed request's
//! share must say about telling the young person, the authority's
//! managers seeing the share and nothing else of the request, the young
//! person not seeing a share withheld for their safety until a manager
//! records that the risk has passed, and the audit trail naming the share
//! and never its words.

use closeknit_tests::{
    TestApp,
    advocacy::{
        ADVOCATE, ADVOCATE_TWO, SHARE_FIELDS, assigned, node, own_request, referral_assigned,
        refusal, shares, step,
    },
    demo::NORTHMOOR as N,
    staying_close::count,
};
use serde_json::{Value, json};

async fn share(app: &TestApp, token: &str, input: Value) -> Value {
    app.mutate(
        token,
        "shareAdvocacySafeguardingConcern",
        input,
        &format!("clientMutationId share {{ {SHARE_FIELDS} }}"),
    )
    .await
}

fn concern(id: &str) -> Value {
    json!({
        "requestId": id,
        "reason": "She described being hit at home.",
        "whatWasShared": "What she said about being hit, and the marks seen.",
        "sharedWithName": "Jo Duty",
        "sharedWithRole": "Duty social worker, MASH",
    })
}

#[tokio::test]
async fn a_share_withheld_for_risk_reaches_the_young_person_only_when_the_risk_passes() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    let (id, manager) = assigned(&app, &request).await;
    let advocate = app.staff_token(ADVOCATE).await;
    // Instructed: say whether they were told, and if not, why not.
    let body = share(&app, &advocate, concern(&id)).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "youngPersonTold",
        "{body}"
    );
    let mut untold = concern(&id);
    untold["youngPersonTold"] = json!(false);
    let body = share(&app, &advocate, untold.clone()).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "riskReason",
        "{body}"
    );
    untold["riskReason"] = json!("Her father reads her messages.");
    untold["clientMutationId"] = json!("share-1");
    let body = share(&app, &advocate, untold.clone()).await;
    assert!(body["errors"].is_null(), "{body}");
    let shared = &body["data"]["shareAdvocacySafeguardingConcern"]["share"];
    assert_eq!(shared["riskReason"], "Her father reads her messages.");
    let share_id = shared["id"].as_str().unwrap().to_string();
    // A replay is the same share.
    let again = share(&app, &advocate, untold).await;
    assert_eq!(
        again["data"]["shareAdvocacySafeguardingConcern"]["share"]["id"],
        share_id.as_str()
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM advocacy_safeguarding_shares",
            vec![]
        )
        .await,
        1
    );
    // The young person sees nothing of it, in the request or their log.
    let mine = shares(&app, &me, &id).await;
    assert_eq!(mine["safeguardingShares"], json!([]), "{mine}");
    assert!(
        node(&app, &me, &share_id).await.is_null(),
        "not by node either"
    );
    let person = app.person_id(&format!("young.person@{N}")).await;
    let logged = "SELECT COUNT(*) AS n FROM audit_events WHERE subject_person_id = $1 \
                  AND action LIKE 'advocacy.safeguarding%'";
    assert_eq!(count(&app, logged, vec![person.into()]).await, 0);
    let (_, log) = app
        .graphql_as(
            &me,
            "{ myActivity(first: 50) { edges { node { description } } } }",
            json!({}),
        )
        .await;
    assert!(!log.to_string().contains("safe"), "{log}");
    // The authority's manager sees the share (not the risk reason) and
    // nothing else of the request.
    let la_manager = app.staff_token(&format!("la.manager@{N}")).await;
    let theirs = shares(&app, &la_manager, &id).await;
    assert_eq!(theirs["access"], "STATUS");
    let by_id = node(&app, &la_manager, &share_id).await;
    assert_eq!(by_id["__typename"], "AdvocacySafeguardingShare", "{by_id}");
    assert!(by_id["riskReason"].is_null(), "{by_id}");
    assert!(theirs["details"].is_null());
    let seen = &theirs["safeguardingShares"][0];
    assert_eq!(
        seen["whatWasShared"],
        "What she said about being hit, and the marks seen."
    );
    assert_eq!(seen["youngPersonTold"], false);
    assert!(seen["riskReason"].is_null());
    // Only a provider manager records that the risk has passed, once.
    let passed = json!({"shareId": share_id});
    let risk_passed = |token: String, input: Value| {
        let app = &app;
        async move {
            app.mutate(
                &token,
                "recordAdvocacySafeguardingRiskPassed",
                input,
                "share { id riskPassedAt }",
            )
            .await
        }
    };
    let body = risk_passed(advocate.clone(), passed.clone()).await;
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    let body = risk_passed(me.clone(), passed.clone()).await;
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    let body = risk_passed(manager.clone(), passed.clone()).await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(
        !body["data"]["recordAdvocacySafeguardingRiskPassed"]["share"]["riskPassedAt"].is_null()
    );
    let body = risk_passed(manager.clone(), passed).await;
    assert_eq!(refusal(&body).0, "CONFLICT", "{body}");
    // Now the young person sees it, without the risk reason.
    let mine = shares(&app, &me, &id).await;
    let seen = &mine["safeguardingShares"][0];
    assert_eq!(seen["reason"], "She described being hit at home.");
    assert!(
        seen["riskReason"].is_null() && seen["youngPersonTold"].is_null(),
        "{seen}"
    );
    // From then on it is in their log: the manager's step and reads
    // (the manager's payload, their own).
    assert_eq!(count(&app, logged, vec![person.into()]).await, 3);
}

#[tokio::test]
async fn a_share_is_audited_without_its_words_and_seen_by_no_one_else() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    // A child who cannot instruct: no "told" needed; a manager may share.
    let (id, manager, advocate, worker) = referral_assigned(&app).await;
    let body = share(&app, &manager, concern(&id)).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = share(&app, &advocate, concern(&id)).await;
    assert!(body["errors"].is_null(), "{body}");
    // Neither advocate nor the request moved: no timeline entry, no version.
    let seen = shares(&app, &advocate, &id).await;
    assert_eq!(seen["safeguardingShares"].as_array().unwrap().len(), 2);
    // The child told is the child who sees it.
    let child = app
        .code_token(&smtp, &format!("young.person.five@{N}"))
        .await;
    let theirs = shares(&app, &child, &id).await;
    assert_eq!(theirs["safeguardingShares"].as_array().unwrap().len(), 2);
    // The referrer follows the status, not the shares; another advocate
    // may not know the request exists.
    let referrer = shares(&app, &worker, &id).await;
    assert_eq!(referrer["access"], "STATUS");
    assert_eq!(referrer["safeguardingShares"], json!([]));
    let two = app.staff_token(ADVOCATE_TWO).await;
    assert!(shares(&app, &two, &id).await.is_null());
    let body = share(&app, &two, concern(&id)).await;
    assert_eq!(refusal(&body).0, "NOT_FOUND");
    // Nobody else shares: the social worker sees the request but may not.
    let body = share(&app, &worker, concern(&id)).await;
    assert_eq!(refusal(&body).0, "FORBIDDEN");
    // The authority's trail: that a share happened, never its words.
    let la_manager = app.staff_token(&format!("la.manager@{N}")).await;
    assert_eq!(
        shares(&app, &la_manager, &id).await["safeguardingShares"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(&la_manager, "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 100) { edges { node { action fields } } } }", json!({"la": la}))
        .await;
    let text = body.to_string();
    assert!(text.contains("advocacy.safeguarding.share"), "{text}");
    assert!(text.contains("advocacy.safeguarding.read"), "{text}");
    assert!(!text.contains("hit") && !text.contains("Jo Duty"), "{text}");
    let timeline = count(
        &app,
        "SELECT COUNT(*) AS n FROM advocacy_request_events WHERE request_id = $1 \
         AND event NOT IN ('submitted', 'accepted', 'assigned')",
        vec![closeknit_tests::staying_close::uuid_in(&id).into()],
    )
    .await;
    assert_eq!(timeline, 0);
}
