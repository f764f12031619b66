//! Reminders: an offer expiring within 6 hours (only for holds longer than
//! 12 hours) and the day before a booked session, each exactly once with
//! two servers sweeping one database.

use chrono::{Duration, Utc};
use closeknit_tests::{
    TestApp, TestAppBuilder, beyond_api, eventually, signing_key_pem, staying_close::uuid_in,
    training as t,
};
use futures::future::join_all;
use serde_json::{Value, json};

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";

fn server() -> TestAppBuilder {
    TestApp::builder().env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(7))
}

fn booking_id(body: &Value) -> String {
    body["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `token`'s training reminders about booking `id`: their bodies.
async fn reminders(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let (_, body) = app
        .graphql_as(
            token,
            "{ notifications(first: 100) { edges { node { kind body subjectId } } } }",
            json!({}),
        )
        .await;
    body["data"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["subjectId"] == id && n["kind"] == "TRAINING_REMINDER")
        .map(|n| n["body"].as_str().unwrap().to_string())
        .collect()
}

/// Both servers' sweeps (on their ticks) and four more passes at once:
/// after they settle, `id` has exactly `n` reminders.
async fn reminded_exactly(app: &TestApp, second: &TestApp, token: &str, id: &str, n: usize) {
    if n > 0 {
        let arrived = eventually(std::time::Duration::from_secs(15), || async {
            reminders(app, token, id).await.len() >= n
        })
        .await;
        assert!(arrived, "no reminder about {id}");
    }
    let passes = [&app.db, &second.db, &app.db, &second.db].map(|db| async move {
        closeknit::training::reminders::offers_expiring(db, 100)
            .await
            .unwrap();
        closeknit::training::reminders::day_before(db, 100)
            .await
            .unwrap();
    });
    join_all(passes).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(reminders(app, token, id).await.len(), n, "{id}");
}

#[tokio::test]
async fn an_offer_expiring_in_six_hours_is_reminded_once_only_after_a_long_hold() {
    let app = server().spawn().await;
    let second = server().shared_database(&app).spawn().await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 4).await;
    // Two full sessions, each with someone waiting; their places free up.
    let mut offers = Vec::new();
    for pair in carers.chunks(2) {
        let (session, _, _) = t::carers_session(&app, 1, 0).await;
        let first = booking_id(&t::book(&app, &pair[0], &session).await);
        let waiting = booking_id(&t::book(&app, &pair[1], &session).await);
        t::step(&app, &pair[0], "cancelTrainingBooking", &first).await;
        assert_eq!(t::my_bookings(&app, &pair[1]).await[0]["state"], "OFFERED");
        offers.push(waiting);
    }
    let now = Utc::now();
    // Held 48 hours, 5 left: reminded. Held 6 hours, 5 left: not.
    let (long, short) = (&offers[0], &offers[1]);
    beyond_api::age_training_offer(
        &app.db,
        uuid_in(long),
        now - Duration::hours(43),
        now + Duration::hours(5),
    )
    .await;
    beyond_api::age_training_offer(
        &app.db,
        uuid_in(short),
        now - Duration::hours(1),
        now + Duration::hours(5),
    )
    .await;
    reminded_exactly(&app, &second, &carers[1], long, 1).await;
    let said = reminders(&app, &carers[1], long).await;
    assert!(said[0].contains("is held until"), "{said:?}");
    reminded_exactly(&app, &second, &carers[3], short, 0).await;
    second.shutdown.cancel();
    app.stop().await;
}

#[tokio::test]
async fn an_offer_with_more_than_six_hours_left_is_not_reminded_yet() {
    let app = server().spawn().await;
    let second = server().shared_database(&app).spawn().await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 2).await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let first = booking_id(&t::book(&app, &carers[0], &session).await);
    let waiting = booking_id(&t::book(&app, &carers[1], &session).await);
    t::step(&app, &carers[0], "cancelTrainingBooking", &first).await;
    // Just offered: 48 hours left.
    reminded_exactly(&app, &second, &carers[1], &waiting, 0).await;
    second.shutdown.cancel();
    app.stop().await;
}

#[tokio::test]
async fn the_day_before_a_booked_session_is_reminded_once() {
    let app = server().spawn().await;
    let second = server().shared_database(&app).spawn().await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 2).await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let booked = booking_id(&t::book(&app, &carers[0], &session).await);
    let waiting = booking_id(&t::book(&app, &carers[1], &session).await);
    // Ten days ahead: no reminder yet.
    reminded_exactly(&app, &second, &carers[0], &booked, 0).await;
    // Time passes: it starts in 20 hours. The booked person is reminded
    // once; the person waiting is not.
    let starts = Utc::now() + Duration::hours(20);
    beyond_api::move_training_session_start(&app.db, uuid_in(&session), starts).await;
    reminded_exactly(&app, &second, &carers[0], &booked, 1).await;
    let said = reminders(&app, &carers[0], &booked).await;
    assert!(said[0].contains("you are booked on"), "{said:?}");
    reminded_exactly(&app, &second, &carers[1], &waiting, 0).await;
    second.shutdown.cancel();
    app.stop().await;
}

#[tokio::test]
async fn a_session_moved_later_is_reminded_again_for_its_new_time() {
    let app = server().spawn().await;
    let second = server().shared_database(&app).spawn().await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 1).await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let booked = booking_id(&t::book(&app, &carers[0], &session).await);
    let now = Utc::now();
    beyond_api::move_training_session_start(&app.db, uuid_in(&session), now + Duration::hours(20))
        .await;
    reminded_exactly(&app, &second, &carers[0], &booked, 1).await;
    // Moved earlier, still within the day: the reminder already given
    // stands.
    beyond_api::move_training_session_start(&app.db, uuid_in(&session), now + Duration::hours(10))
        .await;
    reminded_exactly(&app, &second, &carers[0], &booked, 1).await;
    // The reminder went two days ago and the session was moved since: it
    // goes again, once, for the new time.
    beyond_api::date_training_day_before_reminder(
        &app.db,
        uuid_in(&booked),
        now - Duration::days(2),
    )
    .await;
    reminded_exactly(&app, &second, &carers[0], &booked, 2).await;
    second.shutdown.cancel();
    app.stop().await;
}

#[tokio::test]
async fn a_cancelled_place_gets_no_day_before_reminder() {
    let app = server().spawn().await;
    let second = server().shared_database(&app).spawn().await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 1).await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let booked = booking_id(&t::book(&app, &carers[0], &session).await);
    t::step(&app, &carers[0], "cancelTrainingBooking", &booked).await;
    beyond_api::move_training_session_start(
        &app.db,
        uuid_in(&session),
        Utc::now() + Duration::hours(20),
    )
    .await;
    reminded_exactly(&app, &second, &carers[0], &booked, 0).await;
    second.shutdown.cancel();
    app.stop().await;
}
