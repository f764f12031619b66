//! Plan goals: checked when added; the young person adds progress, the
//! workers change and remove them.

use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    staying_close::{cv_goal, error, plan_of, run},
};
use serde_json::json;

/// Changes to a valid goal that make it invalid, and the field named
/// (codes outside the list are refused by the schema, with no field).
const INVALID: [(&str, &str, Option<&str>); 3] = [
    ("section", "HOBBIES", None),
    ("title", "  ", Some("title")),
    ("targetDate", "2001-01-01", Some("targetDate")),
];

#[tokio::test]
async fn goals_use_the_code_lists_dates_inside_the_plan_and_present_text() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let goal = cv_goal(plan["id"].as_str().unwrap());
    let body = run(&app, &adviser, "addPlanGoal", goal.clone()).await;
    assert!(body["errors"].is_null(), "{body}");

    // Validation: codes from the lists, dates inside the plan, text present.
    for (key, value, field) in INVALID {
        let mut input = goal.clone();
        input["clientMutationId"] = json!(null);
        input["expectedVersion"] = json!(2);
        input[key] = json!(value);
        let body = run(&app, &adviser, "addPlanGoal", input).await;
        assert!(!body["errors"].is_null(), "{body}");
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
            assert_eq!(body["errors"][0]["extensions"]["field"], field);
        }
    }
}

#[tokio::test]
async fn the_young_person_adds_progress_and_only_workers_change_goals() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let body = run(
        &app,
        &adviser,
        "addPlanGoal",
        cv_goal(plan["id"].as_str().unwrap()),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let goal_id = body["data"]["addPlanGoal"]["recordId"].as_str().unwrap();

    // The young person adds progress but cannot edit goals.
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let body = run(
        &app,
        &jamie,
        "addGoalProgress",
        json!({"goalId": goal_id, "note": "Started my CV at the library"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["addGoalProgress"]["version"], 3);
    let body = run(
        &app,
        &jamie,
        "updatePlanGoal",
        json!({"goalId": goal_id, "expectedVersion": 3, "status": "ACHIEVED"}),
    )
    .await;
    assert_eq!(error(&body).0, "FORBIDDEN", "{body}");
    // A worker changes status, then removes the goal.
    let body = run(
        &app,
        &adviser,
        "updatePlanGoal",
        json!({"goalId": goal_id, "expectedVersion": 3, "status": "IN_PROGRESS"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = run(
        &app,
        &adviser,
        "updatePlanGoal",
        json!({"goalId": goal_id, "expectedVersion": 4, "remove": true}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
}
