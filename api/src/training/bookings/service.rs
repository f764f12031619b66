//! Changes to bookings: booking a place (or joining the waiting list),
//! cancelling, and answering an offer. Each runs in one write transaction
//! that takes the session's row first (SQLite: the write lock, from
//! `BEGIN IMMEDIATE`), so places and waiting-list positions are handed out
//! in commit order and never past capacity.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{self, BookingState, Step},
    store::{self, BookingRow},
};
use crate::{
    audit::AuditAction,
    auth::viewer::{AccountViewer, ClientViewer, Viewer},
    change::{Audited, Call, ClientStarted},
    error::{AppError, AppResult},
    identity::directory,
    policy::{self, Action, Target},
    start_change,
    training::{
        access::{self, Audience},
        calendar,
        catalogue::store::{self as catalogue, SessionRow, SessionState},
        consents::store as consents,
        notices, reminders,
    },
};

/// What a booking change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Done {
    pub booking_id: Uuid,
}

impl Done {
    fn of(booking: &BookingRow) -> Self {
        Done {
            booking_id: booking.id,
        }
    }
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct BookInput {
    pub session: Uuid,
    pub access_needs: Option<String>,
    pub accept_booking_policy: bool,
    /// The carer an app books for (apps only).
    pub carer: Option<Uuid>,
}

/// CONFLICT with a reason code in `details`.
pub(in crate::training) fn refused(code: &str, message: &str) -> AppError {
    AppError::Conflict {
        message: message.into(),
        details: Some(serde_json::json!({ "reason": code })),
    }
}

/// Why booking `row` now is refused, if it is.
pub(in crate::training) fn bookable(row: &SessionRow, now: DateTime<Utc>) -> AppResult<()> {
    if row.state == SessionState::Cancelled {
        return Err(refused("SESSION_CANCELLED", "This session was cancelled."));
    }
    if now >= row.session.starts_at {
        return Err(refused(
            "SESSION_STARTED",
            "This session has already started.",
        ));
    }
    if now < row.session.booking_opens_at || now > row.session.booking_closes_at {
        return Err(refused(
            "BOOKING_CLOSED",
            "Booking for this session is not open now.",
        ));
    }
    Ok(())
}

/// A signed-in person books a place for themselves: BOOKED when one is
/// free, else WAITLISTED at the next position. An app (API client) books
/// for the carer `input.carer` names instead ([`book_for`]).
pub(in crate::training) async fn book(call: &Call<'_>, input: BookInput) -> AppResult<Done> {
    if let Viewer::Client(client) = call.viewer {
        return book_for(call, client, input).await;
    }
    if input.carer.is_some() {
        return Err(AppError::bad_input(
            "input.carerId",
            "is for apps booking on a carer's behalf: leave it out to book for yourself",
        ));
    }
    let tx = start_change!(call, "bookTrainingPlace", &input);
    let (booker, target) = Booker::of(tx.call.viewer, tx.actor.person_id, None);
    let booking = place(&tx.txn, &booker, &input).await?;
    tx.commit(
        booked(&booking, &target),
        Done {
            booking_id: booking.id,
        },
    )
    .await
}

/// An app with `training:book` books for a carer who consented to it (a
/// live consent for this client): the carer's own audiences and
/// authorities decide, as when they book themselves. No consent (or no
/// such carer): FORBIDDEN, whichever, so the carer's existence is not
/// told. The booking records the client; the audit entry names the client
/// as actor, on behalf of the carer.
async fn book_for(call: &Call<'_>, client: &ClientViewer, input: BookInput) -> AppResult<Done> {
    let Some(carer) = input.carer else {
        return Err(AppError::bad_input(
            "input.carerId",
            "name the carer you book for (who consented to this app booking for them)",
        ));
    };
    if policy::scope(call.viewer, Action::BookTraining).is_empty() {
        return Err(AppError::Forbidden);
    }
    let tx = match crate::change::start_for_client(call, "bookTrainingPlace", &input, carer).await?
    {
        ClientStarted::Fresh(tx) => tx,
        ClientStarted::Replayed(done) => return Ok(done),
    };
    if consents::live(&tx.txn, carer, client.client_id)
        .await?
        .is_none()
    {
        return Err(AppError::Forbidden);
    }
    let grants = directory::grants_of_person(&tx.txn, carer).await?;
    let as_carer = Viewer::Account(std::sync::Arc::new(AccountViewer {
        account_id: Uuid::nil(),
        session_id: Uuid::nil(),
        person_id: carer,
        grants,
    }));
    let (booker, target) = Booker::of(&as_carer, carer, Some(client.client_id));
    let booking = place(&tx.txn, &booker, &input).await?;
    tx.commit(
        booked(&booking, &target),
        Done {
            booking_id: booking.id,
        },
    )
    .await
}

/// Who a place is booked for: their person, whether they may book
/// training, the audiences and authorities they belong to, and the app
/// booking for them (if any).
struct Booker {
    person: Uuid,
    may: bool,
    audiences: Vec<Audience>,
    authorities: Vec<Uuid>,
    client: Option<Uuid>,
}

impl Booker {
    /// `person`, as `viewer` (themselves signed in, or as their grants
    /// make them) may book, for `client` if an app books; and the audit
    /// target.
    fn of(viewer: &Viewer, person: Uuid, client: Option<Uuid>) -> (Booker, Target) {
        let target = Target::person(person, None);
        let booker = Booker {
            person,
            may: policy::allows(viewer, Action::BookTraining, &target),
            audiences: access::audiences(viewer),
            authorities: access::authorities(viewer),
            client,
        };
        (booker, target)
    }
}

/// The audit record of a booking.
fn booked<'r>(booking: &BookingRow, target: &'r Target) -> Audited<'r> {
    Audited {
        action: AuditAction::TrainingBook,
        record: ("TrainingBooking", booking.id),
        fields: &["state", "waitlistPosition", "accessNeeds"],
        target,
    }
}

/// Books a place (or a waiting-list position) for `booker`, after every
/// rule of booking: the session exists, they may book and are in its
/// audience and authorities, it is open for booking, its policy is
/// accepted, and they hold no place on it yet.
async fn place(
    db: &impl ConnectionTrait,
    booker: &Booker,
    input: &BookInput,
) -> AppResult<BookingRow> {
    let not_found = || AppError::NotFound {
        entity: "TrainingSession",
    };
    let row = catalogue::session(db, input.session, Some(booker.person))
        .await?
        .ok_or_else(not_found)?;
    if !booker.may {
        return Err(AppError::Forbidden);
    }
    if !booker
        .audiences
        .iter()
        .any(|a| row.course.course.audience.contains(a))
    {
        return Err(AppError::Forbidden);
    }
    let open_to = catalogue::open_to(db, row.id).await?;
    if !open_to.is_empty() && !open_to.iter().any(|la| booker.authorities.contains(la)) {
        return Err(AppError::Forbidden);
    }
    let now = Utc::now();
    bookable(&row, now)?;
    if row.course.course.booking_policy.is_some() && !input.accept_booking_policy {
        return Err(AppError::bad_input(
            "input.acceptBookingPolicy",
            "the course's booking policy must be accepted",
        ));
    }
    let access_needs =
        crate::text::optional_prose("input.accessNeeds", input.access_needs.as_deref(), 2000)?;
    if store::live(db, row.id, booker.person).await?.is_some() {
        return Err(already_booked());
    }
    let (state, position) = if store::take_place(db, row.id).await? {
        (BookingState::Booked, None)
    } else {
        (
            BookingState::Waitlisted,
            Some(store::next_position(db, row.id).await?),
        )
    };
    let booking = BookingRow {
        id: Uuid::now_v7(),
        session_id: row.id,
        person_id: booker.person,
        state,
        waitlist_position: position,
        offered_until: None,
        access_needs,
        booked_by_client_id: booker.client,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    if !store::insert(db, &booking).await? {
        return Err(already_booked());
    }
    notices::booked(db, &booking, &row).await?;
    Ok(booking)
}

fn already_booked() -> AppError {
    refused(
        "ALREADY_BOOKED",
        "You already have a place or are waiting for one on this session.",
    )
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct BookingInput {
    pub booking: Uuid,
}

/// The person cancels their booking, declines or accepts an offer. An
/// app cancels a booking it made ([`cancel_for`]).
pub(in crate::training) async fn step(
    call: &Call<'_>,
    input: BookingInput,
    step: Step,
) -> AppResult<Done> {
    if let Viewer::Client(client) = call.viewer {
        return match step {
            Step::Cancel => cancel_for(call, client, input).await,
            _ => Err(AppError::Forbidden),
        };
    }
    let operation = match step {
        Step::Cancel => "cancelTrainingBooking",
        Step::Accept => "acceptTrainingOffer",
        Step::Decline | Step::Expire => "declineTrainingOffer",
    };
    let tx = crate::change::start(call, operation, &input).await?;
    let tx = match tx {
        crate::change::Started::Fresh(tx) => tx,
        crate::change::Started::Replayed(done) => return Ok(done),
    };
    let booking = store::booking(&tx.txn, input.booking)
        .await?
        .filter(|b| b.person_id == tx.actor.person_id)
        .ok_or_else(booking_not_found)?;
    transition(&tx.txn, &booking, step).await?;
    let action = match step {
        Step::Cancel => AuditAction::TrainingCancel,
        Step::Accept => AuditAction::TrainingOfferAccept,
        Step::Decline | Step::Expire => AuditAction::TrainingOfferDecline,
    };
    let target = Target::person(booking.person_id, None);
    tx.commit(stepped(action, &booking, &target), Done::of(&booking))
        .await
}

fn booking_not_found() -> AppError {
    AppError::NotFound {
        entity: "TrainingBooking",
    }
}

/// An app with `training:book` cancels a booking it made, while the
/// carer's consent for it stands; anything else (another app's booking,
/// a revoked consent, no such booking) is FORBIDDEN, whichever, so what
/// exists is not told. Audited with the app as actor, for the carer.
async fn cancel_for(
    call: &Call<'_>,
    client: &ClientViewer,
    input: BookingInput,
) -> AppResult<Done> {
    if policy::scope(call.viewer, Action::BookTraining).is_empty() {
        return Err(AppError::Forbidden);
    }
    let made_by_app = store::booking(call.db, input.booking)
        .await?
        .filter(|b| b.booked_by_client_id == Some(client.client_id))
        .ok_or(AppError::Forbidden)?;
    let tx = match crate::change::start_for_client(
        call,
        "cancelTrainingBooking",
        &input,
        made_by_app.person_id,
    )
    .await?
    {
        ClientStarted::Fresh(tx) => tx,
        ClientStarted::Replayed(done) => return Ok(done),
    };
    if consents::live(&tx.txn, made_by_app.person_id, client.client_id)
        .await?
        .is_none()
    {
        return Err(AppError::Forbidden);
    }
    let booking = store::booking(&tx.txn, made_by_app.id)
        .await?
        .ok_or(AppError::Forbidden)?;
    transition(&tx.txn, &booking, Step::Cancel).await?;
    let target = Target::person(booking.person_id, None);
    tx.commit(
        stepped(AuditAction::TrainingCancel, &booking, &target),
        Done::of(&booking),
    )
    .await
}

/// The audit of a step of the machine (its new state).
fn stepped<'r>(action: AuditAction, booking: &BookingRow, target: &'r Target) -> Audited<'r> {
    Audited {
        action,
        record: ("TrainingBooking", booking.id),
        fields: &["state"],
        target,
    }
}

/// Moves `booking` by `step` in the caller's transaction: the machine's
/// next state (late after the course's cut-off), a place released offered
/// to the next person waiting, the calendar entry of a booked place
/// cancelled, and the person told.
async fn transition(db: &impl ConnectionTrait, booking: &BookingRow, step: Step) -> AppResult<()> {
    let row = catalogue::session(db, booking.session_id, None)
        .await?
        .ok_or_else(booking_not_found)?;
    let now = Utc::now();
    let late = model::late(
        now,
        row.session.starts_at,
        row.course.course.cancellation_cutoff_hours,
    );
    if step == Step::Accept
        && booking.state == BookingState::Offered
        && booking.offered_until.is_some_and(|until| until <= now)
    {
        return Err(refused("OFFER_EXPIRED", "This offer has run out."));
    }
    let to = model::next(booking.state, step, late)?;
    if !store::move_state(db, booking.id, booking.state, to, None, now).await? {
        let current = store::booking(db, booking.id)
            .await?
            .ok_or_else(booking_not_found)?;
        return Err(model::outside(current.state));
    }
    if booking.state.holds_place() && !to.holds_place() {
        store::release_place(db, row.id).await?;
        offer_next(db, &row, now).await?;
    }
    if booking.state == BookingState::Booked && step == Step::Cancel {
        // The place was in their calendar: the cancellation's `.ics`
        // removes it (a higher SEQUENCE of the same UID).
        calendar::raise_sequence(db, booking.id).await?;
        notices::cancelled(db, booking, &row).await?;
    }
    if to == BookingState::Booked {
        let booked = BookingRow {
            state: to,
            ..booking.clone()
        };
        notices::booked(db, &booked, &row).await?;
    }
    Ok(())
}

/// Offers a free place on the session to the first person waiting, if
/// the session has not started, a place is free and someone is waiting.
/// The offer takes the place (offered places count against capacity).
/// Whether a place was offered.
pub(in crate::training) async fn offer_next(
    db: &impl ConnectionTrait,
    row: &SessionRow,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if row.state != SessionState::Scheduled {
        return Ok(false);
    }
    let Some(until) = model::offer_deadline(
        now,
        model::DEFAULT_HOLD,
        row.session.starts_at,
        row.course.course.cancellation_cutoff_hours,
    ) else {
        return Ok(false);
    };
    let Some(first) = store::first_waiting(db, row.id).await? else {
        return Ok(false);
    };
    if !store::take_place(db, row.id).await? {
        return Ok(false);
    }
    if store::move_state(
        db,
        first.id,
        BookingState::Waitlisted,
        BookingState::Offered,
        Some(until),
        now,
    )
    .await?
    {
        reminders::offered_at(db, first.id, now).await?;
        notices::offered(db, &first, row, until).await?;
        Ok(true)
    } else {
        store::release_place(db, row.id).await?;
        Ok(false)
    }
}
