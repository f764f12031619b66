//! Starting a plan (dates and workers checked, one open plan each, to the
//! 21st or 25th birthday) and ending it (with a reason; then it is closed).

use closeknit_tests::{
    TestApp,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    staying_close::{count, day, error, run, start_input, uuid_in, worker, workers, young_person},
};
use serde_json::{Value, json};

/// A server, Northmoor's adviser's token and the input starting Avery's plan.
async fn spawn_to_start() -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let start = start_input(&app, &adviser).await;
    (app, adviser, start)
}

#[tokio::test]
async fn a_start_checks_the_end_date_the_workers_and_who_starts_it() {
    let (app, adviser, start) = spawn_to_start().await;
    let east = app.local_authority_id("E10099002").await;
    let east_manager = app.staff_token(&format!("la.manager@{E}")).await;
    let east_kw = worker(&workers(&app, &east_manager, &east).await, "KEY_WORKER");
    // Beyond the 21st birthday in an authority that does not extend.
    let mut beyond = start.clone();
    beyond["plannedEndDate"] = json!("2031-06-01");
    let body = run(&app, &adviser, "startStayingClosePlan", beyond).await;
    assert_eq!(
        error(&body).1["extensions"]["field"],
        "plannedEndDate",
        "{body}"
    );
    let mut wrong_worker = start.clone();
    wrong_worker["keyWorkerId"] = east_kw.clone();
    let body = run(&app, &adviser, "startStayingClosePlan", wrong_worker).await;
    assert_eq!(
        error(&body).1["extensions"]["field"],
        "keyWorkerId",
        "{body}"
    );
    // The key worker cannot start plans; another authority cannot either.
    let key_worker = app.staff_token(&format!("key.worker@{N}")).await;
    let body = run(&app, &key_worker, "startStayingClosePlan", start.clone()).await;
    assert_eq!(error(&body).0, "FORBIDDEN", "{body}");
    let body = run(&app, &east_manager, "startStayingClosePlan", start.clone()).await;
    assert_eq!(error(&body).0, "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn a_plan_runs_to_the_21st_birthday_and_is_the_only_open_one() {
    let (app, adviser, start) = spawn_to_start().await;
    let body = run(&app, &adviser, "startStayingClosePlan", start.clone()).await;
    assert!(body["errors"].is_null(), "{body}");
    let plan = &body["data"]["startStayingClosePlan"]["plan"];
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["status"], "ACTIVE");
    assert_eq!(
        plan["plannedEndDate"], "2030-06-01",
        "21st birthday by default"
    );
    assert_eq!(plan["nextCheckInDue"], day(56));
    let body = run(&app, &adviser, "startStayingClosePlan", start.clone()).await;
    assert_eq!(error(&body).0, "CONFLICT", "one open plan per young person");
}

#[tokio::test]
async fn an_authority_that_extends_support_takes_plans_to_the_25th_birthday() {
    let app = TestApp::spawn().await;
    let east_pa = app.staff_token(&format!("personal.adviser@{E}")).await;
    let east_avery = young_person(&app, &format!("young.person.five@{E}")).await;
    let body = run(
        &app,
        &east_pa,
        "startStayingClosePlan",
        json!({"youngPersonId": east_avery, "startDate": day(0), "plannedEndDate": "2034-06-01"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["startStayingClosePlan"]["plan"]["status"], "DRAFT",
        "{body}"
    );
}

#[tokio::test]
async fn an_ended_plan_takes_no_more_changes_and_its_reminders_stop() {
    let (app, adviser, start) = spawn_to_start().await;
    let body = run(&app, &adviser, "startStayingClosePlan", start).await;
    assert!(body["errors"].is_null(), "{body}");
    let id = body["data"]["startStayingClosePlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Ending: with a reason; then nothing more changes and reminders stop.
    let body = run(
        &app,
        &adviser,
        "endStayingClosePlan",
        json!({"planId": id, "expectedVersion": 1, "reason": "YOUNG_PERSON_CHOSE_TO_END"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["endStayingClosePlan"]["plan"]["nextCheckInDue"],
        Value::Null
    );
    let body = run(
        &app,
        &adviser,
        "addPlanGoal",
        json!({"planId": id, "expectedVersion": 2, "section": "IDENTITY", "title": "x"}),
    )
    .await;
    assert_eq!(error(&body).0, "CONFLICT");
    let pending = count(
        &app,
        "SELECT COUNT(*) FROM reminders WHERE subject_id = $1 AND state = 'pending'",
        vec![uuid_in(&id).into()],
    )
    .await;
    assert_eq!(pending, 0);
}
