//! Running sessions: changing, cancelling and resizing a session, moving
//! people up its waiting list and to another session; each rule and each
//! refusal.

use chrono::{Duration, Utc};
use closeknit_tests::{
    TestApp, beyond_api, global_id,
    staying_close::uuid_in,
    training::{self as t, COORDINATOR, Plan, bad, conflict},
};
use serde_json::{Value, json};

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";
const SESSION: &str = "session { id state version capacity placesLeft startsAt venue online }";

#[tokio::test]
async fn a_new_time_or_place_tells_those_holding_places_and_updates_their_calendar() {
    let app = TestApp::spawn().await;
    let (session, coordinator, facilitator) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 2).await;
    let ids = t::book_all(&app, &carers, &session).await;
    let version = t::version(&app, &coordinator, &session).await;
    let starts = Utc::now() + Duration::days(12);
    let change = json!({"sessionId": session, "expectedVersion": version,
        "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
        "venue": "Northmoor Library, Market Square"});
    let update = |token: &str, input: Value| {
        let token = token.to_string();
        let app = &app;
        async move {
            app.mutate(&token, "updateTrainingSession", input, SESSION)
                .await
        }
    };
    // Refused: a stale version, someone who does not coordinate it, a
    // session that would end before it starts, a facilitator who is not.
    let mut stale = change.clone();
    stale["expectedVersion"] = json!(version + 1);
    let body = update(&coordinator, stale).await;
    assert_eq!(
        body["errors"][0]["extensions"]["details"]["currentVersion"], version,
        "{body}"
    );
    for token in [&facilitator, &carers[0]] {
        let body = update(token, change.clone()).await;
        assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    }
    let mut backwards = change.clone();
    backwards["endsAt"] = json!((starts - Duration::hours(1)).to_rfc3339());
    assert_eq!(
        t::field(&update(&coordinator, backwards).await),
        bad("input.endsAt")
    );
    let mut not_facilitator = change.clone();
    not_facilitator["facilitatorId"] = json!(global_id("Person", app.person_id(COORDINATOR).await));
    assert_eq!(
        t::field(&update(&coordinator, not_facilitator).await),
        bad("input.facilitatorId")
    );
    // Changed: the place and time move; the booked person is told once
    // with the new time in the session's zone, their calendar sequence
    // rises; the person waiting is neither.
    let body = update(&coordinator, change.clone()).await;
    let changed = &body["data"]["updateTrainingSession"]["session"];
    assert_eq!(
        changed["venue"], "Northmoor Library, Market Square",
        "{body}"
    );
    assert_eq!(changed["online"], false);
    assert_eq!(changed["version"], version + 1);
    let title = "Your training session has changed";
    assert_eq!(t::told(&app, &carers[0], &ids[0], title).await, 1);
    assert_eq!(t::told(&app, &carers[1], &ids[1], title).await, 0);
    let local = starts
        .with_timezone(&chrono_tz::Europe::London)
        .format("%A %-d %B %Y at %H:%M")
        .to_string();
    let body = t::notice_body(&app, &carers[0], title).await;
    assert!(
        body.contains(&local) && body.contains("Northmoor Library"),
        "{body}"
    );
    assert_eq!(t::calendar(&app, &ids[0]).await.0, 1);
    assert_eq!(t::calendar(&app, &ids[1]).await.0, 0);
    // Only the booking window: nobody's calendar changes.
    let window = json!({"sessionId": session, "expectedVersion": version + 1,
        "bookingClosesAt": (starts - Duration::hours(3)).to_rfc3339()});
    let body = update(&coordinator, window).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(t::calendar(&app, &ids[0]).await.0, 1);
    assert_eq!(t::told(&app, &carers[0], &ids[0], title).await, 1);
    // Once started, it cannot change.
    beyond_api::start_training_session(&app.db, uuid_in(&session)).await;
    let late = json!({"sessionId": session, "expectedVersion": version + 2, "venue": "Hall"});
    assert_eq!(
        t::code(&update(&coordinator, late).await),
        conflict("SESSION_STARTED")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_earlier_start_brings_open_offers_forward_and_tells_those_offered() {
    let app = TestApp::spawn().await;
    let (session, coordinator, _) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 2).await;
    let ids = t::book_all(&app, &carers, &session).await;
    t::step(&app, &carers[0], "cancelTrainingBooking", &ids[0]).await;
    let starts = Utc::now() + Duration::hours(50);
    let version = t::version(&app, &coordinator, &session).await;
    let body = app
        .mutate(
            &coordinator,
            "updateTrainingSession",
            json!({"sessionId": session, "expectedVersion": version,
                "startsAt": starts.to_rfc3339(),
                "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
                "bookingClosesAt": (starts - Duration::hours(1)).to_rfc3339()}),
            SESSION,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let offer = t::mine(&app, &carers[1], &ids[1]).await;
    assert_eq!(offer["state"], "OFFERED");
    let until: chrono::DateTime<Utc> = offer["offeredUntil"].as_str().unwrap().parse().unwrap();
    assert!(until <= starts - Duration::hours(24), "{offer}");
    let title = "Your training session has changed";
    assert_eq!(t::told(&app, &carers[1], &ids[1], title).await, 1);
    assert_eq!(t::calendar(&app, &ids[1]).await.0, 1);
    assert_eq!(
        t::calendar(&app, &ids[0]).await.0,
        1,
        "raised once, when it was cancelled (not again)"
    );
    app.stop().await;
}

#[tokio::test]
async fn cancelling_a_session_calls_everyone_off_once_and_frees_its_places() {
    let app = TestApp::spawn().await;
    let (session, coordinator, facilitator) = t::carers_session(&app, 2, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 4).await;
    let ids = t::book_all(&app, &carers, &session).await;
    // carers[1] cancels: carers[2] is offered the place; carers[3] waits.
    t::step(&app, &carers[1], "cancelTrainingBooking", &ids[1]).await;
    assert_eq!(t::mine(&app, &carers[2], &ids[2]).await["state"], "OFFERED");
    let version = t::version(&app, &coordinator, &session).await;
    let cancel = |token: &str, reason: &str, key: &str| {
        let input = json!({"sessionId": session, "expectedVersion": version,
            "reason": reason, "clientMutationId": key});
        let token = token.to_string();
        let app = &app;
        async move {
            app.mutate(&token, "cancelTrainingSession", input, SESSION)
                .await
        }
    };
    assert_eq!(
        t::field(&cancel(&coordinator, "  ", "a").await),
        bad("input.reason")
    );
    let refused = cancel(&facilitator, "The facilitator is ill.", "b").await;
    assert_eq!(t::code(&refused).0, "FORBIDDEN", "{refused}");
    let body = cancel(&coordinator, "The facilitator is ill.", "c").await;
    let cancelled = &body["data"]["cancelTrainingSession"]["session"];
    assert_eq!(cancelled["state"], "CANCELLED", "{body}");
    assert_eq!(cancelled["placesLeft"], 2, "every place is released");
    // The same key replays the result.
    let again = cancel(&coordinator, "The facilitator is ill.", "c").await;
    assert!(again["errors"].is_null(), "{again}");
    let title = "A training session is cancelled";
    // A calendar entry's sequence rises for a place that was booked (the
    // one cancelled earlier rose then), not for an offer or a wait.
    for (i, (state, told, sequence)) in [
        ("CALLED_OFF", 1, 1),
        ("CANCELLED", 0, 1),
        ("CALLED_OFF", 1, 0),
        ("CALLED_OFF", 1, 0),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            t::mine(&app, &carers[i], &ids[i]).await["state"],
            state,
            "carer {i}"
        );
        assert_eq!(
            t::told(&app, &carers[i], &ids[i], title).await,
            told,
            "carer {i}"
        );
        assert_eq!(t::calendar(&app, &ids[i]).await.0, sequence, "carer {i}");
    }
    assert_eq!(
        t::audited(&app, "training.session.cancel", "TrainingBooking").await,
        3,
        "each person called off"
    );
    assert!(
        t::notice_body(&app, &carers[0], title)
            .await
            .contains("The facilitator is ill.")
    );
    // Twice: refused, as are booking, changing and marking it.
    let version = t::version(&app, &coordinator, &session).await;
    let twice = app
        .mutate(
            &coordinator,
            "cancelTrainingSession",
            json!({"sessionId": session, "expectedVersion": version, "reason": "Again."}),
            SESSION,
        )
        .await;
    assert_eq!(t::code(&twice), conflict("SESSION_CANCELLED"));
    let newcomer = &t::carers(&app, NORTHMOOR_TEAM, 1).await[0];
    assert_eq!(
        t::code(&t::book(&app, newcomer, &session).await),
        conflict("SESSION_CANCELLED")
    );
    let capacity = app
        .mutate(
            &coordinator,
            "changeTrainingSessionCapacity",
            json!({"sessionId": session, "expectedVersion": version, "capacity": 5}),
            SESSION,
        )
        .await;
    assert_eq!(t::code(&capacity), conflict("SESSION_CANCELLED"));
    let marks = app
        .mutate(
            &coordinator,
            "markTrainingAttendance",
            json!({"sessionId": session, "marks": [{"bookingId": ids[0], "attendance": "EXCUSED"}]}),
            "session { id }",
        )
        .await;
    assert_eq!(t::code(&marks), conflict("SESSION_CANCELLED"));
    app.stop().await;
}

#[tokio::test]
async fn capacity_raised_offers_in_order_and_lowered_keeps_every_booking() {
    let app = TestApp::spawn().await;
    let (session, coordinator, _) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 4).await;
    let ids = t::book_all(&app, &carers, &session).await;
    let resize = |capacity: i32, version: i64, token: String| {
        let input = json!({"sessionId": session, "expectedVersion": version, "capacity": capacity});
        let app = &app;
        async move {
            app.mutate(&token, "changeTrainingSessionCapacity", input, SESSION)
                .await
        }
    };
    let version = t::version(&app, &coordinator, &session).await;
    assert_eq!(
        t::field(&resize(0, version, coordinator.clone()).await),
        bad("input.capacity")
    );
    let stale = resize(3, version - 1, coordinator.clone()).await;
    assert_eq!(
        stale["errors"][0]["extensions"]["code"], "CONFLICT",
        "{stale}"
    );
    let forbidden = resize(3, version, carers[0].clone()).await;
    assert_eq!(t::code(&forbidden).0, "FORBIDDEN");
    // Raised to 3: the first two waiting are offered, the third waits.
    let body = resize(3, version, coordinator.clone()).await;
    let raised = &body["data"]["changeTrainingSessionCapacity"]["session"];
    assert_eq!(raised["capacity"], 3, "{body}");
    assert_eq!(raised["placesLeft"], 0);
    for (i, state) in ["BOOKED", "OFFERED", "OFFERED", "WAITLISTED"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            t::mine(&app, &carers[i], &ids[i]).await["state"],
            *state,
            "carer {i}"
        );
    }
    // Lowered to 1: every booking and offer stays; a place given back is
    // not offered while places taken are not below capacity.
    let body = resize(1, version + 1, coordinator.clone()).await;
    assert!(body["errors"].is_null(), "{body}");
    t::step(&app, &carers[0], "cancelTrainingBooking", &ids[0]).await;
    for (i, state) in ["CANCELLED", "OFFERED", "OFFERED", "WAITLISTED"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            t::mine(&app, &carers[i], &ids[i]).await["state"],
            *state,
            "carer {i}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_coordinator_moves_someone_up_the_waiting_list_with_a_reason() {
    let app = TestApp::spawn().await;
    let (session, coordinator, facilitator) = t::carers_session(&app, 1, 24).await;
    let carers = t::carers(&app, NORTHMOOR_TEAM, 5).await;
    let ids = t::book_all(&app, &carers, &session).await;
    let move_up = |token: &str, booking: &str, to: i32, reason: &str| {
        let input = json!({"bookingId": booking, "toPosition": to, "reason": reason});
        let token = token.to_string();
        let app = &app;
        async move {
            app.mutate(
                &token,
                "moveUpTrainingWaitingList",
                input,
                "bookingId waitlistPosition",
            )
            .await
        }
    };
    let reason = "Their placement starts next month and they need this first.";
    // Refused: someone holding a place, a position not ahead of theirs, no
    // reason, the facilitator, and a carer (who may not know of it).
    assert_eq!(
        t::code(&move_up(&coordinator, &ids[0], 1, reason).await),
        conflict("BOOKED")
    );
    for (booking, to) in [(&ids[4], 0), (&ids[4], 4), (&ids[1], 1)] {
        assert_eq!(
            t::field(&move_up(&coordinator, booking, to, reason).await),
            bad("input.toPosition")
        );
    }
    assert_eq!(
        t::field(&move_up(&coordinator, &ids[4], 1, "").await),
        bad("input.reason")
    );
    let body = move_up(&facilitator, &ids[4], 1, reason).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    let body = move_up(&carers[1], &ids[4], 1, reason).await;
    assert_eq!(t::code(&body).0, "NOT_FOUND", "{body}");
    // Moved: the last waiting goes first; the others keep their order.
    let body = move_up(&coordinator, &ids[4], 1, reason).await;
    assert_eq!(
        body["data"]["moveUpTrainingWaitingList"]["waitlistPosition"], 1,
        "{body}"
    );
    let position = |i: usize| {
        let (app, carers, ids) = (&app, &carers, &ids);
        async move { t::mine(app, &carers[i], &ids[i]).await["waitlistPosition"].clone() }
    };
    for (i, p) in [(4, 1), (1, 2), (2, 3), (3, 4)] {
        assert_eq!(position(i).await, p, "carer {i}");
    }
    let rows = closeknit::db::raw::query(
        &app.db,
        "SELECT from_position, to_position, reason FROM training_waitlist_moves \
         WHERE booking_id = $1",
        vec![uuid_in(&ids[4]).into()],
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].try_get::<i32>("", "from_position").unwrap(), 4);
    assert_eq!(rows[0].try_get::<i32>("", "to_position").unwrap(), 1);
    assert_eq!(rows[0].try_get::<String>("", "reason").unwrap(), reason);
    // The freed place goes to whoever is first now; newcomers join last.
    t::step(&app, &carers[0], "cancelTrainingBooking", &ids[0]).await;
    assert_eq!(t::mine(&app, &carers[4], &ids[4]).await["state"], "OFFERED");
    let newcomer = &t::carers(&app, NORTHMOOR_TEAM, 1).await[0];
    let body = t::book(&app, newcomer, &session).await;
    assert_eq!(
        body["data"]["bookTrainingPlace"]["booking"]["waitlistPosition"], 5,
        "{body}"
    );
    // With a gap at the front (position 1 was offered), moving the third
    // waiting to first reuses the numbers still waiting.
    let body = move_up(&coordinator, &ids[3], 1, reason).await;
    assert_eq!(
        body["data"]["moveUpTrainingWaitingList"]["waitlistPosition"], 2,
        "{body}"
    );
    for (i, p) in [(3, 2), (1, 3), (2, 4)] {
        assert_eq!(position(i).await, p, "carer {i}");
    }
    app.stop().await;
}

/// Moves `booking` to `to` as `token`; the whole response.
async fn move_booking(app: &TestApp, token: &str, booking: &str, to: &str) -> Value {
    app.mutate(
        token,
        "moveTrainingBooking",
        json!({"bookingId": booking, "toSessionId": to}),
        "booking { id state accessNeeds session { id } }",
    )
    .await
}

#[tokio::test]
async fn a_place_moves_to_another_session_only_once_the_new_one_is_secured() {
    let app = TestApp::spawn().await;
    let coordinator = app.staff_token(COORDINATOR).await;
    let (_, facilitator) = t::facilitator(&app).await;
    let course = t::course(&app, &coordinator, &["KINSHIP_CARERS"], 24).await;
    let from = t::session(&app, &coordinator, &course, &facilitator, &Plan::places(1)).await;
    let to = t::session(&app, &coordinator, &course, &facilitator, &Plan::places(1)).await;
    let other = t::carers_session(&app, 5, 24).await.0;
    let elsewhere = {
        let mut plan = Plan::places(5);
        plan.open_to = vec![app.local_authority_id("E10099002").await];
        t::session(&app, &coordinator, &course, &facilitator, &plan).await
    };
    let carers = t::carers(&app, NORTHMOOR_TEAM, 4).await;
    let ids = t::book_all(&app, &carers[..2], &from).await;
    let holder = t::booking_id(&t::book(&app, &carers[2], &to).await);
    // The new session is full: refused, and nothing changes.
    let full = move_booking(&app, &carers[0], &ids[0], &to).await;
    assert_eq!(t::code(&full), conflict("SESSION_FULL"));
    assert_eq!(t::mine(&app, &carers[0], &ids[0]).await["state"], "BOOKED");
    assert_eq!(
        t::mine(&app, &carers[1], &ids[1]).await["state"],
        "WAITLISTED"
    );
    // Refused: another course, someone waiting, someone else's booking,
    // a session not open to their authority.
    assert_eq!(
        t::field(&move_booking(&app, &carers[0], &ids[0], &other).await),
        bad("input.toSessionId")
    );
    assert_eq!(
        t::code(&move_booking(&app, &carers[1], &ids[1], &to).await),
        conflict("WAITLISTED")
    );
    assert_eq!(
        t::code(&move_booking(&app, &carers[3], &ids[0], &to).await).0,
        "NOT_FOUND"
    );
    assert_eq!(
        t::code(&move_booking(&app, &carers[0], &ids[0], &elsewhere).await),
        conflict("NOT_OPEN_TO_AUTHORITY")
    );
    // Someone already booked on the other session cannot move there too.
    let roomy = [
        t::session(&app, &coordinator, &course, &facilitator, &Plan::places(5)).await,
        t::session(&app, &coordinator, &course, &facilitator, &Plan::places(5)).await,
    ];
    let first = t::booking_id(&t::book(&app, &carers[3], &roomy[0]).await);
    t::booking_id(&t::book(&app, &carers[3], &roomy[1]).await);
    assert_eq!(
        t::code(&move_booking(&app, &carers[3], &first, &roomy[1]).await),
        conflict("ALREADY_BOOKED")
    );
    // A place frees on the new session: the move goes through.
    t::step(&app, &carers[2], "cancelTrainingBooking", &holder).await;
    let body = move_booking(&app, &carers[0], &ids[0], &to).await;
    let moved = &body["data"]["moveTrainingBooking"]["booking"];
    assert_eq!(moved["state"], "BOOKED", "{body}");
    assert_eq!(moved["session"]["id"], to.as_str());
    assert_eq!(moved["accessNeeds"], "A hearing loop, please.");
    let new_id = moved["id"].as_str().unwrap();
    assert_eq!(t::mine(&app, &carers[0], &ids[0]).await["state"], "MOVED");
    assert_eq!(t::calendar(&app, &ids[0]).await, (1, Some(uuid_in(new_id))));
    // The old place went to the first person waiting there.
    assert_eq!(t::mine(&app, &carers[1], &ids[1]).await["state"], "OFFERED");
    assert_eq!(
        t::told(&app, &carers[0], new_id, "Your training place has moved").await,
        1
    );
    // Moved is not booked: it cannot move again. The coordinator moves
    // the new booking back for them (a place is free there again).
    assert_eq!(
        t::code(&move_booking(&app, &carers[0], &ids[0], &to).await),
        conflict("MOVED")
    );
    t::step(&app, &carers[1], "declineTrainingOffer", &ids[1]).await;
    let back = move_booking(&app, &coordinator, new_id, &from).await;
    assert!(back["errors"].is_null(), "{back}");
    // Once the old session has started, its place stays.
    assert_eq!(t::mine(&app, &carers[0], new_id).await["state"], "MOVED");
    beyond_api::start_training_session(&app.db, uuid_in(&from)).await;
    let bookings = t::my_bookings(&app, &carers[0]).await;
    let live = bookings.iter().find(|b| b["state"] == "BOOKED").unwrap();
    let started = move_booking(&app, &carers[0], live["id"].as_str().unwrap(), &to).await;
    assert_eq!(t::code(&started), conflict("SESSION_STARTED"));
    app.stop().await;
}
