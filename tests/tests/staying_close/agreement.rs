//! Agreeing the plan: workers share a version, the young person is told,
//! responds to that version and comments; nobody else can.

use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    smtp::SmtpSink,
    staying_close::{error, plan_id_of, run},
};
use serde_json::json;

/// Jamie's plan id with the adviser's and Jamie's tokens.
async fn jamies_plan() -> (TestApp, SmtpSink, String, String, String) {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let id = plan_id_of(&app, &format!("young.person@{N}")).await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    (app, smtp, adviser, jamie, id)
}

async fn share(app: &TestApp, adviser: &str, id: &str) -> serde_json::Value {
    run(
        app,
        adviser,
        "sharePlanForAgreement",
        json!({"planId": id, "expectedVersion": 1}),
    )
    .await
}

#[tokio::test]
async fn workers_share_a_version_and_the_young_person_responds_to_that_one() {
    let (app, _smtp, adviser, jamie, id) = jamies_plan().await;
    let body = run(
        &app,
        &jamie,
        "respondToPlan",
        json!({"planId": id, "version": 1, "agrees": true, "words": "Looks right"}),
    )
    .await;
    assert_eq!(error(&body).0, "CONFLICT", "{body}");
    let body = share(&app, &adviser, &id).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["sharePlanForAgreement"]["plan"]["sharedVersion"],
        1
    );
    // Jamie is told, and cannot share it himself.
    let (_, body) = app
        .graphql_as(
            &jamie,
            "{ notifications(first: 5) { edges { node { kind } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["notifications"]["edges"][0]["node"]["kind"],
        "PLAN_SHARED"
    );
    let body = share(&app, &jamie, &id).await;
    assert_eq!(error(&body).0, "FORBIDDEN");
    let body = run(
        &app,
        &jamie,
        "respondToPlan",
        json!({"planId": id, "version": 2, "agrees": true, "words": "Yes"}),
    )
    .await;
    let (code, e) = error(&body);
    assert_eq!(code, "CONFLICT");
    assert_eq!(e["extensions"]["details"]["currentVersion"], 1);
}

#[tokio::test]
async fn the_latest_response_and_every_comment_are_kept_without_a_new_version() {
    let (app, smtp, adviser, jamie, id) = jamies_plan().await;
    let body = share(&app, &adviser, &id).await;
    assert!(body["errors"].is_null(), "{body}");
    for (agrees, words) in [
        (false, "Not the bit about college yet"),
        (true, "OK now we talked"),
    ] {
        let body = run(
            &app,
            &jamie,
            "respondToPlan",
            json!({"planId": id, "version": 1, "agrees": agrees, "words": words}),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = run(
        &app,
        &jamie,
        "commentOnPlan",
        json!({"planId": id, "body": "Can we add driving lessons?"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app
        .graphql_as(
            &adviser,
            "query($id: ID!) { stayingClosePlan(id: $id) { version responses { planVersion agrees words } comments { body authorName planVersion } } }",
            json!({"id": id}),
        )
        .await;
    let p = &body["data"]["stayingClosePlan"];
    assert_eq!(
        p["version"], 1,
        "responses and comments do not change the plan"
    );
    assert_eq!(
        p["responses"],
        json!([{"planVersion": 1, "agrees": true, "words": "OK now we talked"}])
    );
    assert_eq!(p["comments"][0]["authorName"], "Jamie Leaver");
    // Another young person cannot comment on Jamie's plan.
    let riley = app
        .code_token(&smtp, &format!("young.person.two@{N}"))
        .await;
    let body = run(
        &app,
        &riley,
        "commentOnPlan",
        json!({"planId": id, "body": "hello"}),
    )
    .await;
    assert_eq!(error(&body).0, "NOT_FOUND");
}

#[tokio::test]
async fn comments_and_responses_page_as_connections_in_the_lists_order() {
    let (app, _smtp, adviser, jamie, id) = jamies_plan().await;
    for body in ["One", "Two", "Three"] {
        let input = json!({"planId": id, "body": body});
        assert!(run(&app, &jamie, "commentOnPlan", input).await["errors"].is_null());
    }
    share(&app, &adviser, &id).await;
    let answer = json!({"planId": id, "version": 1, "agrees": false, "words": "Not yet"});
    assert!(run(&app, &jamie, "respondToPlan", answer).await["errors"].is_null());
    let page = |first: i32, after: serde_json::Value| {
        let (app, jamie, id) = (&app, &jamie, &id);
        async move {
            let (_, body) = app
                .graphql_as(
                    jamie,
                    "query($id: ID!, $first: Int, $after: String) { stayingClosePlan(id: $id) { \
                     comments { id body } responses { id planVersion words } \
                     commentsConnection(first: $first, after: $after) { nodes { id body } \
                       pageInfo { hasNextPage endCursor } } \
                     responsesConnection(first: $first) { nodes { id planVersion words } \
                       pageInfo { hasNextPage } } } }",
                    json!({"id": id, "first": first, "after": after}),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
            body["data"]["stayingClosePlan"].clone()
        }
    };
    let first = page(2, serde_json::Value::Null).await;
    let c = &first["commentsConnection"];
    assert_eq!(c["pageInfo"]["hasNextPage"], true);
    let rest = page(2, c["pageInfo"]["endCursor"].clone()).await;
    let r = &rest["commentsConnection"];
    assert_eq!(r["pageInfo"]["hasNextPage"], false);
    let mut paged = c["nodes"].as_array().unwrap().clone();
    paged.extend(r["nodes"].as_array().unwrap().iter().cloned());
    assert_eq!(serde_json::Value::from(paged), first["comments"]);
    assert_eq!(first["responsesConnection"]["nodes"], first["responses"]);
    assert_eq!(
        first["responsesConnection"]["pageInfo"]["hasNextPage"],
        false
    );
}
