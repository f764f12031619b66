//! Moving people: a coordinator moves someone up a session's waiting list
//! (with a reason, kept and audited); a person (or a coordinator for them)
//! moves a booked place to another session of the same course, the new
//! place secured before the old one is let go.

use chrono::Utc;
use serde::Serialize;
use uuid::Uuid;

use super::{
    service::{coordinates, locked, not_yet_run},
    store::{self, WaitlistMove},
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::directory,
    policy::{Action, Target},
    start_change,
    training::{
        access,
        bookings::{
            model::{self, BookingState},
            service::{Done, bookable, offer_next, refused},
            store::{self as bookings, BookingRow},
        },
        catalogue::store::SessionRow,
        notices,
    },
};

fn booking_not_found() -> AppError {
    AppError::NotFound {
        entity: "TrainingBooking",
    }
}

/// Whether the viewer may move `booking` on `row`: its own person (where
/// `own_may`) or the session's coordinator. Otherwise FORBIDDEN to those
/// who see it (its own person, its facilitator through the register) and
/// NOT_FOUND to anyone else, who may not know the booking exists.
fn may_move(
    tx: &Change<'_>,
    row: &SessionRow,
    booking: &BookingRow,
    own_may: bool,
) -> AppResult<()> {
    let own = booking.person_id == tx.actor.person_id;
    if (own && own_may) || coordinates(tx, row, Action::RunTrainingSessions).is_ok() {
        Ok(())
    } else if own || access::runs(tx.call.viewer, row.course.provider_id, row.facilitator_id) {
        Err(AppError::Forbidden)
    } else {
        Err(booking_not_found())
    }
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct MoveUpInput {
    pub booking: Uuid,
    pub to_position: i32,
    pub reason: String,
}

/// A coordinator moves someone waiting ahead of others: `to_position` is
/// their new place among those waiting (1: offered the next free place).
/// The waiting list keeps the same position numbers, handed out again in
/// the new order, so the next to be offered is still the lowest and new
/// arrivals still join at the end.
pub(in crate::training) async fn move_up(call: &Call<'_>, input: MoveUpInput) -> AppResult<Done> {
    let tx = start_change!(call, "moveUpTrainingWaitingList", &input);
    let found = bookings::booking(&tx.txn, input.booking)
        .await?
        .ok_or_else(booking_not_found)?;
    let row = locked(&tx.txn, found.session_id).await?;
    may_move(&tx, &row, &found, false)?;
    let reason = crate::text::prose("input.reason", &input.reason, 2000)?;
    let waiting = store::waiting(&tx.txn, row.id).await?;
    let Some(from) = waiting.iter().position(|b| b.id == found.id) else {
        let current = bookings::booking(&tx.txn, found.id)
            .await?
            .ok_or_else(booking_not_found)?;
        return Err(model::outside(current.state));
    };
    if from == 0 {
        return Err(AppError::bad_input(
            "input.toPosition",
            "they are already first on the waiting list",
        ));
    }
    let to = usize::try_from(input.to_position).unwrap_or(0);
    if to < 1 || to > from {
        return Err(AppError::bad_input(
            "input.toPosition",
            format!(
                "must be from 1 to {from}: ahead of their place now ({}) on the waiting list",
                from + 1
            ),
        ));
    }
    let positions: Vec<i32> = waiting.iter().filter_map(|b| b.waitlist_position).collect();
    let mut order: Vec<&BookingRow> = waiting.iter().collect();
    let moving = order.remove(from);
    order.insert(to - 1, moving);
    // Only those from the new place to the old one change.
    let changes: Vec<(Uuid, i32)> = order[to - 1..=from]
        .iter()
        .zip(&positions[to - 1..=from])
        .map(|(b, p)| (b.id, *p))
        .collect();
    let now = Utc::now();
    store::renumber(&tx.txn, &changes, now).await?;
    store::insert_waitlist_move(
        &tx.txn,
        &WaitlistMove {
            booking: found.id,
            from: positions[from],
            to: positions[to - 1],
            reason: &reason,
            by: tx.actor.person_id,
            at: now,
        },
    )
    .await?;
    let target = Target::person(found.person_id, None);
    tx.commit(
        Audited {
            action: AuditAction::TrainingWaitlistMove,
            record: ("TrainingBooking", found.id),
            fields: &["waitlistPosition", "reason"],
            target: &target,
        },
        Done {
            booking_id: found.id,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct MoveInput {
    pub booking: Uuid,
    pub to_session: Uuid,
}

/// Takes both sessions' rows in one order (by id), so two moves between
/// the same sessions in opposite directions queue instead of deadlocking.
async fn lock_both(
    db: &impl sea_orm::ConnectionTrait,
    a: Uuid,
    b: Uuid,
) -> AppResult<(SessionRow, SessionRow)> {
    if a < b {
        let first = locked(db, a).await?;
        Ok((first, locked(db, b).await?))
    } else {
        let second = locked(db, b).await?;
        Ok((locked(db, a).await?, second))
    }
}

/// A person (or their session's coordinator) moves a booked place to
/// another session of the same course: a place is taken there first (none
/// free: SESSION_FULL, nothing changes), then the old booking is marked
/// moved, its place released and offered to its waiting list.
pub(in crate::training) async fn move_booking(
    call: &Call<'_>,
    input: MoveInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "moveTrainingBooking", &input);
    let found = bookings::booking(&tx.txn, input.booking)
        .await?
        .ok_or_else(booking_not_found)?;
    let (old, new) = lock_both(&tx.txn, found.session_id, input.to_session).await?;
    may_move(&tx, &old, &found, true)?;
    if new.course.id != old.course.id || new.id == old.id {
        return Err(AppError::bad_input(
            "input.toSessionId",
            "must be another session of the same course",
        ));
    }
    let booking = bookings::booking(&tx.txn, found.id)
        .await?
        .ok_or_else(booking_not_found)?;
    if booking.state != BookingState::Booked {
        return Err(model::outside(booking.state));
    }
    let now = Utc::now();
    not_yet_run(&old, now)?;
    bookable(&new, now)?;
    let open_to = crate::training::catalogue::store::open_to(&tx.txn, new.id).await?;
    if !open_to.is_empty() {
        let theirs = directory::authorities_of(&tx.txn, booking.person_id).await?;
        if !open_to.iter().any(|la| theirs.contains(la)) {
            return Err(refused(
                "NOT_OPEN_TO_AUTHORITY",
                "That session is not open to their local authority.",
            ));
        }
    }
    if !bookings::take_place(&tx.txn, new.id).await? {
        return Err(refused("SESSION_FULL", "That session has no place free."));
    }
    let moved = BookingRow {
        id: Uuid::now_v7(),
        session_id: new.id,
        state: BookingState::Booked,
        waitlist_position: None,
        offered_until: None,
        booked_by_client_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
        ..booking.clone()
    };
    if !bookings::insert(&tx.txn, &moved).await? {
        return Err(refused(
            "ALREADY_BOOKED",
            "They already have a place or are waiting for one on that session.",
        ));
    }
    if !store::move_out(&tx.txn, booking.id, moved.id, now).await? {
        return Err(model::outside(booking.state));
    }
    bookings::release_place(&tx.txn, old.id).await?;
    offer_next(&tx.txn, &old, now).await?;
    notices::moved(&tx.txn, &moved, &new).await?;
    let target = Target::person(booking.person_id, None);
    tx.commit(
        Audited {
            action: AuditAction::TrainingBookingMove,
            record: ("TrainingBooking", moved.id),
            fields: &["session", "state", "accessNeeds"],
            target: &target,
        },
        Done {
            booking_id: moved.id,
        },
    )
    .await
}
