//! Booking: places, the waiting list, and every refusal.

use closeknit_tests::{
    TestApp,
    training::{self as t, COORDINATOR, Plan},
};
use serde_json::json;

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";

#[tokio::test]
async fn places_then_the_waiting_list_and_no_second_booking() {
    let app = TestApp::spawn().await;
    let (session, coordinator, facilitator) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 3).await;
    let first = t::book(&app, &carers[0], &session).await;
    assert_eq!(
        first["data"]["bookTrainingPlace"]["booking"]["state"], "BOOKED",
        "{first}"
    );
    let again = t::book(&app, &carers[0], &session).await;
    assert_eq!(
        t::code(&again),
        ("CONFLICT".into(), "ALREADY_BOOKED".into())
    );
    for (i, carer) in carers[1..].iter().enumerate() {
        let body = t::book(&app, carer, &session).await;
        let booking = &body["data"]["bookTrainingPlace"]["booking"];
        assert_eq!(booking["state"], "WAITLISTED", "{body}");
        assert_eq!(booking["waitlistPosition"], i + 1);
        assert_eq!(booking["session"]["placesLeft"], 0);
    }
    // The register: access needs for the coordinator and the facilitator,
    // refused to a carer.
    let query = "query($s: ID!) { trainingSessionRegister(sessionId: $s) { nodes { name state accessNeeds } } }";
    for token in [&coordinator, &facilitator] {
        let (_, body) = app.graphql_as(token, query, json!({"s": session})).await;
        let nodes = body["data"]["trainingSessionRegister"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(nodes.len(), 3, "{body}");
        assert_eq!(nodes[0]["accessNeeds"], "A hearing loop, please.");
    }
    let (_, body) = app
        .graphql_as(&carers[0], query, json!({"s": session}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // Idempotent: the same key replays the first result.
    let input = json!({"sessionId": session, "clientMutationId": "once"});
    let newcomer = &t::carers(&app, NORTHMOOR_TEAM, 1).await[0];
    let a = app
        .mutate(
            newcomer,
            "bookTrainingPlace",
            input.clone(),
            "booking { id waitlistPosition }",
        )
        .await;
    let b = app
        .mutate(
            newcomer,
            "bookTrainingPlace",
            input,
            "booking { id waitlistPosition }",
        )
        .await;
    assert_eq!(a["data"], b["data"], "{a} {b}");
    assert_eq!(
        a["data"]["bookTrainingPlace"]["booking"]["waitlistPosition"],
        3
    );
    app.stop().await;
}

#[tokio::test]
async fn refusals_name_why() {
    let app = TestApp::spawn().await;
    let coordinator = app.staff_token(COORDINATOR).await;
    let (_, facilitator) = t::facilitator(&app).await;
    let carer = &t::carers(&app, NORTHMOOR_TEAM, 1).await[0];
    // Not in the audience.
    let leavers = t::course(&app, &coordinator, &["CARE_LEAVERS"], 24).await;
    let session = t::session(&app, &coordinator, &leavers, &facilitator, &Plan::places(5)).await;
    assert_eq!(
        t::code(&t::book(&app, carer, &session).await).0,
        "FORBIDDEN"
    );
    // Not open to the carer's authority.
    let carers = t::course(&app, &coordinator, &["KINSHIP_CARERS"], 24).await;
    let eastbrook = app.local_authority_id("E10099002").await;
    let elsewhere = Plan {
        open_to: vec![eastbrook],
        ..Plan::places(5)
    };
    let session = t::session(&app, &coordinator, &carers, &facilitator, &elsewhere).await;
    assert_eq!(
        t::code(&t::book(&app, carer, &session).await).0,
        "FORBIDDEN"
    );
    // Booking not open yet.
    let later = Plan {
        opens: chrono::Utc::now() + chrono::Duration::days(2),
        ..Plan::places(5)
    };
    let session = t::session(&app, &coordinator, &carers, &facilitator, &later).await;
    assert_eq!(
        t::code(&t::book(&app, carer, &session).await),
        ("CONFLICT".into(), "BOOKING_CLOSED".into())
    );
    // Staff cannot book a carers' course for themselves.
    let open = t::session(&app, &coordinator, &carers, &facilitator, &Plan::places(5)).await;
    assert_eq!(
        t::code(&t::book(&app, &coordinator, &open).await).0,
        "FORBIDDEN"
    );
    app.stop().await;
}

#[tokio::test]
async fn cancelling_after_the_cutoff_is_late_and_steps_outside_the_machine_conflict() {
    let app = TestApp::spawn().await;
    // The cut-off (14 days) is already past for a session in 10 days.
    let (session, _, _) = t::carers_session(&app, 2, 336).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 2).await;
    let body = t::book(&app, &carers[0], &session).await;
    let id = body["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let accept = t::step(&app, &carers[0], "acceptTrainingOffer", &id).await;
    assert_eq!(t::code(&accept), ("CONFLICT".into(), "BOOKED".into()));
    let cancel = t::step(&app, &carers[0], "cancelTrainingBooking", &id).await;
    assert_eq!(
        cancel["data"]["cancelTrainingBooking"]["booking"]["state"], "CANCELLED_LATE",
        "{cancel}"
    );
    assert_eq!(
        cancel["data"]["cancelTrainingBooking"]["booking"]["session"]["placesLeft"],
        2
    );
    let again = t::step(&app, &carers[0], "cancelTrainingBooking", &id).await;
    assert_eq!(
        t::code(&again),
        ("CONFLICT".into(), "CANCELLED_LATE".into())
    );
    // Someone else's booking is not found.
    let other = t::step(&app, &carers[1], "cancelTrainingBooking", &id).await;
    assert_eq!(t::code(&other).0, "NOT_FOUND");
    app.stop().await;
}
