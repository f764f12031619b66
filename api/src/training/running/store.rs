//! SQL for running sessions: changing a session's row, moving every
//! booking on it at once, the waiting list's order and its moves, and
//! attendance marks (`training_sessions`, `training_bookings`,
//! `training_waitlist_moves`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use sea_orm::ConnectionTrait;

use crate::{
    db::raw::{exec, query},
    db::rows::all,
    error::AppResult,
    training::{
        bookings::{
            model::BookingState,
            store::{BookingRow, COLUMNS, booking_row},
        },
        catalogue::model::Session,
    },
};

/// Takes the session's row for the rest of the transaction (a write lock
/// on PostgreSQL; SQLite's writers already hold the database), so changes
/// to a session and its bookings queue behind each other and behind
/// bookings, which take the same row first.
pub async fn lock_session(db: &impl ConnectionTrait, session: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_sessions SET places_taken = places_taken WHERE id = $1",
        vec![session.into()],
    )
    .await?;
    Ok(())
}

/// Writes a session's time, place, capacity, facilitator and booking
/// window at its next version.
pub async fn save_session(
    db: &impl ConnectionTrait,
    id: Uuid,
    session: &Session,
    facilitator: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_sessions SET starts_at = $2, ends_at = $3, time_zone = $4, \
         online_link = $5, venue = $6, capacity = $7, facilitator_person_id = $8, \
         booking_opens_at = $9, booking_closes_at = $10, version = version + 1, \
         updated_at = $11 WHERE id = $1",
        vec![
            id.into(),
            session.starts_at.into(),
            session.ends_at.into(),
            session.time_zone.clone().into(),
            session.online_link.clone().into(),
            session.venue.clone().into(),
            session.capacity.into(),
            facilitator.into(),
            session.booking_opens_at.into(),
            session.booking_closes_at.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Cancels a scheduled session and frees its places; `false` when it was
/// no longer scheduled.
pub async fn call_off_session(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE training_sessions SET state = 'cancelled', places_taken = 0, \
         version = version + 1, updated_at = $2 WHERE id = $1 AND state = 'scheduled'",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `COLUMNS` without their alias, for `RETURNING` (SQLite's `UPDATE`
/// takes none).
fn returning() -> String {
    COLUMNS.replace("b.", "")
}

/// Raises the calendar sequence of every booking holding a place on the
/// session (booked or offered), whose calendar entry must follow a change;
/// those bookings.
pub async fn resequence(
    db: &impl ConnectionTrait,
    session: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<BookingRow>> {
    let rows = query(
        db,
        &format!(
            "UPDATE training_bookings SET calendar_sequence = calendar_sequence + 1, \
             updated_at = $2, version = version + 1 \
             WHERE session_id = $1 AND state IN ('booked', 'offered') RETURNING {}",
            returning()
        ),
        vec![session.into(), now.into()],
    )
    .await?;
    all(rows, booking_row)
}

/// Brings forward every open offer on the session that would run past
/// `latest` (an earlier start: offers end by the start less the cut-off).
pub async fn clamp_offers(
    db: &impl ConnectionTrait,
    session: Uuid,
    latest: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_bookings SET offered_until = $2 \
         WHERE session_id = $1 AND state = 'offered' AND offered_until > $2",
        vec![session.into(), latest.into()],
    )
    .await?;
    Ok(())
}

/// Moves every booked, offered or waiting booking on the session to
/// called off (a booked place, which is in the person's calendar: its
/// calendar sequence raised, so the email's `.ics` removes it); those
/// bookings.
pub async fn call_off_bookings(
    db: &impl ConnectionTrait,
    session: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<BookingRow>> {
    let rows = query(
        db,
        &format!(
            "UPDATE training_bookings SET state = 'called_off', offered_until = NULL, \
             calendar_sequence = calendar_sequence \
               + CASE WHEN state = 'booked' THEN 1 ELSE 0 END, \
             updated_at = $2, version = version + 1 \
             WHERE session_id = $1 AND state IN ('booked', 'offered', 'waitlisted') \
             RETURNING {}",
            returning()
        ),
        vec![session.into(), now.into()],
    )
    .await?;
    all(rows, booking_row)
}

/// The people waiting on the session, first first.
pub async fn waiting(db: &impl ConnectionTrait, session: Uuid) -> AppResult<Vec<BookingRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM training_bookings b WHERE b.session_id = $1 \
             AND b.state = 'waitlisted' ORDER BY b.waitlist_position"
        ),
        vec![session.into()],
    )
    .await?;
    all(rows, booking_row)
}

/// Gives bookings new waiting-list positions, `(booking, position)`, in
/// two passes so that no two rows ever hold the same position, whatever
/// order the database checks them in: first each to the negative of its
/// old position (old positions are distinct, so these are), then each to
/// its new one.
pub async fn renumber(
    db: &impl ConnectionTrait,
    moves: &[(Uuid, i32)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for (id, _) in moves {
        exec(
            db,
            "UPDATE training_bookings SET waitlist_position = -waitlist_position WHERE id = $1",
            vec![(*id).into()],
        )
        .await?;
    }
    for (id, position) in moves {
        exec(
            db,
            "UPDATE training_bookings SET waitlist_position = $2, updated_at = $3, \
             version = version + 1 WHERE id = $1",
            vec![(*id).into(), (*position).into(), now.into()],
        )
        .await?;
    }
    Ok(())
}

/// A coordinator's move of someone up the waiting list, with their reason.
pub struct WaitlistMove<'a> {
    pub booking: Uuid,
    pub from: i32,
    pub to: i32,
    pub reason: &'a str,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

pub async fn insert_waitlist_move(
    db: &impl ConnectionTrait,
    moved: &WaitlistMove<'_>,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO training_waitlist_moves (id, booking_id, from_position, to_position, \
         reason, moved_by_person_id, moved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            Uuid::now_v7().into(),
            moved.booking.into(),
            moved.from.into(),
            moved.to.into(),
            moved.reason.into(),
            moved.by.into(),
            moved.at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Marks a booked place moved to booking `to` (its calendar sequence
/// raised); `false` when it was no longer booked.
pub async fn move_out(
    db: &impl ConnectionTrait,
    id: Uuid,
    to: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE training_bookings SET state = 'moved', moved_to_booking_id = $2, \
         calendar_sequence = calendar_sequence + 1, updated_at = $3, version = version + 1 \
         WHERE id = $1 AND state = 'booked'",
        vec![id.into(), to.into(), now.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks attendance on a booking of `session` in state `from`, by `by`;
/// `false` when it was no longer in `from`.
pub async fn mark(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    to: BookingState,
    by: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE training_bookings SET state = $3, attendance_marked_by = $4, \
         attendance_marked_at = $5, updated_at = $5, version = version + 1 \
         WHERE id = $1 AND state = $2",
        vec![
            booking.id.into(),
            booking.state.as_str().into(),
            to.as_str().into(),
            by.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}
