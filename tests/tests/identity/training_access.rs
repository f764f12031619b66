//! Every training operation (and training records by `node`) as every
//! demo role and anonymously, over real HTTP on both databases: carers in
//! a course's audience see and book it, a booking is its owner's, the
//! provider's coordinators manage and run its sessions, a facilitator
//! runs the sessions they facilitate, and no one else learns more than
//! the catalogue shows (a course is public: changing one is FORBIDDEN,
//! not NOT_FOUND). A training root field without a row fails.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::HashMap;

use closeknit_tests::{
    TestApp, global_id,
    training::{self, COORDINATOR, PROVIDER, Plan},
};
use serde_json::{Value, json};

use super::matrix::{
    ANONYMOUS, FORB, LISTED, NF, NULL, OK, UNAUTH, UNLISTED, assert_covered, input, outcome, send,
    token, tokens,
};

/// The accounts of the training matrix, in its columns' order.
const ACCOUNTS: [&str; 11] = [
    "young.person@northmoor.example",
    "kinship.carer@northmoor.example",
    "kinship.carer@eastbrook.example",
    "key.worker@northmoor.example",
    "la.manager@northmoor.example",
    "advocate@brightvoice.example",
    COORDINATOR,
    FACILITATOR,
    "facilitator.two@kinshiplearning.example",
    "admin@closeknit.example",
    ANONYMOUS,
];

/// The demo facilitator every target session is run by.
const FACILITATOR: &str = "facilitator@kinshiplearning.example";

/// What a training operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum On {
    Nothing,
    /// A kinship carers' course of the demo provider.
    Course,
    /// A session of that course, facilitated by [`FACILITATOR`], open to
    /// every authority, with places.
    Session,
    /// Northmoor's kinship carer's booked place on such a session.
    Booking,
    /// A place offered to Northmoor's kinship carer (freed by Eastbrook's).
    Offer,
    /// Northmoor's kinship carer waiting second for a full session (after
    /// Northmoor's second carer).
    Waiting,
    /// A new app (an API client with `training:book`).
    App,
    /// A new app Northmoor's kinship carer has let book for them.
    Consented,
}

/// What the variables of a training operation are made from.
#[derive(Default, Clone)]
struct Ids {
    /// The booking, session or course acted on.
    target: String,
    /// The session of the target (the target itself for a session).
    session: String,
    /// Another session of the target's course (for a booking).
    other_session: String,
    /// The carer's consent (for an app they consented to).
    consent: String,
    provider: String,
    facilitator: String,
}

struct TrainingOp {
    label: &'static str,
    on: On,
    document: &'static str,
    variables: fn(&Ids) -> Value,
    expect: [&'static str; 11],
}

const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

fn course_fields() -> Value {
    json!({"title": "Life story work", "description": "Helping a child understand their story.",
        "audience": ["KINSHIP_CARERS"], "cancellationCutoffHours": 24})
}

#[rustfmt::skip]
fn training_ops() -> Vec<TrainingOp> {
    use On::*;
    let op = |label, on, document, variables, expect| TrainingOp { label, on, document, variables, expect };
    // Columns: young person, Northmoor kinship carer, Eastbrook kinship
    // carer, key worker, Northmoor manager, advocate, training
    // coordinator, facilitator, facilitator two, admin, anonymous.
    vec![
        op("trainingSessions", Session, "{ trainingSessions(first: 100) { edges { node { id } } } }", |_| json!({}),
            [UNLISTED, LISTED, LISTED, UNLISTED, UNLISTED, UNLISTED, LISTED, LISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("node/session", Session, NODE, |i| json!({"id": i.target}),
            [NULL, OK, OK, NULL, NULL, NULL, OK, OK, NULL, NULL, NULL]),
        op("node/course", Course, NODE, |i| json!({"id": i.target}),
            [OK, OK, OK, NULL, NULL, NULL, OK, OK, OK, NULL, NULL]),
        op("node/booking", Booking, NODE, |i| json!({"id": i.target}),
            [NULL, OK, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]),
        op("myTrainingBookings", Booking, "{ myTrainingBookings(first: 100) { edges { node { id } } } }", |_| json!({}),
            [UNLISTED, LISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("trainingSessionRegister", Booking, "query($s: ID!) { trainingSessionRegister(sessionId: $s, first: 100) { edges { node { id } } } }", |i| json!({"s": i.session}),
            [FORB, FORB, FORB, FORB, FORB, FORB, LISTED, LISTED, FORB, FORB, UNAUTH]),
        op("createTrainingCourse", Nothing, "createTrainingCourse", |i| input(json!({"providerId": i.provider, "course": course_fields()})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("updateTrainingCourse", Course, "updateTrainingCourse", |i| input(json!({"courseId": i.target, "course": course_fields()})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("scheduleTrainingSession", Course, "scheduleTrainingSession", |i| input(training::session_input(&i.target, &i.facilitator, &Plan::places(5))),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("bookTrainingPlace", Session, "bookTrainingPlace", |i| input(json!({"sessionId": i.target})),
            [FORB, OK, OK, FORB, FORB, FORB, FORB, FORB, FORB, FORB, UNAUTH]),
        op("cancelTrainingBooking", Booking, "cancelTrainingBooking", |i| input(json!({"bookingId": i.target})),
            [NF, OK, NF, NF, NF, NF, NF, NF, NF, NF, UNAUTH]),
        op("acceptTrainingOffer", Offer, "acceptTrainingOffer", |i| input(json!({"bookingId": i.target})),
            [NF, OK, NF, NF, NF, NF, NF, NF, NF, NF, UNAUTH]),
        op("declineTrainingOffer", Offer, "declineTrainingOffer", |i| input(json!({"bookingId": i.target})),
            [NF, OK, NF, NF, NF, NF, NF, NF, NF, NF, UNAUTH]),
        op("trainingSessionRegisterCsv", Booking, "query($s: ID!) { trainingSessionRegisterCsv(sessionId: $s) }", |i| json!({"s": i.session}),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, OK, FORB, FORB, UNAUTH]),
        op("trainingSessionsToRun", Session, "{ trainingSessionsToRun(first: 100, from: \"2026-01-01T00:00:00Z\") { edges { node { id } } } }", |_| json!({}),
            [UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, LISTED, LISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("updateTrainingSession", Session, "updateTrainingSession", |i| input(json!({"sessionId": i.target, "expectedVersion": 1, "venue": "Eastbrook Library, Room 2"})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("cancelTrainingSession", Session, "cancelTrainingSession", |i| input(json!({"sessionId": i.target, "expectedVersion": 1, "reason": "The facilitator is unwell."})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("changeTrainingSessionCapacity", Session, "changeTrainingSessionCapacity", |i| input(json!({"sessionId": i.target, "expectedVersion": 1, "capacity": 8})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("moveUpTrainingWaitingList", Waiting, "moveUpTrainingWaitingList", |i| input(json!({"bookingId": i.target, "toPosition": 1, "reason": "A child's placement depends on it."})),
            [NF, FORB, NF, NF, NF, NF, OK, FORB, NF, NF, UNAUTH]),
        op("moveTrainingBooking", Booking, "moveTrainingBooking", |i| input(json!({"bookingId": i.target, "toSessionId": i.other_session})),
            [NF, OK, NF, NF, NF, NF, OK, FORB, NF, NF, UNAUTH]),
        op("createTrainingSeries", Course, "createTrainingSeries", |i| input(json!({"courseId": i.target,
                "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3", "firstStartsAt": "2027-03-02T18:00:00",
                "timeZone": "Europe/London", "durationMinutes": 90, "capacity": 10, "facilitatorId": i.facilitator,
                "onlineLink": "https://meet.example/group", "bookingOpensDaysBefore": 60, "bookingClosesHoursBefore": 2})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, UNAUTH]),
        op("myTrainingBookingConsents", Consented, "{ myTrainingBookingConsents { clientId } }", |_| json!({}),
            [UNLISTED, LISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("node/consent", Consented, NODE, |i| json!({"id": i.consent}),
            [NULL, OK, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]),
        op("grantTrainingBookingConsent", App, "grantTrainingBookingConsent", |i| input(json!({"clientId": i.target})),
            [OK, OK, OK, FORB, FORB, FORB, FORB, FORB, FORB, FORB, UNAUTH]),
        op("revokeTrainingBookingConsent", Consented, "revokeTrainingBookingConsent", |i| input(json!({"clientId": i.target})),
            [NF, OK, NF, FORB, FORB, FORB, FORB, FORB, FORB, FORB, UNAUTH]),
        op("markTrainingAttendance", Booking, "markTrainingAttendance", |i| input(json!({"sessionId": i.session, "marks": [{"bookingId": i.target, "attendance": "EXCUSED"}]})),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, OK, FORB, FORB, UNAUTH]),
    ]
}

/// The tokens that set targets up.
struct Actors {
    coordinator: String,
    carer: String,
    other_carer: String,
    /// Northmoor's second kinship carer.
    second_carer: String,
}

/// A new target of kind `on` (with its session) in `ids`.
async fn new_target(app: &TestApp, a: &Actors, on: On, ids: &Ids) -> Ids {
    let course = || training::course(app, &a.coordinator, &["KINSHIP_CARERS"], 24);
    let session = |course: String, places| {
        let (coordinator, facilitator) = (&a.coordinator, &ids.facilitator);
        async move {
            let plan = Plan::places(places);
            training::session(app, coordinator, &course, facilitator, &plan).await
        }
    };
    let mut made = ids.clone();
    match on {
        On::Nothing => {}
        On::Course => made.target = course().await,
        On::Session => {
            made.session = session(course().await, 5).await;
            made.target = made.session.clone();
        }
        On::Booking => {
            let course = course().await;
            made.session = session(course.clone(), 5).await;
            made.other_session = session(course, 5).await;
            let booked = training::book(app, &a.carer, &made.session).await;
            let booking = &booked["data"]["bookTrainingPlace"]["booking"];
            assert_eq!(booking["state"], "BOOKED", "{booked}");
            made.target = booking["id"].as_str().unwrap().to_string();
        }
        On::Offer => {
            made.session = session(course().await, 1).await;
            made.target = training::offered(app, &made.session, &a.other_carer, &a.carer).await;
        }
        On::Waiting => {
            made.session = session(course().await, 1).await;
            for token in [&a.other_carer, &a.second_carer, &a.carer] {
                let booked = training::book(app, token, &made.session).await;
                made.target = booked["data"]["bookTrainingPlace"]["booking"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{booked}"))
                    .to_string();
            }
        }
        On::App => made.target = training::app_client(app, json!(["TRAINING_BOOK"])).await.0,
        On::Consented => {
            made.target = training::app_client(app, json!(["TRAINING_BOOK"])).await.0;
            let body = app
                .mutate(
                    &a.carer,
                    "grantTrainingBookingConsent",
                    json!({"clientId": made.target}),
                    "consent { id }",
                )
                .await;
            made.consent = body["data"]["grantTrainingBookingConsent"]["consent"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_string();
        }
    }
    made
}

#[tokio::test]
async fn training_operations_follow_the_policy_for_every_role() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let ops = training_ops();
    assert_covered("training", ops.iter().map(|op| op.label));
    let tokens = tokens(&app, &smtp, &ACCOUNTS).await;
    let actors = Actors {
        coordinator: tokens[6].clone(),
        carer: tokens[1].clone(),
        other_carer: tokens[2].clone(),
        second_carer: token(&app, &smtp, "kinship.carer.two@northmoor.example").await,
    };
    let base = Ids {
        provider: global_id("Organisation", training::organisation(&app, PROVIDER).await),
        facilitator: global_id("Person", app.person_id(FACILITATOR).await),
        ..Ids::default()
    };
    let mut shared: HashMap<On, Ids> = HashMap::new();
    let mut failures = Vec::new();
    for op in &ops {
        let name = op.label.split('/').next().unwrap();
        for ((email, token), want) in ACCOUNTS.iter().zip(&tokens).zip(op.expect) {
            // A change that should be allowed gets a target of its own.
            let mutation = !op.document.contains('{');
            let ids = if mutation && want == OK {
                new_target(&app, &actors, op.on, &base).await
            } else {
                match shared.get(&op.on) {
                    Some(ids) => ids.clone(),
                    None => {
                        let ids = new_target(&app, &actors, op.on, &base).await;
                        shared.insert(op.on, ids.clone());
                        ids
                    }
                }
            };
            let body = send(&app, token, op.label, op.document, (op.variables)(&ids)).await;
            let got = outcome(&body, name, &ids.target);
            if got != want {
                failures.push(format!(
                    "{}: {email}: {got}, expected {want}: {body}",
                    op.label
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
