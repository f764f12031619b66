//! Training steps the suite shares: the demo provider's coordinator, a
//! facilitator, courses and sessions made through the API, and many
//! signed-in kinship carers at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use closeknit::identity::{
    model::{Email, Role},
    store::{NewAccount, insert_account, organisation_by_name},
};
use futures::{StreamExt, stream};
use serde_json::{Value, json};

use crate::{TestApp, global_id};

pub const COORDINATOR: &str = "training.coordinator@kinshiplearning.example";
pub const PROVIDER: &str = "Kinship Learning Network";

/// What the suite reads of a session.
pub const SESSION: &str = "id capacity placesLeft waitingListLength online onlineLink venue \
    state startsAt course { id title audience }";
/// What the suite reads of a booking.
pub const BOOKING: &str = "id state waitlistPosition offeredUntil accessNeeds \
    session { id placesLeft waitingListLength onlineLink }";

/// An organisation's id by name.
pub async fn organisation(app: &TestApp, name: &str) -> uuid::Uuid {
    organisation_by_name(&app.db, name)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A new account holding `role` at `organisation`, with the demo staff
/// password; returns (email, person id).
pub async fn account(
    app: &TestApp,
    organisation: &str,
    role: Role,
    n: usize,
) -> (String, uuid::Uuid) {
    let org = self::organisation(app, organisation).await;
    let email = format!(
        "{}.{n}.{}@people.example",
        role.as_str(),
        uuid::Uuid::now_v7().simple()
    );
    let parsed = Email::parse("email", &email).unwrap();
    insert_account(
        &app.db,
        NewAccount {
            given_name: "Test",
            family_name: &format!("Person{n}"),
            email: &parsed,
            password_hash: Some(closeknit::seed::DEMO_STAFF_PASSWORD_HASH.to_string()),
            date_of_birth: None,
            local_authority_id: None,
            roles: &[(role, org)],
        },
    )
    .await
    .unwrap();
    let person = app.person_id(&email).await;
    (email, person)
}

/// A facilitator at the demo provider: (token, `Person` id).
pub async fn facilitator(app: &TestApp) -> (String, String) {
    let (email, person) = account(app, PROVIDER, Role::Facilitator, 0).await;
    (app.staff_token(&email).await, global_id("Person", person))
}

/// `n` kinship carers of `team` (an authority's children's services),
/// signed in a few at a time; their tokens.
pub async fn carers(app: &TestApp, team: &str, n: usize) -> Vec<String> {
    let mut emails = Vec::with_capacity(n);
    for i in 0..n {
        emails.push(account(app, team, Role::KinshipCarer, i).await.0);
    }
    stream::iter(emails)
        .map(|email| async move { app.staff_token(&email).await })
        .buffered(8)
        .collect()
        .await
}

/// Runs `mutation` as `token`, expecting success; returns the payload.
pub async fn ok(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
    selection: &str,
) -> Value {
    let body = app.mutate(token, mutation, input, selection).await;
    assert!(body["errors"].is_null(), "{mutation}: {body}");
    body["data"][mutation].clone()
}

/// A course for `audience` with a cut-off of `cutoff` hours; its id.
pub async fn course(app: &TestApp, coordinator: &str, audience: &[&str], cutoff: i32) -> String {
    let provider = global_id("Organisation", organisation(app, PROVIDER).await);
    let done = ok(
        app,
        coordinator,
        "createTrainingCourse",
        json!({"providerId": provider, "course": {
            "title": "Understanding kinship care",
            "description": "A workshop for carers raising a relative's child.",
            "audience": audience,
            "accessibilityNotes": "Step-free access; captions online.",
            "cancellationCutoffHours": cutoff,
        }}),
        "course { id }",
    )
    .await;
    done["course"]["id"].as_str().unwrap().to_string()
}

/// When and how a session is held, for [`session`].
pub struct Plan {
    pub capacity: i32,
    pub starts_in: Duration,
    pub opens: DateTime<Utc>,
    pub online: bool,
    pub open_to: Vec<String>,
}

impl Plan {
    pub fn places(capacity: i32) -> Self {
        Plan {
            capacity,
            starts_in: Duration::days(10),
            opens: Utc::now() - Duration::hours(1),
            online: true,
            open_to: Vec::new(),
        }
    }
}

pub fn session_input(course: &str, facilitator: &str, plan: &Plan) -> Value {
    let starts = Utc::now() + plan.starts_in;
    let mut input = json!({
        "courseId": course,
        "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
        "timeZone": "Europe/London",
        "capacity": plan.capacity,
        "facilitatorId": facilitator,
        "bookingOpensAt": plan.opens.to_rfc3339(),
        "bookingClosesAt": (starts - Duration::hours(1)).to_rfc3339(),
        "openToLocalAuthorityIds": plan.open_to,
    });
    if plan.online {
        input["onlineLink"] = json!("https://meet.example/kinship-workshop");
    } else {
        input["venue"] = json!("Northmoor Family Centre, 1 High Street");
    }
    input
}

/// A session of `course`; its id.
pub async fn session(
    app: &TestApp,
    coordinator: &str,
    course: &str,
    facilitator: &str,
    plan: &Plan,
) -> String {
    let done = ok(
        app,
        coordinator,
        "scheduleTrainingSession",
        session_input(course, facilitator, plan),
        "session { id }",
    )
    .await;
    done["session"]["id"].as_str().unwrap().to_string()
}

/// A carers' session of `capacity` places, with the coordinator's token:
/// (session id, coordinator token, facilitator token).
pub async fn carers_session(app: &TestApp, capacity: i32, cutoff: i32) -> (String, String, String) {
    let coordinator = app.staff_token(COORDINATOR).await;
    let (facilitator_token, facilitator) = facilitator(app).await;
    let course = course(app, &coordinator, &["KINSHIP_CARERS"], cutoff).await;
    let session = session(
        app,
        &coordinator,
        &course,
        &facilitator,
        &Plan::places(capacity),
    )
    .await;
    (session, coordinator, facilitator_token)
}

/// Books `session` as `token`; the whole response.
pub async fn book(app: &TestApp, token: &str, session: &str) -> Value {
    app.mutate(
        token,
        "bookTrainingPlace",
        json!({"sessionId": session, "accessNeeds": "A hearing loop, please."}),
        &format!("booking {{ {BOOKING} }}"),
    )
    .await
}

/// Moves a booking step (`cancelTrainingBooking`, `acceptTrainingOffer`,
/// `declineTrainingOffer`) as `token`; the whole response.
pub async fn step(app: &TestApp, token: &str, mutation: &str, booking: &str) -> Value {
    app.mutate(
        token,
        mutation,
        json!({"bookingId": booking}),
        &format!("booking {{ {BOOKING} }}"),
    )
    .await
}

/// The first error's code, and its `details.reason` if any.
pub fn code(body: &Value) -> (String, String) {
    let e = &body["errors"][0]["extensions"];
    (
        e["code"].as_str().unwrap_or_default().to_string(),
        e["details"]["reason"]
            .as_str()
            .or(e["details"]["currentState"].as_str())
            .unwrap_or_default()
            .to_string(),
    )
}

/// The signed-in person's bookings.
pub async fn my_bookings(app: &TestApp, token: &str) -> Vec<Value> {
    let (_, body) = app
        .graphql_as(
            token,
            &format!("{{ myTrainingBookings(first: 100) {{ nodes {{ {BOOKING} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["myTrainingBookings"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// A booking of `waiting`'s that holds an offered place: `holder` takes
/// the session's one place, `waiting` joins the waiting list, `holder`
/// cancels and the place is offered on. Its id.
pub async fn offered(app: &TestApp, session: &str, holder: &str, waiting: &str) -> String {
    let held = book(app, holder, session).await;
    assert_eq!(
        held["data"]["bookTrainingPlace"]["booking"]["state"], "BOOKED",
        "{held}"
    );
    let queued = book(app, waiting, session).await;
    let booking = &queued["data"]["bookTrainingPlace"]["booking"];
    assert_eq!(booking["state"], "WAITLISTED", "{queued}");
    let cancelled = step(
        app,
        holder,
        "cancelTrainingBooking",
        held["data"]["bookTrainingPlace"]["booking"]["id"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert!(cancelled["errors"].is_null(), "{cancelled}");
    booking["id"].as_str().unwrap().to_string()
}

/// A session's version, as its coordinator sees it.
pub async fn version(app: &TestApp, token: &str, session: &str) -> i64 {
    let (_, body) = app
        .graphql_as(
            token,
            "query($id: ID!) { node(id: $id) { ... on TrainingSession { version } } }",
            json!({"id": session}),
        )
        .await;
    body["data"]["node"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

/// A session's register as `token` reads it (the first 100 lines).
pub async fn register(app: &TestApp, token: &str, session: &str) -> Vec<Value> {
    let (_, body) = app
        .graphql_as(
            token,
            "query($s: ID!) { trainingSessionRegister(sessionId: $s, first: 100) { nodes { \
             id name state waitlistPosition accessNeeds attendance attendanceMarkedById \
             attendanceMarkedByName attendanceMarkedAt } } }",
            json!({"s": session}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["trainingSessionRegister"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// `token`'s newest notifications (title, body, subject).
async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let (_, body) = app
        .graphql_as(
            token,
            "{ notifications(first: 100) { nodes { title body subjectId } } }",
            json!({}),
        )
        .await;
    body["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

/// How many of `token`'s notifications about `booking` have this title.
pub async fn told(app: &TestApp, token: &str, booking: &str, title: &str) -> usize {
    notifications(app, token)
        .await
        .iter()
        .filter(|n| n["subjectId"] == booking && n["title"] == title)
        .count()
}

/// The body of `token`'s newest notification titled `title`.
pub async fn notice_body(app: &TestApp, token: &str, title: &str) -> String {
    notifications(app, token)
        .await
        .iter()
        .find(|n| n["title"] == title)
        .and_then(|n| n["body"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A booking's calendar sequence and the booking it moved to (stored
/// state no API shows: the calendar files are built from it).
pub async fn calendar(app: &TestApp, booking: &str) -> (i32, Option<uuid::Uuid>) {
    let id = crate::staying_close::uuid_in(booking);
    let rows = closeknit::db::raw::query(
        &app.db,
        "SELECT calendar_sequence, moved_to_booking_id FROM training_bookings WHERE id = $1",
        vec![id.into()],
    )
    .await
    .unwrap();
    let row = rows.first().unwrap();
    (
        row.try_get("", "calendar_sequence").unwrap(),
        row.try_get("", "moved_to_booking_id").unwrap(),
    )
}

/// The id of the booking a `bookTrainingPlace` response made.
pub fn booking_id(body: &Value) -> String {
    body["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

/// Books each carer in turn; their booking ids.
pub async fn book_all(app: &TestApp, carers: &[String], session: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for carer in carers {
        ids.push(booking_id(&book(app, carer, session).await));
    }
    ids
}

/// The error's code and `extensions.field`.
pub fn field(body: &Value) -> (String, String) {
    let e = &body["errors"][0]["extensions"];
    (
        e["code"].as_str().unwrap_or_default().into(),
        e["field"].as_str().unwrap_or_default().into(),
    )
}

pub fn conflict(reason: &str) -> (String, String) {
    ("CONFLICT".into(), reason.into())
}

pub fn bad(field: &str) -> (String, String) {
    ("BAD_USER_INPUT".into(), field.into())
}

/// One of `token`'s bookings, by id.
pub async fn mine(app: &TestApp, token: &str, id: &str) -> Value {
    my_bookings(app, token)
        .await
        .into_iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("no booking {id}"))
}

/// How many audit records of `action` on records of `record_type` there
/// are.
pub async fn audited(app: &TestApp, action: &str, record_type: &str) -> i64 {
    let rows = closeknit::db::raw::query(
        &app.db,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = $1 AND record_type = $2",
        vec![action.into(), record_type.into()],
    )
    .await
    .unwrap();
    rows[0].try_get("", "n").unwrap()
}

/// An app with `scopes`: (its `ApiClient` id, a token for it).
pub async fn app_client(app: &TestApp, scopes: Value) -> (String, String) {
    let admin = app.staff_token(crate::demo::ADMIN).await;
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(
            &admin,
            "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { \
             clientSecret client { id clientId } } }",
            json!({"input": {"name": "Carers' Circle app", "scopes": scopes, "localAuthorityIds": [la]}}),
        )
        .await;
    let created = &body["data"]["createApiClient"];
    assert!(created.is_object(), "{body}");
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("grant_type", "client_credentials"),
                ("client_id", created["client"]["clientId"].as_str().unwrap()),
                ("client_secret", created["clientSecret"].as_str().unwrap()),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let token: Value = response.json().await.unwrap();
    (
        created["client"]["id"].as_str().unwrap().to_string(),
        token["access_token"].as_str().unwrap().to_string(),
    )
}
