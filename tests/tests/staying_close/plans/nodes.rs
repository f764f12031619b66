//! A plan's parts (goals, progress, comments, responses, versions) are
//! `Node`s: `node(id:)` gives a reader of the plan what the plan shows,
//! audited as reading the plan, and anyone else `null`.

use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    staying_close::{last_plan_read_fields, plan_id_of, run},
};
use serde_json::{Value, json};

const PARTS: &str = "query($id: ID!) { stayingClosePlan(id: $id) { \
    goals { id title status progress { id goalId note authorName } } \
    comments { id body authorName planVersion } \
    responses { id planVersion agrees words } \
    history(first: 3) { nodes { id version summary changedByName changedAt updatedAt } } } }";

const NODE: &str = "query($id: ID!) { node(id: $id) { id \
    ... on PlanGoal { title status progress { id goalId note authorName } } \
    ... on GoalProgress { goalId note authorName } \
    ... on PlanComment { body authorName planVersion } \
    ... on PlanResponse { planVersion agrees words } \
    ... on PlanVersion { version summary changedByName changedAt updatedAt } } }";

async fn node(app: &TestApp, token: &str, id: &Value) -> Value {
    let (_, body) = app.graphql_as(token, NODE, json!({"id": id})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["node"].clone()
}

#[tokio::test]
async fn a_plans_parts_resolve_by_node_for_its_readers_only() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let id = plan_id_of(&app, &format!("young.person@{N}")).await;
    // Give the plan one of each part.
    let (_, goals) = app.graphql_as(&adviser, PARTS, json!({"id": id})).await;
    let goal = goals["data"]["stayingClosePlan"]["goals"][0]["id"].clone();
    let progress = json!({"goalId": goal, "note": "CV drafted"});
    let comment = json!({"planId": id, "body": "Looks good"});
    run(&app, &adviser, "addGoalProgress", progress).await;
    let body = run(&app, &adviser, "commentOnPlan", comment).await;
    let version = body["data"]["commentOnPlan"]["plan"]["version"].clone();
    let share = json!({"planId": id, "expectedVersion": version});
    let answer = json!({"planId": id, "version": version, "agrees": true, "words": "Yes"});
    for (token, mutation, input) in [
        (&adviser, "sharePlanForAgreement", share),
        (&jamie, "respondToPlan", answer),
    ] {
        let body = run(&app, token, mutation, input).await;
        assert!(body["errors"].is_null(), "{mutation}: {body}");
    }
    let (_, body) = app.graphql_as(&adviser, PARTS, json!({"id": id})).await;
    let plan = &body["data"]["stayingClosePlan"];
    let goal = &plan["goals"][0];
    let latest = &plan["history"]["nodes"][0];
    assert_eq!(
        latest["updatedAt"], latest["changedAt"],
        "a version never changes"
    );
    let parts = [
        (goal.clone(), "goals"),
        (goal["progress"][0].clone(), "goals"),
        (plan["comments"][0].clone(), "comments"),
        (plan["responses"][0].clone(), "responses"),
        (plan["history"]["nodes"][0].clone(), "history"),
    ];
    let eastbrook = app.staff_token("la.manager@eastbrook.example").await;
    let social = app.staff_token(&format!("social.worker@{N}")).await;
    for (part, field) in parts {
        assert!(part["id"].is_string(), "{plan}");
        // A reader of the plan: what the plan shows, audited as a plan read.
        assert_eq!(node(&app, &adviser, &part["id"]).await, part);
        assert_eq!(last_plan_read_fields(&app).await, format!("[\"{field}\"]"));
        assert_eq!(node(&app, &jamie, &part["id"]).await, part);
        // Anyone else: null, as for an id that names nothing.
        for other in [&eastbrook, &social] {
            assert!(node(&app, other, &part["id"]).await.is_null(), "{part}");
        }
    }
}

#[tokio::test]
async fn a_plans_workers_resolve_by_node_for_readers_of_a_plan_they_are_on() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let id = plan_id_of(&app, &format!("young.person@{N}")).await;
    let workers = "query($id: ID!) { stayingClosePlan(id: $id) { \
        keyWorker { id givenName familyName email organisation } \
        personalAdviser { id givenName familyName email organisation } } }";
    let (_, body) = app.graphql_as(&adviser, workers, json!({"id": id})).await;
    let plan = &body["data"]["stayingClosePlan"];
    let fetch = "query($id: ID!) { node(id: $id) { id \
        ... on WorkerContact { givenName familyName email organisation } } }";
    for (field, worker) in [
        ("keyWorker", &plan["keyWorker"]),
        ("personalAdviser", &plan["personalAdviser"]),
    ] {
        assert!(worker["id"].is_string(), "{body}");
        let (_, found) = app
            .graphql_as(&adviser, fetch, json!({"id": worker["id"]}))
            .await;
        assert_eq!(&found["data"]["node"], worker, "{found}");
        let fields = last_plan_read_fields(&app).await;
        assert!(fields.contains(field), "{fields}");
    }
    // Another authority's manager reads no plan these workers are on.
    let other = app.staff_token("la.manager@eastbrook.example").await;
    let (_, found) = app
        .graphql_as(&other, fetch, json!({"id": plan["keyWorker"]["id"]}))
        .await;
    assert!(found["errors"].is_null(), "{found}");
    assert!(found["data"]["node"].is_null(), "{found}");
}
