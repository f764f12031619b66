//! Staying Close plans over real HTTP on both databases: who reads and
//! changes what, optimistic concurrency and idempotency, check-ins and
//! reviews with their reminders, the young person's view, the SSDA903
//! records, claims against the caps, versions and delta sync.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Days, Utc};
use closeknit::db::raw::query;
use closeknit_tests::{
    TestApp,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    error_codes, global_id, suitability_assessment,
};
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

fn day(offset: i64) -> String {
    let t = today();
    let d = if offset >= 0 {
        t.checked_add_days(Days::new(offset.unsigned_abs()))
    } else {
        t.checked_sub_days(Days::new(offset.unsigned_abs()))
    };
    d.unwrap().to_string()
}

const PLAN_FIELDS: &str = "id version status sharedVersion checkInOverdue reviewOverdue \
    nextCheckInDue nextReviewDue plannedEndDate \
    youngPerson { givenName childRef } keyWorker { givenName email } \
    goals { id title status progress { note authorName } } \
    nextCheckIn { dueOn overdue } claims { id amountPence status } \
    entitlements { kind capPence claimedPence remainingPence }";

async fn my_plan(app: &TestApp, token: &str) -> Value {
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

/// The plan of a demo young person (by email), as a worker who may see it.
async fn plan_of(app: &TestApp, token: &str, email: &str) -> Value {
    let person = app.person_id(email).await;
    let rows = query(
        &app.db,
        "SELECT id FROM plans WHERE person_id = $1 ORDER BY created_at DESC LIMIT 1",
        vec![person.into()],
    )
    .await
    .unwrap();
    let id: uuid::Uuid = rows[0].try_get_by_index(0).unwrap();
    let (_, body) = app
        .graphql_as(
            token,
            &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {PLAN_FIELDS} }} }}"),
            json!({"id": global_id("StayingClosePlan", id)}),
        )
        .await;
    body["data"]["stayingClosePlan"].clone()
}

async fn run(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!(
                "mutation($input: {}Input!) {{ {mutation}(input: $input) {{ clientMutationId version recordId plan {{ {PLAN_FIELDS} }} }} }}",
                upper_first(mutation)
            ),
            json!({"input": input}),
        )
        .await;
    body
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn error(body: &Value) -> (&str, &Value) {
    let e = &body["errors"][0];
    (e["extensions"]["code"].as_str().unwrap_or(""), e)
}

#[tokio::test]
async fn each_reader_sees_exactly_the_plans_the_rules_allow() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let mine = my_plan(&app, &jamie).await;
    assert_eq!(mine["youngPerson"]["givenName"], "Jamie");
    assert_eq!(mine["goals"].as_array().unwrap().len(), 3);
    assert_eq!(mine["keyWorker"]["email"], format!("key.worker@{N}"));
    assert_eq!(mine["nextCheckIn"]["overdue"], false);
    assert_eq!(mine["claims"].as_array().unwrap().len(), 2);

    // Riley's plan, seen through a Northmoor manager.
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let riley = plan_of(&app, &manager, &format!("young.person.two@{N}")).await;
    assert_eq!(riley["youngPerson"]["givenName"], "Riley");
    let riley_id = riley["id"].as_str().unwrap().to_string();

    // Another young person's plan is invisible to Jamie, by id or node.
    let lookup = "query($id: ID!) { stayingClosePlan(id: $id) { id } node(id: $id) { id } }";
    let (_, body) = app
        .graphql_as(&jamie, lookup, json!({"id": riley_id}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["stayingClosePlan"].is_null());
    assert!(body["data"]["node"].is_null());

    // Caseloads: assigned workers and managers of the authority only.
    let caseload =
        "{ stayingClosePlans(first: 50) { edges { node { youngPerson { givenName } } } } }";
    let count = |body: &Value| {
        body["data"]["stayingClosePlans"]["edges"]
            .as_array()
            .map_or(usize::MAX, Vec::len)
    };
    for (email, expected) in [
        (format!("la.manager@{N}"), 5),
        (format!("personal.adviser@{N}"), 5),
        (format!("key.worker@{N}"), 5),
        (format!("la.manager@{E}"), 5),
        (format!("social.worker@{N}"), 0),
        ("advocate@brightvoice.example".to_string(), 0),
        (
            "training.coordinator@kinshiplearning.example".to_string(),
            0,
        ),
        ("admin@closeknit.example".to_string(), 0),
    ] {
        let token = app.staff_token(&email).await;
        let (_, body) = app.graphql_as(&token, caseload, json!({})).await;
        assert_eq!(count(&body), expected, "{email}: {body}");
        let (_, body) = app
            .graphql_as(&token, lookup, json!({"id": riley_id}))
            .await;
        let sees = !body["data"]["stayingClosePlan"].is_null();
        assert_eq!(sees, email.ends_with(N) && expected > 0, "{email}: {body}");
    }
    let (_, body) = app.graphql(caseload, json!({})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);

    // A key worker no longer on the plan no longer sees it.
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let body = run(
        &app,
        &adviser,
        "updateStayingClosePlan",
        json!({"planId": riley_id, "expectedVersion": 1, "keyWorkerId": null}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let kw = app.staff_token(&format!("key.worker@{N}")).await;
    assert!(
        plan_of(&app, &kw, &format!("young.person.two@{N}"))
            .await
            .is_null()
    );
    assert!(
        !plan_of(&app, &kw, &format!("young.person@{N}"))
            .await
            .is_null()
    );

    // Reads are audited with the fields returned, and Jamie's log says so.
    let reads = query(
        &app.db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'plan.read' AND subject_person_id = $1",
        vec![app.person_id(&format!("young.person@{N}")).await.into()],
    )
    .await
    .unwrap();
    let n: i64 = reads[0].try_get_by_index(0).unwrap();
    assert!(n >= 4, "{n} reads of Jamie's plan recorded");
    let (_, body) = app
        .graphql_as(
            &jamie,
            "{ myActivity(first: 50) { edges { node { description } } } }",
            json!({}),
        )
        .await;
    let text = body.to_string();
    assert!(
        text.contains("Alex Manager") && text.contains("Staying Close plan"),
        "{body}"
    );
}

#[tokio::test]
async fn changes_are_versioned_stale_ones_conflict_and_keys_replay() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let id = plan["id"].as_str().unwrap();
    assert_eq!(plan["version"], 1);
    let goal = json!({
        "planId": id, "expectedVersion": 1, "section": "EMPLOYMENT",
        "title": "Write a CV", "whoHelps": "Key worker", "targetDate": day(30),
        "clientMutationId": "goal-1",
    });
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

    // A stale version is CONFLICT carrying the current version; nothing changes.
    let mut stale = goal.clone();
    stale["clientMutationId"] = json!(null);
    let body = run(&app, &adviser, "addPlanGoal", stale).await;
    let (code, e) = error(&body);
    assert_eq!(code, "CONFLICT", "{body}");
    assert_eq!(e["extensions"]["details"]["currentVersion"], 2);
    let now = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    assert_eq!(now["goals"].as_array().unwrap().len(), 4);

    // Validation: codes from the lists, dates inside the plan, text present.
    for (bad, field) in [
        (json!({"section": "HOBBIES"}), None),
        (json!({"title": "  "}), Some("title")),
        (json!({"targetDate": "2001-01-01"}), Some("targetDate")),
    ] {
        let mut input = goal.clone();
        input["clientMutationId"] = json!(null);
        input["expectedVersion"] = json!(2);
        for (k, v) in bad.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = run(&app, &adviser, "addPlanGoal", input).await;
        assert!(!body["errors"].is_null(), "{body}");
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
            assert_eq!(body["errors"][0]["extensions"]["field"], field);
        }
    }

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

    // History: who, when, what; earlier versions can be viewed.
    let (_, body) = app
        .graphql_as(
            &adviser,
            "query($id: ID!) { stayingClosePlan(id: $id) { history(first: 10) { edges { node { version summary changedByName changes } } } \
               atVersion(version: 2) { plan { goals { title } } } } }",
            json!({"id": id}),
        )
        .await;
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
    let rows = query(
        &app.db,
        "SELECT action FROM audit_events WHERE action LIKE 'plan.goal.%' ORDER BY id",
        vec![],
    )
    .await
    .unwrap();
    let actions: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
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

#[tokio::test]
async fn concurrent_edits_with_the_same_version_let_exactly_one_through() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
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

#[tokio::test]
async fn check_ins_and_reviews_are_flagged_logged_and_reminded() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let riley = plan_of(&app, &adviser, &format!("young.person.two@{N}")).await;
    let id = riley["id"].as_str().unwrap().to_string();
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
    let body = run(
        &app,
        &adviser,
        "logCheckIn",
        json!({"planId": id, "heldOn": day(0), "mode": "IN_PERSON", "note": "Went through the bills together."}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let plan = &body["data"]["logCheckIn"]["plan"];
    assert_eq!(plan["checkInOverdue"], false);
    assert_eq!(plan["nextCheckInDue"], day(56));
    assert_eq!(plan["nextCheckIn"]["dueOn"], day(56));

    // Reminders: the young person before the next check-in, the workers
    // the day after it, if it is not logged.
    let person = app.person_id(&format!("young.person.two@{N}")).await;
    let adviser_person = app.person_id(&format!("personal.adviser@{N}")).await;
    let pending = |who: uuid::Uuid, key: String| {
        let app = &app;
        async move {
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
    };
    let plan_uuid = {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(&id).unwrap()).unwrap();
        text.split_once(':').unwrap().1.to_string()
    };
    let due = pending(person, format!("check-in-due:{plan_uuid}"))
        .await
        .unwrap();
    assert_eq!(
        due.with_timezone(&chrono_tz::Europe::London)
            .date_naive()
            .to_string(),
        day(54)
    );
    let overdue = pending(adviser_person, format!("check-in-overdue:{plan_uuid}"))
        .await
        .unwrap();
    assert_eq!(
        overdue
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive()
            .to_string(),
        day(57)
    );

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

#[tokio::test]
async fn claims_stay_within_the_caps_and_are_decided_by_managers() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let claim = "mutation($input: RequestClaimInput!) { requestClaim(input: $input) { claim { id status amountPence } } }";
    // Jamie has £1,500 of the £3,000 allowance claimed (paid and requested).
    let (_, body) = app
        .graphql_as(
            &jamie,
            claim,
            json!({"input": {"kind": "SETTING_UP_HOME", "amountPence": 150_001, "purpose": "Furniture"}}),
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
    let (_, body) = app
        .graphql_as(
            &jamie,
            claim,
            json!({"input": {"kind": "APPRENTICESHIP_BURSARY", "amountPence": 50_000, "purpose": "Tools"}}),
        )
        .await;
    assert_eq!(
        error(&body).1["extensions"]["field"],
        "apprenticeshipStartDate"
    );
    let (_, body) = app
        .graphql_as(
            &jamie,
            claim,
            json!({"input": {"kind": "APPRENTICESHIP_BURSARY", "amountPence": 100_001, "purpose": "Tools", "apprenticeshipStartDate": "2023-07-31"}}),
        )
        .await;
    assert_eq!(error(&body).0, "BAD_USER_INPUT", "{body}");
    let (_, body) = app
        .graphql_as(
            &jamie,
            claim,
            json!({"input": {"kind": "APPRENTICESHIP_BURSARY", "amountPence": 100_001, "purpose": "Tools", "apprenticeshipStartDate": "2023-08-01"}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");

    // Concurrent claims never add up to more than the cap: 4 × £500
    // against the £1,500 left lets exactly 3 through.
    let attempts = (0..4).map(|_| {
        let app = &app;
        let jamie = &jamie;
        async move {
            app.graphql_as(
                jamie,
                claim,
                json!({"input": {"kind": "SETTING_UP_HOME", "amountPence": 50_000, "purpose": "Kitchen"}}),
            )
            .await
            .1
        }
    });
    let results = futures::future::join_all(attempts).await;
    let ok: Vec<String> = results
        .iter()
        .filter(|b| b["errors"].is_null())
        .map(|b| {
            b["data"]["requestClaim"]["claim"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ok.len(), 3, "{results:?}");
    let plan = my_plan(&app, &jamie).await;
    let allowance = plan["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "SETTING_UP_HOME")
        .unwrap();
    assert_eq!(allowance["remainingPence"], 0);

    // Decisions: managers of the authority only; a rejection says why.
    let decide = "mutation($input: DecideClaimInput!) { decideClaim(input: $input) { claim { status decisionNote } } }";
    let other = app.staff_token(&format!("la.manager@{E}")).await;
    let (_, body) = app
        .graphql_as(
            &other,
            decide,
            json!({"input": {"claimId": ok[0], "status": "APPROVED"}}),
        )
        .await;
    assert_eq!(error(&body).0, "NOT_FOUND", "{body}");
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let (_, body) = app
        .graphql_as(
            &adviser,
            decide,
            json!({"input": {"claimId": ok[0], "status": "APPROVED"}}),
        )
        .await;
    assert_eq!(error(&body).0, "FORBIDDEN", "{body}");
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let (_, body) = app
        .graphql_as(
            &manager,
            decide,
            json!({"input": {"claimId": ok[0], "status": "PAID"}}),
        )
        .await;
    assert_eq!(error(&body).0, "CONFLICT", "{body}");
    let (_, body) = app
        .graphql_as(
            &manager,
            decide,
            json!({"input": {"claimId": ok[0], "status": "REJECTED"}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "note");
    let (_, body) = app
        .graphql_as(
            &manager,
            decide,
            json!({"input": {"claimId": ok[0], "status": "REJECTED", "note": "Already covered by the last claim."}}),
        )
        .await;
    assert_eq!(
        body["data"]["decideClaim"]["claim"]["status"], "REJECTED",
        "{body}"
    );
    // A rejected claim frees its entitlement.
    let plan = my_plan(&app, &jamie).await;
    let allowance = plan["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "SETTING_UP_HOME")
        .unwrap();
    assert_eq!(allowance["remainingPence"], 50_000);
    for status in ["APPROVED", "PAID"] {
        let (_, body) = app
            .graphql_as(
                &manager,
                decide,
                json!({"input": {"claimId": ok[1], "status": status}}),
            )
            .await;
        assert_eq!(
            body["data"]["decideClaim"]["claim"]["status"], status,
            "{body}"
        );
    }
    // Two managers deciding one claim at once: exactly one decision stands,
    // the other sees it (CONFLICT), and the claim holds the winner's.
    let second = app.staff_token(&format!("la.manager@{N}")).await;
    let decisions = [
        (&manager, json!({"claimId": ok[2], "status": "APPROVED"})),
        (
            &second,
            json!({"claimId": ok[2], "status": "REJECTED", "note": "Not needed now."}),
        ),
    ]
    .map(|(token, input)| {
        let app = &app;
        async move {
            app.graphql_as(token, decide, json!({"input": input}))
                .await
                .1
        }
    });
    let results = futures::future::join_all(decisions).await;
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
        .find(|c| c["id"] == ok[2].as_str())
        .unwrap();
    assert_eq!(stored["status"], status, "{claims}");
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
    // Open claims for the manager: requested or approved, this authority only.
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

#[tokio::test]
async fn the_young_person_comments_and_agrees_with_the_shared_version() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let body = run(
        &app,
        &jamie,
        "respondToPlan",
        json!({"planId": id, "version": 1, "agrees": true, "words": "Looks right"}),
    )
    .await;
    assert_eq!(error(&body).0, "CONFLICT", "{body}");
    let body = run(
        &app,
        &adviser,
        "sharePlanForAgreement",
        json!({"planId": id, "expectedVersion": 1}),
    )
    .await;
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
    let body = run(
        &app,
        &jamie,
        "sharePlanForAgreement",
        json!({"planId": id, "expectedVersion": 1}),
    )
    .await;
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
async fn ssda903_records_use_the_code_lists_and_the_schedule_2_factors() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let jamie = global_id(
        "YoungPerson",
        app.person_id(&format!("young.person@{N}")).await,
    );
    let accommodation = "mutation($input: RecordAccommodationInput!) { recordAccommodation(input: $input) { recordId plan { accommodation { type ssda903Code movedInOn endedOn } } } }";
    // No fixed abode judged suitable would be S1: refused.
    let (_, body) = app
        .graphql_as(
            &adviser,
            accommodation,
            json!({"input": {"youngPersonId": jamie, "type": "NO_FIXED_ABODE", "movedInOn": day(-1), "assessment": suitability_assessment(&[])}}),
        )
        .await;
    let (code, e) = error(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("S1 is not a valid code"),
        "{body}"
    );
    // Every factor must be judged.
    let mut partial = suitability_assessment(&[]);
    partial.as_array_mut().unwrap().pop();
    let (_, body) = app
        .graphql_as(
            &adviser,
            accommodation,
            json!({"input": {"youngPersonId": jamie, "type": "FOYER", "movedInOn": day(-1), "assessment": partial}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "assessment");
    let (_, body) = app
        .graphql_as(
            &adviser,
            accommodation,
            json!({"input": {"youngPersonId": jamie, "type": "FOYER", "movedInOn": day(-1), "assessment": suitability_assessment(&["AFFORDABILITY"])}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let history = &body["data"]["recordAccommodation"]["plan"]["accommodation"];
    assert_eq!(history[0]["ssda903Code"], "T2");
    assert_eq!(history[1]["ssda903Code"], "U1");
    assert_eq!(
        history[1]["endedOn"],
        day(-1),
        "the previous home ends on the move"
    );
    // Unknown codes are refused by the schema; dates in the future by the rules.
    let in_touch = "mutation($input: RecordInTouchInput!) { recordInTouch(input: $input) { plan { inTouch { status contactOn } } } }";
    let (_, body) = app
        .graphql_as(
            &adviser,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "MAYBE", "contactOn": day(0)}}),
        )
        .await;
    assert!(!body["errors"].is_null());
    let (_, body) = app
        .graphql_as(
            &adviser,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "YES", "contactOn": day(2)}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "contactOn");
    let (_, body) = app
        .graphql_as(
            &adviser,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "REFU", "contactOn": day(0)}}),
        )
        .await;
    assert_eq!(
        body["data"]["recordInTouch"]["plan"]["inTouch"][0]["status"], "REFU",
        "{body}"
    );
    // The plan a change returns is a read of the plan's fields asked for.
    let fields = last_plan_read_fields(&app).await;
    assert!(
        fields.contains("inTouch") && !fields.contains("plan"),
        "{fields}"
    );
    let (_, body) = app
        .graphql_as(
            &adviser,
            "mutation($input: RecordActivityInput!) { recordActivity(input: $input) { plan { activities { code since } } } }",
            json!({"input": {"youngPersonId": jamie, "code": "P4", "since": day(-3)}}),
        )
        .await;
    assert_eq!(
        body["data"]["recordActivity"]["plan"]["activities"][0]["code"], "P4",
        "{body}"
    );
    // Workers of another authority cannot record for Jamie.
    let other = app.staff_token(&format!("personal.adviser@{E}")).await;
    let (_, body) = app
        .graphql_as(
            &other,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "YES", "contactOn": day(0)}}),
        )
        .await;
    assert_eq!(error(&body).0, "NOT_FOUND");
}

#[tokio::test]
async fn plans_start_with_checked_dates_and_workers_and_end_with_a_reason() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let avery = global_id(
        "YoungPerson",
        app.person_id(&format!("young.person.five@{N}")).await,
    );
    let workers = "query($la: ID!) { stayingCloseWorkers(localAuthorityId: $la) { role worker { id givenName } } }";
    let north = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(&adviser, workers, json!({"la": north}))
        .await;
    let list = body["data"]["stayingCloseWorkers"].as_array().unwrap();
    let kw = list.iter().find(|w| w["role"] == "KEY_WORKER").unwrap()["worker"]["id"].clone();
    let pa = list
        .iter()
        .find(|w| w["role"] == "PERSONAL_ADVISER")
        .unwrap()["worker"]["id"]
        .clone();
    let east = app.local_authority_id("E10099002").await;
    let east_manager = app.staff_token(&format!("la.manager@{E}")).await;
    let (_, body) = app
        .graphql_as(&east_manager, workers, json!({"la": east}))
        .await;
    let east_kw = body["data"]["stayingCloseWorkers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["role"] == "KEY_WORKER")
        .unwrap()["worker"]["id"]
        .clone();

    let start = json!({"youngPersonId": avery, "startDate": day(0), "keyWorkerId": kw, "personalAdviserId": pa, "activate": true});
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
    let id = plan["id"].as_str().unwrap().to_string();
    let body = run(&app, &adviser, "startStayingClosePlan", start.clone()).await;
    assert_eq!(error(&body).0, "CONFLICT", "one open plan per young person");

    // An authority that extends support takes plans to the 25th birthday.
    let east_pa = app.staff_token(&format!("personal.adviser@{E}")).await;
    let east_avery = global_id(
        "YoungPerson",
        app.person_id(&format!("young.person.five@{E}")).await,
    );
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
    let pending = query(
        &app.db,
        "SELECT COUNT(*) FROM reminders WHERE subject_id = $1 AND state = 'pending'",
        vec![
            uuid::Uuid::parse_str(
                String::from_utf8(URL_SAFE_NO_PAD.decode(&id).unwrap())
                    .unwrap()
                    .split_once(':')
                    .unwrap()
                    .1,
            )
            .unwrap()
            .into(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(pending[0].try_get_by_index::<i64>(0).unwrap(), 0);

    // Profiles: only young people; child references unique per authority.
    let profile = "mutation($input: SaveCareLeaverProfileInput!) { saveCareLeaverProfile(input: $input) { youngPersonId } }";
    let staff_person = global_id(
        "YoungPerson",
        app.person_id(&format!("key.worker@{N}")).await,
    );
    let (_, body) = app
        .graphql_as(
            &adviser,
            profile,
            json!({"input": {"youngPersonId": staff_person, "childRef": "X1", "category": "QUALIFYING"}}),
        )
        .await;
    assert!(
        matches!(error(&body).0, "NOT_FOUND" | "BAD_USER_INPUT"),
        "{body}"
    );
    let (_, body) = app
        .graphql_as(
            &adviser,
            profile,
            json!({"input": {"youngPersonId": avery, "childRef": "DEMO001", "category": "ELIGIBLE"}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "childRef", "{body}");
    let (_, body) = app
        .graphql_as(
            &adviser,
            profile,
            json!({"input": {"youngPersonId": avery, "childRef": "AV17", "category": "RELEVANT"}}),
        )
        .await;
    assert_eq!(
        error(&body).1["extensions"]["field"],
        "leftCareOn",
        "{body}"
    );
}

/// The fields the latest plan read was recorded with.
async fn last_plan_read_fields(app: &TestApp) -> String {
    let audit = query(
        &app.db,
        "SELECT fields FROM audit_events WHERE action = 'plan.read' ORDER BY id DESC LIMIT 1",
        vec![],
    )
    .await
    .unwrap();
    audit[0].try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn the_app_syncs_only_what_changed() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let changes = "query($since: DateTime!) { myStayingClosePlanChanges(since: $since) { syncedAt plan { version } goals { id title removedAt } checkIns { dueOn } claims { id } } }";
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
    for table in [
        "plans",
        "plan_goals",
        "goal_progress",
        "check_ins",
        "reviews",
        "claims",
    ] {
        closeknit::db::raw::exec(
            &app.db,
            &format!("UPDATE {table} SET updated_at = $1"),
            vec![
                chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc)
                    .into(),
            ],
        )
        .await
        .unwrap();
    }
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
    // Staff have no "own" plan.
    let (_, body) = app
        .graphql_as(&adviser, "{ myStayingClosePlan { id } }", json!({}))
        .await;
    assert!(body["data"]["myStayingClosePlan"].is_null(), "{body}");
}

#[tokio::test]
async fn the_home_screen_reads_the_same_as_the_plan_field_by_field() {
    // On PostgreSQL the home query is one statement (with its audit row);
    // elsewhere, and for plans read by id, each field is its own read.
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    // Progress on a goal, so the nested lists are not empty.
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let goal = plan["goals"][1]["id"].as_str().unwrap();
    let body = run(
        &app,
        &jamie,
        "addGoalProgress",
        json!({"goalId": goal, "note": "Direct debits all set up"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let fields = "id status version nextCheckInDue checkInOverdue \
        goals { id section title whoHelps targetDate status updatedAt progress { id note authorName createdAt } } \
        nextCheckIn { id dueOn overdue status } \
        keyWorker { id givenName familyName email organisation } \
        personalAdviser { givenName email } \
        claims { id kind amountPence purpose status decisionNote createdAt updatedAt }";
    let reads = || async {
        query(
            &app.db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'plan.read'",
            vec![],
        )
        .await
        .unwrap()[0]
            .try_get_by_index::<i64>(0)
            .unwrap()
    };
    let before = reads().await;
    let (_, home) = app
        .graphql_as(
            &jamie,
            &format!("{{ myStayingClosePlan {{ {fields} }} }}"),
            json!({}),
        )
        .await;
    assert!(home["errors"].is_null(), "{home}");
    assert_eq!(reads().await, before + 1, "the home read is audited once");
    let home = &home["data"]["myStayingClosePlan"];
    let (_, by_id) = app
        .graphql_as(
            &jamie,
            &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {fields} }} }}"),
            json!({"id": home["id"]}),
        )
        .await;
    assert_eq!(home, &by_id["data"]["stayingClosePlan"]);
    assert_eq!(
        home["goals"][1]["progress"][0]["note"],
        "Direct debits all set up"
    );
    assert_eq!(home["claims"].as_array().unwrap().len(), 2);
    assert_eq!(home["keyWorker"]["email"], format!("key.worker@{N}"));
    let audit = query(
        &app.db,
        "SELECT fields, record_type, subject_person_id FROM audit_events \
         WHERE action = 'plan.read' ORDER BY id DESC LIMIT 2",
        vec![],
    )
    .await
    .unwrap();
    let fields: String = audit[1].try_get_by_index(0).unwrap();
    assert!(
        fields.contains("goals") && fields.contains("claims"),
        "{fields}"
    );
}

#[tokio::test]
async fn a_caseload_page_reads_its_lists_in_one_statement_each() {
    // No in-process worker: its polling would add statements to the count.
    let app = TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let lists = "id goals { id title progress { note authorName } } \
        nextCheckIn { dueOn overdue } nextReview { dueOn } claims { id amountPence status } \
        checkIns { id status } reviews { id dueOn } \
        entitlements { kind capPence claimedPence remainingPence } \
        comments { id body authorName } responses { planVersion agrees words } \
        accommodation { id type suitable ssda903Code } inTouch { id status } activities { id code }";
    // Other work (SQLite's notification polling, a batch split on a busy
    // machine) can only add statements: the fewest of three runs counts.
    let mut statements = Vec::new();
    let mut pages = Vec::new();
    for first in [1, 10] {
        let mut fewest = f64::MAX;
        for _ in 0..3 {
            let before = app.metric("closeknit_db_statements_total", "").await;
            let (_, body) = app
                .graphql_as(
                    &manager,
                    &format!(
                        "{{ stayingClosePlans(first: {first}) {{ edges {{ node {{ {lists} }} }} }} }}"
                    ),
                    json!({}),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
            let after = app.metric("closeknit_db_statements_total", "").await;
            fewest = fewest.min(after - before);
            pages.push(body["data"]["stayingClosePlans"]["edges"].clone());
        }
        statements.push(fewest);
    }
    let plans = pages.last().unwrap().as_array().unwrap();
    assert!(plans.len() >= 5, "the demo authority has several plans");
    assert!(statements[0] > 0.0, "statements are counted");
    // One list read per plan would add a statement for each further plan.
    let extra = statements[1] - statements[0];
    assert!(
        extra < (plans.len() - 1) as f64,
        "one plan: {} statements, {} plans: {}",
        statements[0],
        plans.len(),
        statements[1]
    );
    // Batched lists hold what each plan read on its own holds.
    let mut with_goals = 0;
    for edge in plans {
        let node = &edge["node"];
        let (_, single) = app
            .graphql_as(
                &manager,
                &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {lists} }} }}"),
                json!({"id": node["id"]}),
            )
            .await;
        assert_eq!(&single["data"]["stayingClosePlan"], node);
        with_goals += usize::from(!node["goals"].as_array().unwrap().is_empty());
    }
    assert!(with_goals >= 2, "{plans:?}");
}
