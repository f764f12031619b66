//! Capacity under concurrency: 500 requests at once for 20 places end
//! with exactly 20 booked and 480 waiting at distinct positions 1-480,
//! none refused; then 20 cancellations make exactly 20 offers, to the
//! first 20 waiting.

use closeknit_tests::{TestApp, training as t};
use futures::future::join_all;

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";

#[tokio::test]
async fn five_hundred_requests_for_twenty_places_never_overbook() {
    // Requests queue for a connection rather than being refused.
    let app = TestApp::builder()
        .env("CLOSEKNIT_DB_ACQUIRE_TIMEOUT_MS", "60000")
        .env("CLOSEKNIT_RATE_SIGN_IN_PER_IP", "1000/10m")
        .spawn()
        .await;
    let (session, _, _) = t::carers_session(&app, 20, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 500).await;
    let answers = join_all(carers.iter().map(|c| t::book(&app, c, &session))).await;
    let mut booked = Vec::new();
    let mut positions = Vec::new();
    for (carer, body) in carers.iter().zip(&answers) {
        assert!(body["errors"].is_null(), "{body}");
        let booking = &body["data"]["bookTrainingPlace"]["booking"];
        match booking["state"].as_str().unwrap() {
            "BOOKED" => booked.push((carer, booking["id"].as_str().unwrap().to_string())),
            "WAITLISTED" => positions.push((booking["waitlistPosition"].as_i64().unwrap(), carer)),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(booked.len(), 20);
    positions.sort();
    let numbers: Vec<i64> = positions.iter().map(|(p, _)| *p).collect();
    assert_eq!(numbers, (1..=480).collect::<Vec<i64>>());

    let cancelled = join_all(
        booked
            .iter()
            .map(|(carer, id)| t::step(&app, carer, "cancelTrainingBooking", id)),
    )
    .await;
    assert!(
        cancelled.iter().all(|b| b["errors"].is_null()),
        "{cancelled:?}"
    );
    let mut offered = Vec::new();
    for (position, carer) in &positions {
        let mine = t::my_bookings(&app, carer).await;
        if mine[0]["state"] == "OFFERED" {
            offered.push(*position);
        }
        if *position > 40 {
            break;
        }
    }
    assert_eq!(offered, (1..=20).collect::<Vec<i64>>());
    app.stop().await;
}
