//! Delta sync for the app: only what changed since the last sync, with
//! removed goals to delete on the phone.

use closeknit_tests::{
    TestApp, beyond_api,
    demo::NORTHMOOR as N,
    staying_close::{day, last_plan_read_fields, plan_of, run, young_person},
};
use serde_json::json;

#[tokio::test]
async fn the_app_syncs_only_what_changed() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let changes = "query($since: DateTime!) { myStayingClosePlanChanges(since: $since) { syncedAt plan { version } goals { id title removedAt } checkIns { dueOn } claims { id } accommodation { id updatedAt } inTouch { id status updatedAt } activities { id } } }";
    let (_, body) = app
        .graphql_as(&jamie, changes, json!({"since": "2000-01-01T00:00:00Z"}))
        .await;
    let first = &body["data"]["myStayingClosePlanChanges"];
    assert_eq!(first["goals"].as_array().unwrap().len(), 3, "{body}");
    // The read is recorded with the plan's fields and every list returned.
    let fields = last_plan_read_fields(&app).await;
    for field in ["version", "goals", "checkIns", "claims"] {
        assert!(fields.contains(field), "{field} missing from {fields}");
    }
    assert!(!fields.contains("syncedAt"), "{fields}");
    // Make everything old, then sync from a later moment: nothing changed.
    let long_ago = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").unwrap();
    beyond_api::age_plan_rows(&app.db, long_ago.with_timezone(&chrono::Utc)).await;
    let since = "2021-01-01T00:00:00Z";
    let (_, body) = app
        .graphql_as(&jamie, changes, json!({"since": since}))
        .await;
    assert!(
        body["data"]["myStayingClosePlanChanges"]["plan"].is_null(),
        "{body}"
    );
    // A goal removed shows up (to delete on the phone); untouched ones do not.
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let removed = plan["goals"][0]["id"].as_str().unwrap();
    let body = run(
        &app,
        &adviser,
        "updatePlanGoal",
        json!({"goalId": removed, "expectedVersion": 1, "remove": true}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app
        .graphql_as(&jamie, changes, json!({"since": since}))
        .await;
    let delta = &body["data"]["myStayingClosePlanChanges"];
    assert_eq!(delta["plan"]["version"], 2, "{body}");
    let goals = delta["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 1, "{body}");
    assert_eq!(goals[0]["id"], removed);
    assert!(!goals[0]["removedAt"].is_null());
    assert_eq!(delta["checkIns"].as_array().unwrap().len(), 0);
    assert_eq!(delta["claims"].as_array().unwrap().len(), 0);
    assert_eq!(delta["inTouch"].as_array().unwrap().len(), 0, "{body}");
    // Staff have no "own" plan.
    let (_, body) = app
        .graphql_as(&adviser, "{ myStayingClosePlan { id } }", json!({}))
        .await;
    assert!(body["data"]["myStayingClosePlan"].is_null(), "{body}");
}

#[tokio::test]
async fn a_record_made_after_a_sync_comes_in_the_next_delta_only() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let changes = "query($since: DateTime!) { myStayingClosePlanChanges(since: $since) { syncedAt accommodation { id } inTouch { id status updatedAt } activities { id } } }";
    let (_, body) = app
        .graphql_as(&jamie, changes, json!({"since": "2000-01-01T00:00:00Z"}))
        .await;
    let first = &body["data"]["myStayingClosePlanChanges"];
    for list in ["accommodation", "inTouch", "activities"] {
        assert_eq!(first[list].as_array().unwrap().len(), 1, "{list}: {body}");
    }
    // Time passes; the app syncs and nothing has changed since.
    let long_ago = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").unwrap();
    beyond_api::age_plan_rows(&app.db, long_ago.with_timezone(&chrono::Utc)).await;
    let since = "2021-01-01T00:00:00Z";
    let (_, body) = app
        .graphql_as(&jamie, changes, json!({"since": since}))
        .await;
    let before = &body["data"]["myStayingClosePlanChanges"];
    assert_eq!(before["inTouch"].as_array().unwrap().len(), 0, "{body}");
    // The adviser records contact: it comes in the next delta, alone.
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let jamie_id = young_person(&app, &format!("young.person@{N}")).await;
    let body = run(
        &app,
        &adviser,
        "recordInTouch",
        json!({"youngPersonId": jamie_id, "status": "REFU", "contactOn": day(0)}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app
        .graphql_as(&jamie, changes, json!({"since": since}))
        .await;
    let after = &body["data"]["myStayingClosePlanChanges"];
    let in_touch = after["inTouch"].as_array().unwrap();
    assert_eq!(in_touch.len(), 1, "{body}");
    assert_eq!(in_touch[0]["status"], "REFU");
    assert_eq!(after["activities"].as_array().unwrap().len(), 0, "{body}");
    assert_eq!(
        after["accommodation"].as_array().unwrap().len(),
        0,
        "{body}"
    );
}
