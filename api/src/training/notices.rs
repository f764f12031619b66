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

async fn tell(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    title: &str,
    body: &str,
) -> AppResult<()> {
    notify(
        db,
        NewNotification {
            person_id: booking.person_id,
            kind: Kind::TrainingBooking,
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
    let tz: chrono_tz::Tz = row
        .session
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::London);
    row.session
        .starts_at
        .with_timezone(&tz)
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
    let tz: chrono_tz::Tz = row
        .session
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::London);
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

async fn remind(
    db: &impl ConnectionTrait,
    booking: &BookingRow,
    title: &str,
    body: &str,
) -> AppResult<()> {
    notify(
        db,
        NewNotification {
            person_id: booking.person_id,
            kind: Kind::TrainingReminder,
            title,
            body,
            subject: Some(("TrainingBooking", booking.id)),
            collapse_key: None,
        },
    )
    .await?;
    Ok(())
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
    let place = match (&row.session.venue, &row.session.online_link) {
        (Some(venue), _) => format!(" at {venue}"),
        (None, Some(_)) => " online: the link is with your booking in the app".to_string(),
        (None, None) => String::new(),
    };
    remind(
        db,
        booking,
        "Your training is coming up",
        &format!(
            "A reminder: you are booked on {} on {}{place}.",
            row.course.course.title,
            when(row)
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
