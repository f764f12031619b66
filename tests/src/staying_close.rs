//! Staying Close steps the suites share: dates relative to today, the plan
//! fields the tests read, finding a demo young person's plan, running a
//! plan mutation and starting a plan, all through the public API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Days, NaiveDate, Utc};
use closeknit::db::raw::query;
use serde_json::{Value, json};

use crate::{TestApp, demo::NORTHMOOR as N, global_id};

/// Today in England (the service's dates are London dates).
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// The date `offset` days from today, as the API writes it.
pub fn day(offset: i64) -> String {
    let t = today();
    let d = if offset >= 0 {
        t.checked_add_days(Days::new(offset.unsigned_abs()))
    } else {
        t.checked_sub_days(Days::new(offset.unsigned_abs()))
    };
    d.unwrap().to_string()
}

/// The plan fields the suites read after every change.
pub const PLAN_FIELDS: &str = "id version status sharedVersion checkInOverdue reviewOverdue \
    nextCheckInDue nextReviewDue plannedEndDate \
    youngPerson { givenName childRef } keyWorker { givenName email } \
    goals { id title status progress { note authorName } } \
    nextCheckIn { dueOn overdue } claims { id amountPence status } \
    entitlements { kind capPence claimedPence remainingPence }";

/// The signed-in young person's own plan.
pub async fn my_plan(app: &TestApp, token: &str) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!("{{ myStayingClosePlan {{ {PLAN_FIELDS} }} }}"),
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["myStayingClosePlan"].clone()
}

/// The id of a demo young person's latest plan (by email). Finding it is
/// the test's business, not the reader's: whether the reader may see the
/// plan is what [`plan_of`] asks the API.
pub async fn plan_uuid_of(app: &TestApp, email: &str) -> uuid::Uuid {
    let person = app.person_id(email).await;
    let rows = query(
        &app.db,
        "SELECT id FROM plans WHERE person_id = $1 ORDER BY created_at DESC LIMIT 1",
        vec![person.into()],
    )
    .await
    .unwrap();
    rows[0].try_get_by_index(0).unwrap()
}

/// The global id of a demo young person's latest plan.
pub async fn plan_id_of(app: &TestApp, email: &str) -> String {
    global_id("StayingClosePlan", plan_uuid_of(app, email).await)
}

/// The plan of a demo young person (by email), as `token` sees it (null
/// when the reader may not).
pub async fn plan_of(app: &TestApp, token: &str, email: &str) -> Value {
    let id = plan_id_of(app, email).await;
    let (_, body) = app
        .graphql_as(
            token,
            &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {PLAN_FIELDS} }} }}"),
            json!({"id": id}),
        )
        .await;
    body["data"]["stayingClosePlan"].clone()
}

/// Runs a plan mutation (`addPlanGoal`, `logCheckIn`...) with `input`;
/// returns the whole response body, its payload carrying the plan.
pub async fn run(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    app.mutate(
        token,
        mutation,
        input,
        &format!("clientMutationId version recordId plan {{ {PLAN_FIELDS} }}"),
    )
    .await
}

/// The first error's code and the error itself.
pub fn error(body: &Value) -> (&str, &Value) {
    let e = &body["errors"][0];
    (e["extensions"]["code"].as_str().unwrap_or(""), e)
}

/// The uuid inside a global id.
pub fn uuid_in(global: &str) -> uuid::Uuid {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    uuid::Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
}

/// A demo young person's global id (`YoungPerson`), by email.
pub async fn young_person(app: &TestApp, email: &str) -> String {
    global_id("YoungPerson", app.person_id(email).await)
}

/// The Staying Close workers of an authority: `(role, worker id)`.
pub async fn workers(app: &TestApp, token: &str, la: &str) -> Vec<(String, Value)> {
    let (_, body) = app
        .graphql_as(
            token,
            "query($la: ID!) { stayingCloseWorkers(localAuthorityId: $la) { role worker { id givenName } } }",
            json!({"la": la}),
        )
        .await;
    body["data"]["stayingCloseWorkers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["role"].as_str().unwrap().to_string(),
                w["worker"]["id"].clone(),
            )
        })
        .collect()
}

/// The worker holding `role` in a [`workers`] list.
pub fn worker(list: &[(String, Value)], role: &str) -> Value {
    list.iter().find(|(r, _)| r == role).unwrap().1.clone()
}

/// Input starting an active plan today for Northmoor's Avery (who has
/// none), with Northmoor's key worker and personal adviser, as `adviser`
/// (Northmoor's personal adviser) would send it.
pub async fn start_input(app: &TestApp, adviser: &str) -> Value {
    let avery = young_person(app, &format!("young.person.five@{N}")).await;
    let north = app.local_authority_id("E06099001").await;
    let list = workers(app, adviser, &north).await;
    json!({
        "youngPersonId": avery, "startDate": day(0), "activate": true,
        "keyWorkerId": worker(&list, "KEY_WORKER"),
        "personalAdviserId": worker(&list, "PERSONAL_ADVISER"),
    })
}

/// The fields the latest plan read was recorded with.
pub async fn last_plan_read_fields(app: &TestApp) -> String {
    let audit = query(
        &app.db,
        "SELECT fields FROM audit_events WHERE action = 'plan.read' ORDER BY id DESC LIMIT 1",
        vec![],
    )
    .await
    .unwrap();
    audit[0].try_get_by_index(0).unwrap()
}

/// A count from the test's database (`SELECT COUNT(*) ...`).
pub async fn count(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
    query(&app.db, sql, values).await.unwrap()[0]
        .try_get_by_index::<i64>(0)
        .unwrap()
}

/// The goal the suites add to a plan at version 1: write a CV, within 30
/// days, with the key worker, sent with idempotency key `goal-1`.
pub fn cv_goal(plan_id: &str) -> Value {
    json!({
        "planId": plan_id, "expectedVersion": 1, "section": "EMPLOYMENT",
        "title": "Write a CV", "whoHelps": "Key worker", "targetDate": day(30),
        "clientMutationId": "goal-1",
    })
}
