//! The sessions someone runs, and a session's register: attendance marked
//! by those who run it, and the register as CSV; each rule and each
//! refusal.

use closeknit_tests::{
    TestApp, beyond_api, global_id,
    staying_close::uuid_in,
    training::{self as t, COORDINATOR, bad, conflict},
};
use serde_json::{Value, json};

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";

/// Marks attendance on `session` as `token`; the whole response.
async fn mark(app: &TestApp, token: &str, session: &str, marks: &[(&str, &str)]) -> Value {
    let marks: Vec<Value> = marks
        .iter()
        .map(|(b, a)| json!({"bookingId": b, "attendance": a}))
        .collect();
    app.mutate(
        token,
        "markTrainingAttendance",
        json!({"sessionId": session, "marks": marks}),
        "session { id }",
    )
    .await
}

#[tokio::test]
async fn attendance_is_marked_from_the_start_by_those_running_it_and_corrected() {
    let app = TestApp::spawn().await;
    let (session, coordinator, facilitator) = t::carers_session(&app, 2, 24).await;
    let other = t::carers_session(&app, 2, 24).await.0;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 4).await;
    let ids = t::book_all(&app, &carers[..3], &session).await;
    let stranger = t::booking_id(&t::book(&app, &carers[3], &other).await);
    // Before the start only EXCUSED.
    assert_eq!(
        t::code(&mark(&app, &coordinator, &session, &[(&ids[0], "ATTENDED")]).await),
        conflict("SESSION_NOT_STARTED")
    );
    let excused = mark(&app, &facilitator, &session, &[(&ids[1], "EXCUSED")]).await;
    assert!(excused["errors"].is_null(), "{excused}");
    beyond_api::start_training_session(&app.db, uuid_in(&session)).await;
    // Refused: a carer, a booking of another session, a booking twice,
    // someone waiting (and then nothing of that call is kept).
    let body = mark(&app, &carers[0], &session, &[(&ids[0], "ATTENDED")]).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    let body = mark(&app, &coordinator, &session, &[(&stranger, "ATTENDED")]).await;
    assert_eq!(t::code(&body).0, "NOT_FOUND", "{body}");
    let twice = [(ids[0].as_str(), "ATTENDED"), (ids[0].as_str(), "NO_SHOW")];
    assert_eq!(
        t::field(&mark(&app, &coordinator, &session, &twice).await),
        bad("input.marks")
    );
    let waiting = [(ids[0].as_str(), "ATTENDED"), (ids[2].as_str(), "ATTENDED")];
    assert_eq!(
        t::code(&mark(&app, &coordinator, &session, &waiting).await),
        conflict("WAITLISTED")
    );
    assert_eq!(
        t::register(&app, &coordinator, &session).await[0]["state"],
        "BOOKED"
    );
    // The facilitator marks; the coordinator corrects; the register shows
    // who marked and when.
    let body = mark(&app, &facilitator, &session, &[(&ids[0], "ATTENDED")]).await;
    assert!(body["errors"].is_null(), "{body}");
    let register = t::register(&app, &coordinator, &session).await;
    let line = |id: &str| register.iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!(line(&ids[0])["attendance"], "ATTENDED");
    assert_eq!(line(&ids[0])["attendanceMarkedByName"], "Test Person0");
    assert_eq!(line(&ids[1])["attendance"], "EXCUSED");
    assert!(line(&ids[2])["attendance"].is_null());
    let body = mark(&app, &coordinator, &session, &[(&ids[0], "NO_SHOW")]).await;
    assert!(body["errors"].is_null(), "{body}");
    let register = t::register(&app, &coordinator, &session).await;
    let first = register.iter().find(|l| l["id"] == ids[0]).unwrap();
    assert_eq!(first["attendance"], "NO_SHOW");
    assert_eq!(first["state"], "NO_SHOW");
    assert_eq!(
        first["attendanceMarkedById"],
        global_id("Person", app.person_id(COORDINATOR).await)
    );
    assert!(first["attendanceMarkedAt"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn the_register_exports_as_csv_without_formulas_and_is_audited() {
    let app = TestApp::spawn().await;
    let (session, coordinator, facilitator) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 2).await;
    t::booking_id(&t::book(&app, &carers[0], &session).await);
    let body = app
        .mutate(
            &carers[1],
            "bookTrainingPlace",
            json!({"sessionId": session, "accessNeeds": "=HYPERLINK(\"http://x.example\",\"hi\")"}),
            "booking { id }",
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let query = "query($s: ID!) { trainingSessionRegisterCsv(sessionId: $s) }";
    let (_, body) = app
        .graphql_as(&carers[0], query, json!({"s": session}))
        .await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    for token in [&coordinator, &facilitator] {
        let (_, body) = app.graphql_as(token, query, json!({"s": session})).await;
        let csv = body["data"]["trainingSessionRegisterCsv"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "name,state,waitlistPosition,accessNeeds,attendanceMarkedAt"
        );
        assert_eq!(
            lines[1],
            "Test Person0,BOOKED,,\"A hearing loop, please.\","
        );
        assert_eq!(
            lines[2],
            "Test Person1,WAITLISTED,1,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"hi\"\")\",",
        );
    }
    assert_eq!(
        t::audited(&app, "training.register.export", "TrainingBooking").await,
        4,
        "each line, each export"
    );
    app.stop().await;
}

/// The ids (and states) of the sessions `token` runs.
async fn to_run(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let (_, body) = app
        .graphql_as(
            token,
            "{ trainingSessionsToRun(first: 100, from: \"2026-01-01T00:00:00Z\") { nodes { id state } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["trainingSessionsToRun"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_string(),
                n["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn those_running_sessions_list_them_past_and_cancelled_too() {
    let app = TestApp::spawn().await;
    let (started, coordinator, facilitator) = t::carers_session(&app, 3, 24).await;
    let (cancelled, _, other_facilitator) = t::carers_session(&app, 3, 24).await;
    beyond_api::start_training_session(&app.db, uuid_in(&started)).await;
    let version = t::version(&app, &coordinator, &cancelled).await;
    let body = app
        .mutate(
            &coordinator,
            "cancelTrainingSession",
            json!({"sessionId": cancelled, "expectedVersion": version, "reason": "Too few booked."}),
            "session { state }",
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // The coordinator: both, the one started in the past first.
    let mine: Vec<(String, String)> = to_run(&app, &coordinator)
        .await
        .into_iter()
        .filter(|(id, _)| *id == started || *id == cancelled)
        .collect();
    assert_eq!(
        mine,
        [
            (started.clone(), "SCHEDULED".to_string()),
            (cancelled.clone(), "CANCELLED".to_string())
        ]
    );
    // Each facilitator: only their own. The catalogue shows neither.
    let ids = |list: Vec<(String, String)>| list.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    assert_eq!(ids(to_run(&app, &facilitator).await), [started.as_str()]);
    assert_eq!(
        ids(to_run(&app, &other_facilitator).await),
        [cancelled.as_str()]
    );
    let carer = &t::carers(&app, NORTHMOOR_TEAM, 1).await[0];
    assert!(to_run(&app, carer).await.is_empty());
    app.stop().await;
}
