//! Every change makes a new plan version: stale versions conflict,
//! idempotency keys replay, concurrent edits let one through, and the
//! history says who changed what.

use closeknit::db::raw::query;
use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    staying_close::{cv_goal, error, plan_of, run},
};
use serde_json::json;

#[tokio::test]
async fn a_change_makes_a_new_version_and_its_key_replays() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let id = plan["id"].as_str().unwrap();
    assert_eq!(plan["version"], 1);
    let goal = cv_goal(id);
    let body = run(&app, &adviser, "addPlanGoal", goal.clone()).await;
    assert!(body["errors"].is_null(), "{body}");
    let payload = &body["data"]["addPlanGoal"];
    assert_eq!(payload["version"], 2);
    assert_eq!(payload["clientMutationId"], "goal-1");
    assert_eq!(payload["plan"]["goals"].as_array().unwrap().len(), 4);
    let goal_id = payload["recordId"].as_str().unwrap().to_string();

    // The same key and input replays: same goal, no second one.
    let again = run(&app, &adviser, "addPlanGoal", goal.clone()).await;
    assert_eq!(again["data"]["addPlanGoal"]["recordId"], goal_id.as_str());
    assert_eq!(again["data"]["addPlanGoal"]["plan"]["version"], 2);
    assert_eq!(
        again["data"]["addPlanGoal"]["plan"]["goals"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // The same key with another input is a conflict.
    let mut other = goal.clone();
    other["title"] = json!("Something else");
    let body = run(&app, &adviser, "addPlanGoal", other).await;
    assert_eq!(error(&body).0, "CONFLICT", "{body}");
}

#[tokio::test]
async fn a_stale_version_conflicts_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let goal = cv_goal(plan["id"].as_str().unwrap());
    let body = run(&app, &adviser, "addPlanGoal", goal.clone()).await;
    assert!(body["errors"].is_null(), "{body}");

    // A stale version is CONFLICT carrying the current version; nothing changes.
    let mut stale = goal.clone();
    stale["clientMutationId"] = json!(null);
    let body = run(&app, &adviser, "addPlanGoal", stale).await;
    let (code, e) = error(&body);
    assert_eq!(code, "CONFLICT", "{body}");
    assert_eq!(e["extensions"]["details"]["currentVersion"], 2);
    let now = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    assert_eq!(now["goals"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn concurrent_edits_with_the_same_version_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let attempts = (0..6).map(|i| {
        let app = &app;
        let adviser = &adviser;
        let id = id.clone();
        async move {
            run(
                app,
                adviser,
                "addPlanGoal",
                json!({"planId": id, "expectedVersion": 1, "section": "IDENTITY", "title": format!("Goal {i}")}),
            )
            .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|b| b["errors"].is_null()).count();
    let conflicts = results.iter().filter(|b| error(b).0 == "CONFLICT").count();
    assert_eq!((ok, conflicts), (1, 5), "{results:?}");
    let now = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    assert_eq!(now["version"], 2);
    assert_eq!(now["goals"].as_array().unwrap().len(), 4);
}

/// The goal changes in the audit trail, in order.
async fn goal_audit_actions(app: &TestApp) -> Vec<String> {
    let rows = query(
        &app.db,
        "SELECT action FROM audit_events WHERE action LIKE 'plan.goal.%' ORDER BY id",
        vec![],
    )
    .await
    .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect()
}

const HISTORY: &str = "query($id: ID!) { stayingClosePlan(id: $id) { \
    history(first: 10) { edges { node { version summary changedByName changes } } } \
    atVersion(version: 2) { plan { goals { title } } } } }";

#[tokio::test]
async fn the_history_says_who_changed_what_and_old_versions_can_be_read() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let id = plan["id"].as_str().unwrap();
    // Versions 2 to 5: a goal added, progressed, started, removed.
    let body = run(&app, &adviser, "addPlanGoal", cv_goal(id)).await;
    let goal_id = body["data"]["addPlanGoal"]["recordId"].as_str().unwrap();
    for (token, mutation, input) in [
        (
            &jamie,
            "addGoalProgress",
            json!({"goalId": goal_id, "note": "Started my CV"}),
        ),
        (
            &adviser,
            "updatePlanGoal",
            json!({"goalId": goal_id, "expectedVersion": 3, "status": "IN_PROGRESS"}),
        ),
        (
            &adviser,
            "updatePlanGoal",
            json!({"goalId": goal_id, "expectedVersion": 4, "remove": true}),
        ),
    ] {
        let body = run(&app, token, mutation, input).await;
        assert!(body["errors"].is_null(), "{mutation}: {body}");
    }

    // History: who, when, what; earlier versions can be viewed.
    let (_, body) = app.graphql_as(&adviser, HISTORY, json!({"id": id})).await;
    let history: Vec<(i64, String)> = body["data"]["stayingClosePlan"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["version"].as_i64().unwrap(),
                e["node"]["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            (5, "goal.remove".to_string()),
            (4, "goal.update".into()),
            (3, "goal.progress".into()),
            (2, "goal.add".into()),
            (1, "plan.create".into())
        ]
    );
    let edges = &body["data"]["stayingClosePlan"]["history"]["edges"];
    assert_eq!(edges[1]["node"]["changedByName"], "Chris Adviser");
    assert_eq!(edges[1]["node"]["changes"][0]["field"], "status");
    assert_eq!(edges[1]["node"]["changes"][0]["to"], "in_progress");
    let v2 = &body["data"]["stayingClosePlan"]["atVersion"]["plan"]["goals"];
    assert_eq!(v2.as_array().unwrap().len(), 4);

    // Every change is in the audit trail, atomically with it.
    let actions = goal_audit_actions(&app).await;
    assert_eq!(
        actions,
        [
            "plan.goal.add",
            "plan.goal.progress",
            "plan.goal.update",
            "plan.goal.update"
        ]
    );
}
