//! The few states a test needs that the public API cannot create: time
//! passing (a code's ten minutes, a job's back-off, a reminder falling
//! due, records dated to a fixed day) and rows no client could write
//! (one that breaks the service's own checks). Everything else a test
//! sets up goes through GraphQL as the demo user who would do it; the raw
//! statements live here so the reason for each is written once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};
use closeknit::db::raw::exec;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// Ages every outstanding sign-in code past its ten minutes (time passing:
/// a test cannot wait ten minutes).
pub async fn expire_sign_in_codes(db: &DatabaseConnection) {
    exec(
        db,
        "UPDATE sign_in_codes SET expires_at = $1",
        vec![(Utc::now() - chrono::Duration::minutes(1)).into()],
    )
    .await
    .unwrap();
}

/// Makes one waiting job due now (time passing: its retry was scheduled
/// an hour away by the back-off under test).
pub async fn make_job_due(db: &DatabaseConnection, id: i64) {
    exec(
        db,
        "UPDATE jobs SET run_at_ms = 0 WHERE id = $1",
        vec![id.into()],
    )
    .await
    .unwrap();
}

/// Makes every queued job due now (time passing: quiet hours, or a
/// delivery scheduled for later, are over).
pub async fn make_queued_jobs_due(db: &DatabaseConnection) {
    exec(
        db,
        "UPDATE jobs SET run_at_ms = $1 WHERE state = 'queued'",
        vec![closeknit::jobs::now_ms().into()],
    )
    .await
    .unwrap();
}

/// Moves a reminder's due time (time passing: the moment it was booked
/// for arrives now).
pub async fn move_reminder_due(db: &DatabaseConnection, collapse_key: &str, at: DateTime<Utc>) {
    exec(
        db,
        "UPDATE reminders SET due_at = $1 WHERE collapse_key = $2",
        vec![at.into(), collapse_key.into()],
    )
    .await
    .unwrap();
}

/// Writes a pending reminder with a blank title, due at `due`: a row the
/// service refuses to create (`reminders::schedule` checks the title), so
/// only a corrupted or hand-edited database holds one.
pub async fn insert_unsendable_reminder(db: &DatabaseConnection, person: Uuid, due: DateTime<Utc>) {
    exec(
        db,
        "INSERT INTO reminders (id, person_id, kind, title, body, subject_type, subject_id, \
         collapse_key, due_at, state, sent_at, created_at, updated_at) \
         VALUES ($1, $2, 'check_in_due', '  ', 'x', NULL, NULL, 'bad', $3, 'pending', NULL, $3, $3)",
        vec![Uuid::now_v7().into(), person.into(), due.into()],
    )
    .await
    .unwrap();
}

/// Marks everything on every Staying Close plan as last changed at `at`
/// (time passing: nothing has changed since then).
pub async fn age_plan_rows(db: &DatabaseConnection, at: DateTime<Utc>) {
    for table in [
        "plans",
        "plan_goals",
        "goal_progress",
        "check_ins",
        "reviews",
        "claims",
        "accommodation_records",
        "in_touch_records",
        "activity_records",
    ] {
        exec(
            db,
            &format!("UPDATE {table} SET updated_at = $1"),
            vec![at.into()],
        )
        .await
        .unwrap();
    }
}

/// Moves a plan's planned check-ins (and the plan's next check-in date)
/// to `due` (time passing: a check-in falls due weeks ago and is missed).
pub async fn move_planned_check_ins_due(db: &DatabaseConnection, plan: Uuid, due: NaiveDate) {
    exec(
        db,
        "UPDATE check_ins SET due_on = $1 WHERE plan_id = $2 AND status = 'planned'",
        vec![due.into(), plan.into()],
    )
    .await
    .unwrap();
    exec(
        db,
        "UPDATE plans SET next_check_in_due = $1 WHERE id = $2",
        vec![due.into(), plan.into()],
    )
    .await
    .unwrap();
}

/// Dates every SSDA903 record (in touch, activity, accommodation) as
/// recorded on `on` (backdating: the demo records are dated relative to
/// today and the API stamps a record with the day it is made).
pub async fn date_ssda903_records(db: &DatabaseConnection, on: NaiveDate) {
    for table in [
        "in_touch_records",
        "activity_records",
        "accommodation_records",
    ] {
        exec(
            db,
            &format!("UPDATE {table} SET recorded_on = $1"),
            vec![on.into()],
        )
        .await
        .unwrap();
    }
}

/// Writes one audit event straight into a bare, migrated database: the
/// tests of the database's own append-only rule run with no server, so
/// there is no API to leave the row.
pub async fn insert_audit_event(db: &DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    let insert = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO audit_events (occurred_at, action, record_type, fields, request_id) \
             VALUES (now(), 'plan.read', 'Plan', '[]', 'req-1')"
        }
        _ => {
            "INSERT INTO audit_events (occurred_at, action, record_type, fields, request_id) \
             VALUES (datetime('now'), 'plan.read', 'Plan', '[]', 'req-1')"
        }
    };
    db.execute_unprepared(insert).await.unwrap();
}

/// Moves one of an advocacy request's clocks (time passing: its at-risk
/// share and due time arrive; a due-soon notice, if set, falls due with
/// the at-risk time).
pub async fn move_advocacy_clock(
    db: &DatabaseConnection,
    request: Uuid,
    timescale: &str,
    at_risk_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
) {
    exec(
        db,
        "UPDATE advocacy_request_timescales SET at_risk_at = $3, due_at = $4, \
         due_soon_at = CASE WHEN due_soon_at IS NULL THEN NULL ELSE $3 END \
         WHERE request_id = $1 AND timescale = $2",
        vec![
            request.into(),
            timescale.into(),
            at_risk_at.into(),
            due_at.into(),
        ],
    )
    .await
    .unwrap();
}

/// Makes every open training offer run out now (time passing: its hold
/// of at least six hours is over).
pub async fn expire_training_offers(db: &DatabaseConnection) {
    exec(
        db,
        "UPDATE training_bookings SET offered_until = $1 WHERE state = 'offered'",
        vec![(Utc::now() - chrono::Duration::minutes(1)).into()],
    )
    .await
    .unwrap();
}

/// Moves a training session's start (and its booking window) into the
/// past (time passing: the session has begun).
pub async fn start_training_session(db: &DatabaseConnection, session: Uuid) {
    let now = Utc::now();
    exec(
        db,
        "UPDATE training_sessions SET starts_at = $2, booking_opens_at = $3, \
         booking_closes_at = $2 WHERE id = $1",
        vec![
            session.into(),
            (now - chrono::Duration::minutes(5)).into(),
            (now - chrono::Duration::days(1)).into(),
        ],
    )
    .await
    .unwrap();
}

/// Moves a training session's start to `starts_at` (time passing: the
/// session comes within a day), keeping its length.
pub async fn move_training_session_start(
    db: &DatabaseConnection,
    session: Uuid,
    starts_at: DateTime<Utc>,
) {
    exec(
        db,
        "UPDATE training_sessions SET starts_at = $2, ends_at = $3, booking_closes_at = $2 \
         WHERE id = $1",
        vec![
            session.into(),
            starts_at.into(),
            (starts_at + chrono::Duration::hours(2)).into(),
        ],
    )
    .await
    .unwrap();
}

/// Sets when a training offer was made and when it runs out (time passing:
/// its hold is nearly over).
pub async fn age_training_offer(
    db: &DatabaseConnection,
    booking: Uuid,
    offered_at: DateTime<Utc>,
    offered_until: DateTime<Utc>,
) {
    exec(
        db,
        "UPDATE training_bookings SET offered_at = $2, offered_until = $3 WHERE id = $1",
        vec![booking.into(), offered_at.into(), offered_until.into()],
    )
    .await
    .unwrap();
}

/// Dates a booking's day-before reminder to `at` (time passing: it went
/// that long ago, for the session's earlier time).
pub async fn date_training_day_before_reminder(
    db: &DatabaseConnection,
    booking: Uuid,
    at: DateTime<Utc>,
) {
    exec(
        db,
        "UPDATE training_bookings SET day_before_reminded_at = $2 WHERE id = $1",
        vec![booking.into(), at.into()],
    )
    .await
    .unwrap();
}
