//! Offers: a freed place goes to the first person waiting, held for them;
//! accepted or declined in one step, and moved on when it runs out.

use closeknit_tests::{TestApp, beyond_api, eventually, training as t};
use std::time::Duration;

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";

fn booking_id(body: &serde_json::Value) -> String {
    body["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn freed_places_are_offered_in_turn_and_expire_to_the_next() {
    let app = TestApp::spawn().await;
    let (session, _, _) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 4).await;
    let mut ids = Vec::new();
    for carer in &carers {
        ids.push(booking_id(&t::book(&app, carer, &session).await));
    }
    // The place frees: the first waiting is offered it, held 48 hours.
    t::step(&app, &carers[0], "cancelTrainingBooking", &ids[0]).await;
    let offered = t::my_bookings(&app, &carers[1]).await;
    assert_eq!(offered[0]["state"], "OFFERED", "{offered:?}");
    assert!(!offered[0]["offeredUntil"].is_null());
    assert_eq!(
        offered[0]["session"]["placesLeft"], 0,
        "an offer holds the place"
    );
    // Declined: the next is offered it.
    let declined = t::step(&app, &carers[1], "declineTrainingOffer", &ids[1]).await;
    assert_eq!(
        declined["data"]["declineTrainingOffer"]["booking"]["state"], "DECLINED",
        "{declined}"
    );
    assert_eq!(
        t::my_bookings(&app, &carers[2]).await[0]["state"],
        "OFFERED"
    );
    // It runs out: the sweep moves it on to the last person, once.
    beyond_api::expire_training_offers(&app.db).await;
    let moved = eventually(Duration::from_secs(15), || async {
        t::my_bookings(&app, &carers[3]).await[0]["state"] == "OFFERED"
    })
    .await;
    assert!(moved, "the expired offer moved on");
    assert_eq!(
        t::my_bookings(&app, &carers[2]).await[0]["state"],
        "EXPIRED"
    );
    let late = t::step(&app, &carers[2], "acceptTrainingOffer", &ids[2]).await;
    assert_eq!(t::code(&late), ("CONFLICT".into(), "EXPIRED".into()));
    let accepted = t::step(&app, &carers[3], "acceptTrainingOffer", &ids[3]).await;
    let booking = &accepted["data"]["acceptTrainingOffer"]["booking"];
    assert_eq!(booking["state"], "BOOKED", "{accepted}");
    assert_eq!(
        booking["session"]["onlineLink"],
        "https://meet.example/kinship-workshop"
    );
    app.stop().await;
}

#[tokio::test]
async fn no_booking_and_no_offers_once_a_session_has_started() {
    let app = TestApp::spawn().await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 3).await;
    let first = booking_id(&t::book(&app, &carers[0], &session).await);
    let second = booking_id(&t::book(&app, &carers[1], &session).await);
    let uuid = closeknit_tests::staying_close::uuid_in(&session);
    beyond_api::start_training_session(&app.db, uuid).await;
    let late = t::book(&app, &carers[2], &session).await;
    assert_eq!(
        t::code(&late),
        ("CONFLICT".into(), "SESSION_STARTED".into())
    );
    let cancelled = t::step(&app, &carers[0], "cancelTrainingBooking", &first).await;
    assert!(cancelled["errors"].is_null(), "{cancelled}");
    assert_eq!(
        t::my_bookings(&app, &carers[1]).await[0]["state"],
        "WAITLISTED"
    );
    // Only the owner sees a booking by id.
    let query = "query($id: ID!) { node(id: $id) { id } }";
    let (_, mine) = app
        .graphql_as(&carers[1], query, serde_json::json!({"id": second}))
        .await;
    assert_eq!(mine["data"]["node"]["id"], second.as_str());
    let (_, theirs) = app
        .graphql_as(&carers[2], query, serde_json::json!({"id": second}))
        .await;
    assert!(theirs["data"]["node"].is_null(), "{theirs}");
    app.stop().await;
}
