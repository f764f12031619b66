//! Check-ins and reviews: overdue ones are flagged, logged ones plan the
//! next, reminders go before and after, and the young person can ask for
//! a review.

use chrono::Utc;
use closeknit::db::raw::query;
use closeknit_tests::{
    TestApp, beyond_api,
    demo::NORTHMOOR as N,
    staying_close::{day, error, my_plan, plan_of, run, today, uuid_in},
};
use serde_json::{Value, json};

/// Riley's plan (overdue in the demo data), as Northmoor's adviser sees it,
/// with the adviser's token.
async fn rileys_plan(app: &TestApp) -> (String, Value) {
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let riley = plan_of(app, &adviser, &format!("young.person.two@{N}")).await;
    (adviser, riley)
}

/// Logs today's check-in on a plan.
async fn log_check_in(app: &TestApp, adviser: &str, id: &str) -> Value {
    run(
        app,
        adviser,
        "logCheckIn",
        json!({"planId": id, "heldOn": day(0), "mode": "IN_PERSON", "note": "Went through the bills together."}),
    )
    .await
}

#[tokio::test]
async fn overdue_check_ins_and_reviews_are_flagged_and_filtered() {
    let app = TestApp::spawn().await;
    let (adviser, riley) = rileys_plan(&app).await;
    assert_eq!(riley["checkInOverdue"], true);
    assert_eq!(riley["reviewOverdue"], true);
    let (_, body) = app
        .graphql_as(
            &adviser,
            "{ stayingClosePlans(first: 50, overdueCheckIn: true) { edges { node { youngPerson { givenName } } } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = body["data"]["stayingClosePlans"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["youngPerson"]["givenName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Riley"]);
}

#[tokio::test]
async fn a_check_in_is_logged_for_a_past_day_and_plans_the_next() {
    let app = TestApp::spawn().await;
    let (adviser, riley) = rileys_plan(&app).await;
    let id = riley["id"].as_str().unwrap();
    // A check-in in the future, or before the plan, cannot be logged.
    for held in [day(1), "2020-01-01".into()] {
        let body = run(
            &app,
            &adviser,
            "logCheckIn",
            json!({"planId": id, "heldOn": held, "mode": "PHONE"}),
        )
        .await;
        assert_eq!(error(&body).0, "BAD_USER_INPUT", "{body}");
    }
    let body = log_check_in(&app, &adviser, id).await;
    assert!(body["errors"].is_null(), "{body}");
    let plan = &body["data"]["logCheckIn"]["plan"];
    assert_eq!(plan["checkInOverdue"], false);
    assert_eq!(plan["nextCheckInDue"], day(56));
    assert_eq!(plan["nextCheckIn"]["dueOn"], day(56));
}

/// When the pending reminder under `key` for `who` is due, if there is one.
async fn pending(app: &TestApp, who: uuid::Uuid, key: String) -> Option<chrono::DateTime<Utc>> {
    let rows = query(
        &app.db,
        "SELECT due_at FROM reminders WHERE person_id = $1 AND collapse_key = $2 AND state = 'pending'",
        vec![who.into(), key.into()],
    )
    .await
    .unwrap();
    rows.first()
        .map(|r| r.try_get_by_index::<chrono::DateTime<Utc>>(0).unwrap())
}

#[tokio::test]
async fn the_next_check_in_is_reminded_before_and_after_it_is_due() {
    let app = TestApp::spawn().await;
    let (adviser, riley) = rileys_plan(&app).await;
    let id = riley["id"].as_str().unwrap();
    let body = log_check_in(&app, &adviser, id).await;
    assert!(body["errors"].is_null(), "{body}");

    // Reminders: the young person before the next check-in, the workers
    // the day after it, if it is not logged.
    let person = app.person_id(&format!("young.person.two@{N}")).await;
    let adviser_person = app.person_id(&format!("personal.adviser@{N}")).await;
    let plan_uuid = uuid_in(id);
    let due = pending(&app, person, format!("check-in-due:{plan_uuid}"))
        .await
        .unwrap();
    assert_eq!(
        due.with_timezone(&chrono_tz::Europe::London)
            .date_naive()
            .to_string(),
        day(54)
    );
    let overdue = pending(
        &app,
        adviser_person,
        format!("check-in-overdue:{plan_uuid}"),
    )
    .await
    .unwrap();
    assert_eq!(
        overdue
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive()
            .to_string(),
        day(57)
    );
}

#[tokio::test]
async fn a_review_asked_for_is_told_to_the_workers_and_logging_plans_the_next() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (adviser, riley) = rileys_plan(&app).await;
    let id = riley["id"].as_str().unwrap();
    // The young person asks for a review: due within four weeks, the
    // workers are told.
    let young = app
        .code_token(&smtp, &format!("young.person.two@{N}"))
        .await;
    let body = run(
        &app,
        &young,
        "requestPlanReview",
        json!({"planId": id, "reason": "I want to talk about moving to college halls."}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app
        .graphql_as(
            &adviser,
            "{ notifications(first: 10) { edges { node { kind title } } } }",
            json!({}),
        )
        .await;
    assert!(
        body.to_string()
            .contains("A young person asked for a plan review"),
        "{body}"
    );
    // Logging the review plans the next one six months on.
    let body = run(
        &app,
        &adviser,
        "logReview",
        json!({"planId": id, "heldOn": day(0), "note": "Agreed to look at halls."}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let next = body["data"]["logReview"]["plan"]["nextReviewDue"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = today()
        .checked_add_months(chrono::Months::new(6))
        .unwrap()
        .to_string();
    assert_eq!(next, expected);
    assert_eq!(body["data"]["logReview"]["plan"]["reviewOverdue"], false);
}

/// Riley's check-ins as the adviser reads them: (due, status) by due date.
async fn check_ins(app: &TestApp, adviser: &str, id: &str) -> (Vec<(String, String)>, Value) {
    let (_, body) = app
        .graphql_as(
            adviser,
            "query($id: ID!) { stayingClosePlan(id: $id) { checkIns { dueOn status } nextCheckIn { dueOn status } } }",
            json!({"id": id}),
        )
        .await;
    let plan = &body["data"]["stayingClosePlan"];
    let list = plan["checkIns"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|m| {
            (
                m["dueOn"].as_str().unwrap().to_string(),
                m["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (list, plan["nextCheckIn"].clone())
}

#[tokio::test]
async fn a_check_in_not_held_two_weeks_after_it_was_due_is_missed_and_the_next_can_be_planned() {
    let app = TestApp::spawn().await;
    let (adviser, riley) = rileys_plan(&app).await;
    let id = riley["id"].as_str().unwrap();
    let back = |days| today().checked_sub_days(chrono::Days::new(days)).unwrap();
    // Due 14 days ago (Northmoor keeps the default): still planned.
    beyond_api::move_planned_check_ins_due(&app.db, uuid_in(id), back(14)).await;
    let (list, next) = check_ins(&app, &adviser, id).await;
    assert_eq!(list.last().unwrap(), &(day(-14), "PLANNED".to_string()));
    assert_eq!(next["status"], "PLANNED");
    // Due 15 days ago: missed, read as such with no job having run.
    beyond_api::move_planned_check_ins_due(&app.db, uuid_in(id), back(15)).await;
    let (list, next) = check_ins(&app, &adviser, id).await;
    assert_eq!(list.last().unwrap(), &(day(-15), "MISSED".to_string()));
    assert!(next.is_null(), "{next}");
    // The next check-in can still be planned; the miss stays on record.
    let body = run(
        &app,
        &adviser,
        "scheduleCheckIn",
        json!({"planId": id, "dueOn": day(7)}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (list, next) = check_ins(&app, &adviser, id).await;
    assert_eq!(next["dueOn"], day(7));
    assert_eq!(next["status"], "PLANNED");
    assert!(list.contains(&(day(-15), "MISSED".to_string())), "{list:?}");
}

#[tokio::test]
async fn the_young_persons_home_applies_the_missed_rule_too() {
    // The app's home is read in one statement on PostgreSQL: it must
    // follow the same rule as the worker's view.
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (_, riley) = rileys_plan(&app).await;
    let id = riley["id"].as_str().unwrap();
    let riley_token = app
        .code_token(&smtp, &format!("young.person.two@{N}"))
        .await;
    let back = |days| today().checked_sub_days(chrono::Days::new(days)).unwrap();
    beyond_api::move_planned_check_ins_due(&app.db, uuid_in(id), back(14)).await;
    let home = my_plan(&app, &riley_token).await;
    assert_eq!(home["nextCheckIn"]["dueOn"], day(-14), "{home}");
    assert_eq!(home["nextCheckIn"]["overdue"], true, "{home}");
    beyond_api::move_planned_check_ins_due(&app.db, uuid_in(id), back(15)).await;
    let home = my_plan(&app, &riley_token).await;
    assert!(home["nextCheckIn"].is_null(), "{home}");
}

/// One page of a plan's check-ins: (due, status) pairs, and the cursor to
/// pass next (null on the last page).
async fn check_ins_page(
    app: &TestApp,
    token: &str,
    id: &str,
    after: Value,
) -> (Vec<(String, String)>, Value) {
    let (_, body) = app
        .graphql_as(
            token,
            "query($id: ID!, $after: String) { stayingClosePlan(id: $id) { \
             checkInsConnection(first: 1, after: $after) { \
             nodes { dueOn status } pageInfo { hasNextPage endCursor } } } }",
            json!({"id": id, "after": after}),
        )
        .await;
    let page = &body["data"]["stayingClosePlan"]["checkInsConnection"];
    let rows = page["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|m| (m["dueOn"].to_string(), m["status"].to_string()))
        .map(|(d, s)| (d.trim_matches('"').into(), s.trim_matches('"').into()))
        .collect();
    let next = if page["pageInfo"]["hasNextPage"] == true {
        page["pageInfo"]["endCursor"].clone()
    } else {
        Value::Null
    };
    (rows, next)
}

#[tokio::test]
async fn check_ins_page_by_due_date_as_the_plain_list_orders_them() {
    let app = TestApp::spawn().await;
    let (adviser, riley) = rileys_plan(&app).await;
    let id = riley["id"].as_str().unwrap();
    assert!(log_check_in(&app, &adviser, id).await["errors"].is_null());
    let (all, _) = check_ins(&app, &adviser, id).await;
    assert!(all.len() >= 2, "{all:?}");
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let (rows, next) = check_ins_page(&app, &adviser, id, after).await;
        assert!(rows.len() <= 1, "{rows:?}");
        paged.extend(rows);
        if next.is_null() {
            break;
        }
        after = next;
    }
    assert_eq!(paged, all);
    // A cursor from another list is the client's mistake.
    let (_, body) = app
        .graphql_as(
            &adviser,
            "query($id: ID!) { stayingClosePlan(id: $id) { checkInsConnection(after: \"azE6eA\") { nodes { dueOn } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(error(&body).0, "BAD_USER_INPUT", "{body}");
}
