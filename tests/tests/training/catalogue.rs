//! The catalogue: coordinators schedule, people in the audience see it,
//! the online link only for those booked and those running it.

use closeknit_tests::{
    TestApp,
    training::{self as t, COORDINATOR, Plan, SESSION},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn catalogue(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let (_, body) = app
        .graphql_as(
            token,
            &format!(
                "query($f: TrainingSessionFilter) {{ trainingSessions(filter: $f) {{ nodes {{ {SESSION} }} }} }}"
            ),
            json!({"f": filter}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["trainingSessions"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn sessions_are_checked_and_shown_to_their_audience() {
    let app = TestApp::spawn().await;
    let coordinator = app.staff_token(COORDINATOR).await;
    let (facilitator_token, facilitator) = t::facilitator(&app).await;
    let course = t::course(&app, &coordinator, &["KINSHIP_CARERS"], 24).await;
    // Refused: end before start, capacity 0, a facilitator who is not one.
    let mut bad = t::session_input(&course, &facilitator, &Plan::places(10));
    bad["endsAt"] = bad["startsAt"].clone();
    let body = app
        .mutate(
            &coordinator,
            "scheduleTrainingSession",
            bad,
            "session { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.endsAt",
        "{body}"
    );
    let body = app
        .mutate(
            &coordinator,
            "scheduleTrainingSession",
            t::session_input(&course, &facilitator, &Plan::places(0)),
            "session { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.capacity",
        "{body}"
    );
    let not_one = closeknit_tests::global_id("Person", app.person_id(COORDINATOR).await);
    let body = app
        .mutate(
            &coordinator,
            "scheduleTrainingSession",
            t::session_input(&course, &not_one, &Plan::places(5)),
            "session { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.facilitatorId",
        "{body}"
    );

    let online = t::session(&app, &coordinator, &course, &facilitator, &Plan::places(5)).await;
    let in_person = t::session(
        &app,
        &coordinator,
        &course,
        &facilitator,
        &Plan {
            online: false,
            ..Plan::places(5)
        },
    )
    .await;
    let leavers = t::course(&app, &coordinator, &["CARE_LEAVERS"], 24).await;
    let other = t::session(&app, &coordinator, &leavers, &facilitator, &Plan::places(5)).await;

    let carer = &t::carers(&app, "Northmoor Children's Services", 1).await[0];
    let seen = catalogue(&app, carer, json!(null)).await;
    let ids: Vec<&str> = seen.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&online.as_str()) && ids.contains(&in_person.as_str()));
    assert!(!ids.contains(&other.as_str()), "not in the audience");
    assert!(
        seen.iter().all(|s| s["onlineLink"].is_null()),
        "link only once booked"
    );
    let find = |all: &[Value], id: &str| all.iter().find(|s| s["id"] == id).cloned().unwrap();
    assert_eq!(find(&seen, &online)["placesLeft"], 5);

    let only_online = catalogue(&app, carer, json!({"online": true, "text": "KINSHIP"})).await;
    assert!(only_online.iter().all(|s| s["online"] == true));
    assert!(only_online.iter().any(|s| s["id"] == online.as_str()));
    assert!(!only_online.iter().any(|s| s["id"] == in_person.as_str()));

    t::book(&app, carer, &online).await;
    let seen = catalogue(&app, carer, json!({"online": true})).await;
    assert_eq!(
        find(&seen, &online)["onlineLink"],
        "https://meet.example/kinship-workshop"
    );
    assert_eq!(find(&seen, &online)["placesLeft"], 4);
    let facilitated = catalogue(&app, &facilitator_token, json!({"online": true})).await;
    assert!(
        facilitated
            .iter()
            .any(|s| s["id"] == online.as_str() && !s["onlineLink"].is_null())
    );

    // Anonymous callers are asked to sign in.
    let (_, body) = app
        .graphql("{ trainingSessions { nodes { id } } }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn only_the_providers_coordinators_manage_its_catalogue() {
    let app = TestApp::spawn().await;
    let carer = &t::carers(&app, "Northmoor Children's Services", 1).await[0];
    let provider =
        closeknit_tests::global_id("Organisation", t::organisation(&app, t::PROVIDER).await);
    let body = app
        .mutate(
            carer,
            "createTrainingCourse",
            json!({"providerId": provider, "course": {"title": "x", "description": "y",
                   "audience": ["STAFF"], "cancellationCutoffHours": 1}}),
            "course { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let coordinator = app.staff_token(COORDINATOR).await;
    let course = t::course(&app, &coordinator, &["STAFF"], 1).await;
    let body = app
        .mutate(
            &coordinator,
            "updateTrainingCourse",
            json!({"courseId": course, "expectedVersion": 7, "course": {"title": "x",
                   "description": "y", "audience": ["STAFF"], "cancellationCutoffHours": 1}}),
            "course { id version }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "CONFLICT",
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_demo_provider_has_a_full_session_with_an_offer_and_bookings_in_every_state() {
    let app = TestApp::spawn().await;
    let coordinator = app.staff_token(COORDINATOR).await;
    let sessions = catalogue(&app, &coordinator, json!(null)).await;
    // Four single sessions and the fortnightly peer group's 12 sittings,
    // upcoming only.
    assert_eq!(sessions.len(), 16, "{sessions:?}");
    let group = sessions
        .iter()
        .filter(|s| s["course"]["title"] == "Kinship carers' peer group" && s["online"] == true)
        .count();
    assert_eq!(group, 12, "{sessions:?}");
    let full = sessions
        .iter()
        .find(|s| s["placesLeft"] == 0 && s["waitingListLength"] == 1)
        .unwrap_or_else(|| panic!("{sessions:?}"));
    let (_, body) = app
        .graphql_as(
            &coordinator,
            "query($s: ID!) { trainingSessionRegister(sessionId: $s) { nodes { state offeredUntil } } }",
            json!({"s": full["id"]}),
        )
        .await;
    let register = body["data"]["trainingSessionRegister"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        register
            .iter()
            .any(|e| e["state"] == "OFFERED" && e["offeredUntil"].is_string()),
        "an open offer: {body}"
    );
    // Every state of the machine, across the demo carers' bookings.
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT DISTINCT state FROM training_bookings",
        ))
        .await
        .unwrap();
    let states: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "state").unwrap())
        .collect();
    let every = [
        "attended",
        "booked",
        "cancelled",
        "cancelled_late",
        "declined",
        "excused",
        "expired",
        "no_show",
        "offered",
        "waitlisted",
    ];
    assert_eq!(states, every.map(String::from).into());
    app.stop().await;
}
