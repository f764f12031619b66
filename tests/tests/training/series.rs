//! Peer-group series: a rule that generates one session per occurrence
//! at the same local time (across the clocks changing), bounded, created
//! by the provider's coordinators only; each occurrence books as any
//! session does, and an occurrence is generated once.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc, Weekday};
use closeknit_tests::{
    TestApp, global_id,
    training::{self as t, COORDINATOR},
    uuid_of,
};
use serde_json::{Value, json};

const SERIES: &str = "id rrule timeZone firstStartsAtLocal firstStartsAt course { id } \
    occurrences(first: 100) { nodes { id startsAt endsAt occurrenceStartsAt bookingOpensAt \
    bookingClosesAt capacity online series { id } } pageInfo { hasNextPage } }";

/// The next Tuesday at least a week away, as a local date-time (18:00).
fn next_tuesday() -> chrono::NaiveDateTime {
    let mut day = (Utc::now() + Duration::days(7)).date_naive();
    while day.weekday() != Weekday::Tue {
        day = day.succ_opt().unwrap();
    }
    day.and_time(NaiveTime::from_hms_opt(18, 0, 0).unwrap())
}

fn input(course: &str, facilitator: &str, rrule: &str, first: chrono::NaiveDateTime) -> Value {
    json!({
        "courseId": course,
        "rrule": rrule,
        "firstStartsAt": first.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "timeZone": "Europe/London",
        "durationMinutes": 90,
        "capacity": 2,
        "facilitatorId": facilitator,
        "onlineLink": "https://meet.example/peer-group",
        "bookingOpensDaysBefore": 30,
        "bookingClosesHoursBefore": 2,
    })
}

/// A carers' course, its coordinator's token and a facilitator.
async fn setup(app: &TestApp) -> (String, String, String) {
    let coordinator = app.staff_token(COORDINATOR).await;
    let (_, facilitator) = t::facilitator(app).await;
    let course = t::course(app, &coordinator, &["KINSHIP_CARERS"], 12).await;
    (coordinator, course, facilitator)
}

fn starts(series: &Value) -> Vec<DateTime<Utc>> {
    series["occurrences"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["startsAt"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_series_generates_its_occurrences_at_the_same_local_time() {
    let app = TestApp::spawn().await;
    let (coordinator, course, facilitator) = setup(&app).await;
    let first = next_tuesday();
    let done = t::ok(
        &app,
        &coordinator,
        "createTrainingSeries",
        input(
            &course,
            &facilitator,
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12",
            first,
        ),
        &format!("series {{ {SERIES} }}"),
    )
    .await;
    let series = &done["series"];
    assert_eq!(series["course"]["id"], course.as_str());
    let at = starts(series);
    assert_eq!(at.len(), 12, "{series}");
    let london = chrono_tz::Europe::London;
    for (i, (start, node)) in at
        .iter()
        .zip(series["occurrences"]["nodes"].as_array().unwrap())
        .enumerate()
    {
        let local = start.with_timezone(&london);
        assert_eq!((local.hour(), local.minute()), (18, 0), "occurrence {i}");
        assert_eq!(
            local.date_naive(),
            first.date() + Duration::days(14 * i as i64)
        );
        assert_eq!(node["occurrenceStartsAt"], node["startsAt"]);
        assert_eq!(node["series"]["id"], series["id"]);
        assert_eq!(node["capacity"], 2);
        let ends: DateTime<Utc> = node["endsAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(ends - *start, Duration::minutes(90));
        let closes: DateTime<Utc> = node["bookingClosesAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(*start - closes, Duration::hours(2));
    }
    // Also through `node`.
    let (_, body) = app
        .graphql_as(
            &coordinator,
            "query($id: ID!) { node(id: $id) { ... on TrainingSeries { rrule occurrences { nodes { id } } } } }",
            json!({"id": series["id"]}),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["rrule"], "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12",
        "{body}"
    );
}

#[tokio::test]
async fn a_group_at_six_in_london_stays_at_six_across_the_clocks_changing() {
    let app = TestApp::spawn().await;
    let (coordinator, course, facilitator) = setup(&app).await;
    // The Sunday before the last Sunday of October (clocks go back) in a
    // year ahead: a weekly Sunday group either side of the change.
    let year = Utc::now().year() + 1;
    let mut last = chrono::NaiveDate::from_ymd_opt(year, 10, 31).unwrap();
    while last.weekday() != Weekday::Sun {
        last = last.pred_opt().unwrap();
    }
    let first = (last - Duration::days(7)).and_time(NaiveTime::from_hms_opt(18, 0, 0).unwrap());
    let done = t::ok(
        &app,
        &coordinator,
        "createTrainingSeries",
        input(&course, &facilitator, "FREQ=WEEKLY;COUNT=3", first),
        &format!("series {{ {SERIES} }}"),
    )
    .await;
    let at = starts(&done["series"]);
    // 18:00 BST is 17:00 UTC; after the change 18:00 GMT is 18:00 UTC.
    assert_eq!(
        at.iter().map(|a| a.hour()).collect::<Vec<_>>(),
        vec![17, 18, 18]
    );
    assert_eq!(at[1] - at[0], Duration::hours(7 * 24 + 1));
    assert_eq!(
        done["series"]["firstStartsAtLocal"],
        first.format("%Y-%m-%dT%H:%M:%S").to_string()
    );
}

#[tokio::test]
async fn unbounded_oversized_and_malformed_rules_are_refused() {
    let app = TestApp::spawn().await;
    let (coordinator, course, facilitator) = setup(&app).await;
    for rule in [
        "FREQ=WEEKLY;BYDAY=TU",
        "FREQ=DAILY;COUNT=101",
        "FREQ=HOURLY;COUNT=5",
        "FREQ=FORTNIGHTLY;COUNT=5",
        "DTSTART:20270302T180000Z\nRRULE:FREQ=WEEKLY;COUNT=5",
        "FREQ=WEEKLY;COUNT=5;TZID=Europe/London",
    ] {
        let body = app
            .mutate(
                &coordinator,
                "createTrainingSeries",
                input(&course, &facilitator, rule, next_tuesday()),
                "series { id }",
            )
            .await;
        assert_eq!(t::code(&body).0, "BAD_USER_INPUT", "{rule}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "input.rrule",
            "{rule}: {body}"
        );
    }
    // The session rules apply to every sitting, named as for a session.
    let mut bad = input(&course, &facilitator, "FREQ=WEEKLY;COUNT=2", next_tuesday());
    bad["capacity"] = json!(0);
    let body = app
        .mutate(&coordinator, "createTrainingSeries", bad, "series { id }")
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.capacity",
        "{body}"
    );
    let past = (Utc::now() - Duration::days(1))
        .naive_utc()
        .with_nanosecond(0)
        .unwrap();
    let body = app
        .mutate(
            &coordinator,
            "createTrainingSeries",
            input(&course, &facilitator, "FREQ=WEEKLY;COUNT=2", past),
            "series { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.firstStartsAt",
        "{body}"
    );
    // A rule of 100 is accepted.
    let done = t::ok(
        &app,
        &coordinator,
        "createTrainingSeries",
        input(
            &course,
            &facilitator,
            "FREQ=DAILY;COUNT=100",
            next_tuesday(),
        ),
        "series { occurrences(first: 100) { nodes { id } pageInfo { hasNextPage } } }",
    )
    .await;
    let occurrences = &done["series"]["occurrences"];
    assert_eq!(occurrences["nodes"].as_array().unwrap().len(), 100);
    assert_eq!(occurrences["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn only_the_providers_coordinators_create_series() {
    let app = TestApp::spawn().await;
    let (_, course, facilitator) = setup(&app).await;
    let carer = t::carers(&app, "Northmoor Children's Services", 1)
        .await
        .remove(0);
    let body = app
        .mutate(
            &carer,
            "createTrainingSeries",
            input(&course, &facilitator, "FREQ=WEEKLY;COUNT=2", next_tuesday()),
            "series { id }",
        )
        .await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    let missing = global_id("TrainingCourse", uuid::Uuid::now_v7());
    let coordinator = app.staff_token(COORDINATOR).await;
    let body = app
        .mutate(
            &coordinator,
            "createTrainingSeries",
            input(
                &missing,
                &facilitator,
                "FREQ=WEEKLY;COUNT=2",
                next_tuesday(),
            ),
            "series { id }",
        )
        .await;
    assert_eq!(t::code(&body).0, "NOT_FOUND", "{body}");
    // A coordinator's facilitator must be one of the provider's.
    let not_one = global_id("Person", app.person_id(COORDINATOR).await);
    let body = app
        .mutate(
            &coordinator,
            "createTrainingSeries",
            input(&course, &not_one, "FREQ=WEEKLY;COUNT=2", next_tuesday()),
            "series { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.facilitatorId",
        "{body}"
    );
}

#[tokio::test]
async fn an_occurrence_books_like_any_session_and_is_generated_once() {
    let app = TestApp::spawn().await;
    let (coordinator, course, facilitator) = setup(&app).await;
    let mut create = input(&course, &facilitator, "FREQ=WEEKLY;COUNT=3", next_tuesday());
    create["clientMutationId"] = json!("series-once");
    let done = t::ok(
        &app,
        &coordinator,
        "createTrainingSeries",
        create.clone(),
        &format!("series {{ {SERIES} }}"),
    )
    .await;
    let series = &done["series"];
    // The same clientMutationId replays: no second set of sessions.
    let again = t::ok(
        &app,
        &coordinator,
        "createTrainingSeries",
        create,
        "series { id }",
    )
    .await;
    assert_eq!(again["series"]["id"], series["id"]);
    let occurrence = series["occurrences"]["nodes"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let carers = t::carers(&app, "Northmoor Children's Services", 3).await;
    let states: Vec<String> = {
        let mut out = Vec::new();
        for carer in &carers {
            let body = t::book(&app, carer, &occurrence).await;
            assert!(body["errors"].is_null(), "{body}");
            out.push(
                body["data"]["bookTrainingPlace"]["booking"]["state"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        out
    };
    assert_eq!(states, ["BOOKED", "BOOKED", "WAITLISTED"]);
    // The catalogue lists it as any session, with its series.
    let (_, body) = app
        .graphql_as(
            &carers[0],
            "query($id: ID!) { node(id: $id) { ... on TrainingSession { placesLeft waitingListLength series { id rrule } } } }",
            json!({"id": occurrence}),
        )
        .await;
    assert_eq!(body["data"]["node"]["placesLeft"], 0, "{body}");
    assert_eq!(body["data"]["node"]["series"]["id"], series["id"], "{body}");
    // An occurrence is one session: the database refuses a second row for
    // the same series and occurrence start.
    let series_id = uuid_of(series["id"].as_str().unwrap());
    let session_id = uuid_of(&occurrence);
    let copy = closeknit::db::raw::exec(
            &app.db,
            "INSERT INTO training_sessions (id, course_id, starts_at, ends_at, time_zone, \
             online_link, venue, capacity, facilitator_person_id, booking_opens_at, \
             booking_closes_at, state, places_taken, waitlist_seq, version, created_at, \
             updated_at, series_id, occurrence_starts_at) SELECT $1, course_id, starts_at, \
             ends_at, time_zone, online_link, venue, capacity, facilitator_person_id, \
             booking_opens_at, booking_closes_at, state, 0, 0, 1, created_at, updated_at, \
             series_id, occurrence_starts_at FROM training_sessions WHERE id = $2 AND series_id = $3",
            vec![uuid::Uuid::now_v7().into(), session_id.into(), series_id.into()],
        )
        .await;
    assert!(
        copy.is_err(),
        "a second row for one occurrence was accepted"
    );
}

#[tokio::test]
async fn one_occurrence_is_moved_or_cancelled_alone_and_keeps_its_place_in_the_series() {
    let app = TestApp::spawn().await;
    let (coordinator, course, facilitator) = setup(&app).await;
    let create = input(&course, &facilitator, "FREQ=WEEKLY;COUNT=3", next_tuesday());
    let done = t::ok(
        &app,
        &coordinator,
        "createTrainingSeries",
        create,
        &format!("series {{ {SERIES} }}"),
    )
    .await;
    let before = &done["series"]["occurrences"]["nodes"];
    let (second, third) = (before[1].clone(), before[2].clone());
    // The second sitting moves an hour later; the third is cancelled.
    let later: DateTime<Utc> = second["startsAt"].as_str().unwrap().parse().unwrap();
    let later = later + Duration::hours(1);
    t::ok(
        &app,
        &coordinator,
        "updateTrainingSession",
        json!({"sessionId": second["id"], "expectedVersion": 1,
            "startsAt": later.to_rfc3339(), "endsAt": (later + Duration::minutes(90)).to_rfc3339()}),
        "session { id }",
    )
    .await;
    t::ok(
        &app,
        &coordinator,
        "cancelTrainingSession",
        json!({"sessionId": third["id"], "expectedVersion": 1, "reason": "A bank holiday."}),
        "session { id }",
    )
    .await;
    let (_, body) = app
        .graphql_as(
            &coordinator,
            &format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on TrainingSeries {{ {SERIES} }} }} }}"
            ),
            json!({"id": done["series"]["id"]}),
        )
        .await;
    let after = &body["data"]["node"]["occurrences"]["nodes"];
    assert_eq!(after.as_array().map(Vec::len), Some(3), "{body}");
    // The first is untouched; the second starts later but is still the
    // series' second occurrence (its RECURRENCE-ID, as calendars know it).
    assert_eq!(after[0], before[0], "{body}");
    let moved = after
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == second["id"])
        .unwrap();
    let moved_start: DateTime<Utc> = moved["startsAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(moved_start, later);
    assert_eq!(moved["occurrenceStartsAt"], second["occurrenceStartsAt"]);
    let (_, body) = app
        .graphql_as(
            &coordinator,
            "query($id: ID!) { node(id: $id) { ... on TrainingSession { state occurrenceStartsAt } } }",
            json!({"id": third["id"]}),
        )
        .await;
    assert_eq!(body["data"]["node"]["state"], "CANCELLED", "{body}");
    assert_eq!(
        body["data"]["node"]["occurrenceStartsAt"],
        third["occurrenceStartsAt"]
    );
    app.stop().await;
}
