//! Changes to a session once it is in the catalogue: its time or place,
//! cancelling it, and its capacity. Each runs in one write transaction
//! that takes the session's row first (as booking does), checks the
//! version the coordinator saw, and tells the people it touches in the
//! same commit.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use uuid::Uuid;

use super::store;
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    policy::{Action, Target},
    start_change,
    training::{
        access,
        bookings::service::{offer_next, refused},
        catalogue::{
            service::{Done, check_facilitator, provider_target},
            store::{self as catalogue, SessionRow, SessionState},
        },
        notices,
    },
};

/// Takes the session's row and reads it (NOT_FOUND when there is none).
pub(super) async fn locked(db: &impl ConnectionTrait, id: Uuid) -> AppResult<SessionRow> {
    store::lock_session(db, id).await?;
    catalogue::session(db, id, None)
        .await?
        .ok_or(AppError::NotFound {
            entity: "TrainingSession",
        })
}

/// CONFLICT unless the session is scheduled and has not started.
pub(super) fn not_yet_run(row: &SessionRow, now: DateTime<Utc>) -> AppResult<()> {
    if row.state == SessionState::Cancelled {
        return Err(refused("SESSION_CANCELLED", "This session was cancelled."));
    }
    if now >= row.session.starts_at {
        return Err(refused(
            "SESSION_STARTED",
            "This session has already started.",
        ));
    }
    Ok(())
}

/// FORBIDDEN unless the viewer coordinates `action` for the session's
/// provider (the catalogue is public, so nothing is hidden).
pub(super) fn coordinates(tx: &Change<'_>, row: &SessionRow, action: Action) -> AppResult<()> {
    if access::manages(tx.call.viewer, action, row.course.provider_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The session a coordinator changes: taken, theirs, at the version they
/// saw, and not yet run.
async fn changing(tx: &Change<'_>, id: Uuid, expected: i32) -> AppResult<SessionRow> {
    let row = locked(&tx.txn, id).await?;
    coordinates(tx, &row, Action::ManageTrainingCatalogue)?;
    not_yet_run(&row, Utc::now())?;
    if expected != row.version {
        return Err(AppError::stale("session", row.version));
    }
    Ok(row)
}

/// Ends a change to a session: audited against its provider.
async fn commit_session(
    tx: Change<'_>,
    action: AuditAction,
    row: &SessionRow,
    fields: &[&str],
) -> AppResult<Done> {
    let target = provider_target(row.course.provider_id);
    tx.commit(
        Audited {
            action,
            record: ("TrainingSession", row.id),
            fields,
            target: &target,
        },
        Done { id: row.id },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct UpdateInput {
    pub session: Uuid,
    pub expected_version: i32,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    /// Where: either replaces both (the other is cleared); neither keeps
    /// them.
    pub online_link: Option<String>,
    pub venue: Option<String>,
    pub facilitator: Option<Uuid>,
    pub booking_opens_at: Option<DateTime<Utc>>,
    pub booking_closes_at: Option<DateTime<Utc>>,
}

/// A coordinator changes a session's time, place, facilitator or booking
/// window (one occurrence of a series too). A new time or place raises the
/// calendar sequence of everyone holding or offered a place, and tells
/// each of them; open offers end by the (new) start less the cut-off.
pub(in crate::training) async fn update(call: &Call<'_>, input: UpdateInput) -> AppResult<Done> {
    let tx = start_change!(call, "updateTrainingSession", &input);
    let row = changing(&tx, input.session, input.expected_version).await?;
    let now = Utc::now();
    let old = &row.session;
    let mut session = old.clone();
    session.starts_at = input.starts_at.unwrap_or(old.starts_at);
    session.ends_at = input.ends_at.unwrap_or(old.ends_at);
    session.time_zone = input.time_zone.clone().unwrap_or(old.time_zone.clone());
    if input.online_link.is_some() || input.venue.is_some() {
        session.online_link = input.online_link.clone();
        session.venue = input.venue.clone();
    }
    session.booking_opens_at = input.booking_opens_at.unwrap_or(old.booking_opens_at);
    session.booking_closes_at = input.booking_closes_at.unwrap_or(old.booking_closes_at);
    let session = session.checked(now)?;
    let facilitator = input.facilitator.unwrap_or(row.facilitator_id);
    if facilitator != row.facilitator_id {
        check_facilitator(&tx.txn, facilitator, row.course.provider_id).await?;
    }
    let moved = session.starts_at != old.starts_at
        || session.ends_at != old.ends_at
        || session.time_zone != old.time_zone
        || session.online_link != old.online_link
        || session.venue != old.venue;
    store::save_session(&tx.txn, row.id, &session, facilitator, now).await?;
    let row = SessionRow {
        session,
        facilitator_id: facilitator,
        ..row
    };
    if moved {
        let cutoff = Duration::hours(i64::from(row.course.course.cancellation_cutoff_hours));
        store::clamp_offers(&tx.txn, row.id, row.session.starts_at - cutoff).await?;
        for booking in store::resequence(&tx.txn, row.id, now).await? {
            notices::changed(&tx.txn, &booking, &row).await?;
        }
    }
    commit_session(
        *tx,
        AuditAction::TrainingSessionUpdate,
        &row,
        &[
            "startsAt",
            "endsAt",
            "timeZone",
            "onlineLink",
            "venue",
            "facilitator",
            "bookingOpensAt",
            "bookingClosesAt",
        ],
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct CancelInput {
    pub session: Uuid,
    pub expected_version: i32,
    pub reason: String,
}

/// A coordinator cancels a session: everyone booked, offered or waiting
/// is called off (those who held a place get a new calendar sequence),
/// told once with the reason, and audited against; every place is
/// released.
pub(in crate::training) async fn cancel(call: &Call<'_>, input: CancelInput) -> AppResult<Done> {
    let tx = start_change!(call, "cancelTrainingSession", &input);
    let row = changing(&tx, input.session, input.expected_version).await?;
    let reason = crate::text::prose("input.reason", &input.reason, 2000)?;
    let now = Utc::now();
    if !store::call_off_session(&tx.txn, row.id, now).await? {
        return Err(refused("SESSION_CANCELLED", "This session was cancelled."));
    }
    for booking in store::call_off_bookings(&tx.txn, row.id, now).await? {
        notices::called_off(&tx.txn, &booking, &row, &reason).await?;
        tx.audit(Audited {
            action: AuditAction::TrainingSessionCancel,
            record: ("TrainingBooking", booking.id),
            fields: &["state"],
            target: &Target::person(booking.person_id, None),
        })
        .await?;
    }
    commit_session(
        *tx,
        AuditAction::TrainingSessionCancel,
        &row,
        &["state", "reason"],
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct CapacityInput {
    pub session: Uuid,
    pub expected_version: i32,
    pub capacity: i32,
}

/// A coordinator changes a session's capacity. Lowered below the places
/// taken, every booking stays and nothing is booked or offered until
/// places taken fall below it; raised, the freed places are offered to the
/// waiting list in order.
pub(in crate::training) async fn capacity(
    call: &Call<'_>,
    input: CapacityInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "changeTrainingSessionCapacity", &input);
    let row = changing(&tx, input.session, input.expected_version).await?;
    let now = Utc::now();
    let session = crate::training::catalogue::model::Session {
        capacity: input.capacity,
        ..row.session.clone()
    }
    .checked(now)?;
    store::save_session(&tx.txn, row.id, &session, row.facilitator_id, now).await?;
    let row = SessionRow { session, ..row };
    while offer_next(&tx.txn, &row, now).await? {}
    commit_session(
        *tx,
        AuditAction::TrainingSessionCapacity,
        &row,
        &["capacity"],
    )
    .await
}
