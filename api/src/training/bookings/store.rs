//! SQL for bookings (`training_bookings`) and the session counters that
//! keep capacity (`training_sessions.places_taken`, `waitlist_seq`).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::BookingState;
use crate::{
    db::claim::Claim,
    db::raw::{exec, query},
    db::rows::{all, first, get, unique},
    error::{AppError, AppResult},
    identity::directory,
    paging::PageRequest,
};

/// A booking as stored.
#[derive(Debug, Clone)]
pub struct BookingRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub person_id: Uuid,
    pub state: BookingState,
    pub waitlist_position: Option<i32>,
    pub offered_until: Option<DateTime<Utc>>,
    pub access_needs: Option<String>,
    pub booked_by_client_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub(in crate::training) const COLUMNS: &str = "b.id, b.session_id, b.person_id, b.state, b.waitlist_position, \
    b.offered_until, b.access_needs, b.booked_by_client_id, b.created_at, b.updated_at, b.version";

pub(in crate::training) fn booking_row(r: &QueryResult) -> AppResult<BookingRow> {
    Ok(BookingRow {
        id: get(r, "id")?,
        session_id: get(r, "session_id")?,
        person_id: get(r, "person_id")?,
        state: BookingState::parse(&get::<String>(r, "state")?)?,
        waitlist_position: get(r, "waitlist_position")?,
        offered_until: get(r, "offered_until")?,
        access_needs: get(r, "access_needs")?,
        booked_by_client_id: get(r, "booked_by_client_id")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        version: get(r, "version")?,
    })
}

/// Takes a place on the session if one is free: one conditional statement
/// on the session's row, so places taken never pass capacity.
pub async fn take_place(db: &impl ConnectionTrait, session: Uuid) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE training_sessions SET places_taken = places_taken + 1 \
         WHERE id = $1 AND places_taken < capacity",
        vec![session.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a place back.
pub async fn release_place(db: &impl ConnectionTrait, session: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_sessions SET places_taken = places_taken - 1 \
         WHERE id = $1 AND places_taken > 0",
        vec![session.into()],
    )
    .await?;
    Ok(())
}

/// The next waiting-list position of the session (in the order the
/// transactions holding the session's row commit).
pub async fn next_position(db: &impl ConnectionTrait, session: Uuid) -> AppResult<i32> {
    let rows = query(
        db,
        "UPDATE training_sessions SET waitlist_seq = waitlist_seq + 1 WHERE id = $1 \
         RETURNING waitlist_seq",
        vec![session.into()],
    )
    .await?;
    first(rows, |r| get(r, "waitlist_seq"))?.ok_or(AppError::NotFound {
        entity: "TrainingSession",
    })
}

/// Writes a new booking; `false` when the person already has a live one
/// on the session.
pub async fn insert(db: &impl ConnectionTrait, row: &BookingRow) -> AppResult<bool> {
    unique(
        exec(
            db,
            "INSERT INTO training_bookings (id, session_id, person_id, state, waitlist_position, \
             offered_until, access_needs, booked_by_client_id, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
            vec![
                row.id.into(),
                row.session_id.into(),
                row.person_id.into(),
                row.state.as_str().into(),
                row.waitlist_position.into(),
                row.offered_until.into(),
                row.access_needs.clone().into(),
                row.booked_by_client_id.into(),
                row.created_at.into(),
            ],
        )
        .await,
    )
}

/// The person's live booking on the session, if any.
pub async fn live(
    db: &impl ConnectionTrait,
    session: Uuid,
    person: Uuid,
) -> AppResult<Option<BookingRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM training_bookings b WHERE b.session_id = $1 \
             AND b.person_id = $2 AND b.state IN ('booked', 'waitlisted', 'offered')"
        ),
        vec![session.into(), person.into()],
    )
    .await?;
    first(rows, booking_row)
}

pub async fn booking(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<BookingRow>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM training_bookings b WHERE b.id = $1"),
        vec![id.into()],
    )
    .await?;
    first(rows, booking_row)
}

/// Moves a booking from `from` to `to` (with its offer deadline); `false`
/// when it was no longer in `from` (someone else moved it first).
pub async fn move_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: BookingState,
    to: BookingState,
    offered_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE training_bookings SET state = $3, offered_until = $4, updated_at = $5, \
         version = version + 1 WHERE id = $1 AND state = $2",
        vec![
            id.into(),
            from.as_str().into(),
            to.as_str().into(),
            offered_until.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The first person waiting on the session (lowest position).
pub async fn first_waiting(
    db: &impl ConnectionTrait,
    session: Uuid,
) -> AppResult<Option<BookingRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM training_bookings b WHERE b.session_id = $1 \
             AND b.state = 'waitlisted' ORDER BY b.waitlist_position LIMIT 1"
        ),
        vec![session.into()],
    )
    .await?;
    first(rows, booking_row)
}

/// Claims up to `limit` offers that ran out by `now`, moving them to
/// expired: each is claimed by one sweep however many run (rows locked
/// and skipped on PostgreSQL; SQLite serialises writers).
pub async fn claim_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<BookingRow>> {
    let sql = Claim {
        table: "training_bookings",
        key: &["id"],
        due: "SELECT id FROM training_bookings WHERE state = 'offered' AND offered_until <= $1 \
              ORDER BY offered_until, id LIMIT $2",
        lock_of: None,
        set: "state = 'expired', updated_at = $1, version = version + 1",
        returning: &COLUMNS.replace("b.", ""),
    }
    .sql(db.get_database_backend());
    let rows = query(
        db,
        &sql,
        vec![now.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()],
    )
    .await?;
    all(rows, booking_row)
}

/// A page of the person's bookings, newest first (key: the booking id).
pub async fn mine(
    db: &impl ConnectionTrait,
    person: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<BookingRow>> {
    let after: Option<Uuid> = page.after_key()?;
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM training_bookings b WHERE b.person_id = $1 \
             AND ($2 IS NULL OR b.id < $2) ORDER BY b.id DESC LIMIT $3"
        ),
        vec![person.into(), after.into(), page.sql_limit().into()],
    )
    .await?;
    all(rows, booking_row)
}

/// A register entry: the booking, the booked person's name, and who
/// marked their attendance, when.
#[derive(Debug, Clone)]
pub struct RegisterRow {
    pub booking: BookingRow,
    pub name: Option<String>,
    pub marked_by: Option<Uuid>,
    pub marked_by_name: Option<String>,
    pub marked_at: Option<DateTime<Utc>>,
}

/// A page of a session's register: every booking on it, oldest first
/// (key: the booking id).
pub async fn register(
    db: &impl ConnectionTrait,
    session: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<RegisterRow>> {
    let after: Option<Uuid> = page.after_key()?;
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS}, {} AS person_name, b.attendance_marked_by, \
             b.attendance_marked_at, {} AS marked_by_name FROM training_bookings b \
             WHERE b.session_id = $1 AND ($2 IS NULL OR b.id > $2) ORDER BY b.id LIMIT $3",
            directory::person_name_sql("b.person_id"),
            directory::person_name_sql("b.attendance_marked_by")
        ),
        vec![session.into(), after.into(), page.sql_limit().into()],
    )
    .await?;
    all(rows, |r| {
        Ok(RegisterRow {
            booking: booking_row(r)?,
            name: get(r, "person_name")?,
            marked_by: get(r, "attendance_marked_by")?,
            marked_by_name: get(r, "marked_by_name")?,
            marked_at: get(r, "attendance_marked_at")?,
        })
    })
}
