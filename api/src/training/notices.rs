//! What training tells people, through the notification jobs (honouring
//! each person's channels and quiet hours), in the transaction of the
//! change that causes it.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{
    bookings::{model::BookingState, store::BookingRow},
    catalogue::store::SessionRow,
};
use crate::{
    error::AppResult,
    notifications::{
        model::Kind,
        service::{NewNotification, notify},
    },
};

/// A booking notice (`TrainingBooking`: the email carries the booking's
/// calendar entry).
async fn tell(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    title: &str,
    body: &str,
) -> AppResult<()> {
    send(db, Kind::TrainingBooking, booking, title, body).await
}

/// A reminder (`TrainingReminder`: no calendar entry).
async fn remind(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    title: &str,
    body: &str,
) -> AppResult<()> {
    send(db, Kind::TrainingReminder, booking, title, body).await
}

async fn send(
    db: &impl ConnectionTrait,
    kind: Kind,
    booking: &BookingRow,
    title: &str,
    body: &str,
) -> AppResult<()> {
    notify(
        db,
        NewNotification {
            person_id: booking.person_id,
            kind,
            title,
            body,
            subject: Some(("TrainingBooking", booking.id)),
            collapse_key: None,
        },
    )
    .await?;
    Ok(())
}

fn when(row: &SessionRow) -> String {
    row.session
        .starts_at
        .with_timezone(&zone(row))
        .format("%A %-d %B %Y at %H:%M")
        .to_string()
}

/// A place booked, or a place on the waiting list.
pub(super) async fn booked(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
) -> AppResult<()> {
    let title = &row.course.course.title;
    match (booking.state, booking.waitlist_position) {
        (BookingState::Waitlisted, Some(position)) => {
            tell(
                db,
                booking,
                "You are on the waiting list",
                &format!(
                    "{title} on {} is full. You are number {position} on the waiting list: \
                     we will tell you if a place comes up.",
                    when(row)
                ),
            )
            .await
        }
        _ => {
            tell(
                db,
                booking,
                "Your training place is booked",
                &format!("You are booked on {title} on {}.", when(row)),
            )
            .await
        }
    }
}

/// A freed place offered, with its deadline.
pub(super) async fn offered(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
    until: DateTime<Utc>,
) -> AppResult<()> {
    let tz = zone(row);
    tell(
        db,
        booking,
        "A training place is free for you",
        &format!(
            "A place came up on {} on {}. It is held for you until {}: accept or decline it \
             in the app.",
            row.course.course.title,
            when(row),
            until.with_timezone(&tz).format("%A %-d %B at %H:%M")
        ),
    )
    .await
}

/// A booked place cancelled by the person (the email's `.ics` removes the
/// entry from their calendar).
pub(super) async fn cancelled(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
) -> AppResult<()> {
    tell(
        db,
        booking,
        "Your training place is cancelled",
        &format!(
            "Your place on {} on {} is cancelled.",
            row.course.course.title,
            when(row)
        ),
    )
    .await
}

/// An offered place's hold ends within 6 hours.
pub(super) async fn offer_expiring(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
    until: DateTime<Utc>,
) -> AppResult<()> {
    let tz = zone(row);
    remind(
        db,
        booking,
        "Your offered training place is held for a few more hours",
        &format!(
            "The place offered to you on {} on {} is held until {}. Accept or decline it in \
             the app before then, or it goes to the next person waiting.",
            row.course.course.title,
            when(row),
            until.with_timezone(&tz).format("%A %-d %B at %H:%M %Z")
        ),
    )
    .await
}

/// A booked session starts within a day.
pub(super) async fn day_before(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
) -> AppResult<()> {
    remind(
        db,
        booking,
        "Your training is coming up",
        &format!(
            "A reminder: you are booked on {} on {}, {}.",
            row.course.course.title,
            when(row),
            place(row)
        ),
    )
    .await
}

/// The session's time zone (England's if it is not one).
fn zone(row: &SessionRow) -> chrono_tz::Tz {
    row.session
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::London)
}

/// Where a session is held, in words.
fn place(row: &SessionRow) -> String {
    match &row.session.venue {
        Some(venue) => format!("at {venue}"),
        None => "online (the link is in the app)".into(),
    }
}

/// A session someone holds or is offered a place on has moved in time or
/// place.
pub(super) async fn changed(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
) -> AppResult<()> {
    tell(
        db,
        booking,
        "Your training session has changed",
        &format!(
            "{} is now on {}, {}. Your calendar entry is updated.",
            row.course.course.title,
            when(row),
            place(row)
        ),
    )
    .await
}

/// The provider cancelled a session someone held a place on, was offered
/// one on, or was waiting for.
pub(super) async fn called_off(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
    reason: &str,
) -> AppResult<()> {
    tell(
        db,
        booking,
        "A training session is cancelled",
        &format!(
            "{} on {} is cancelled. The reason given: \"{reason}\". You do not need to do anything.",
            row.course.course.title,
            when(row)
        ),
    )
    .await
}

/// A place moved to another session of the same course.
pub(super) async fn moved(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    row: &SessionRow,
) -> AppResult<()> {
    tell(
        db,
        booking,
        "Your training place has moved",
        &format!(
            "Your place on {} is now on {}, {}.",
            row.course.course.title,
            when(row),
            place(row)
        ),
    )
    .await
}
