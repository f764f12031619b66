//! A booking's calendar entry: what the `.ics` on a training email says,
//! decided when the email is sent from the booking as it stands then.
//!
//! - a booked place on a scheduled session: `METHOD:REQUEST` (add or
//!   update), with the venue or the online link (the person is booked);
//! - a place once booked that is no longer live (cancelled, cancelled late,
//!   moved, or its session cancelled): `METHOD:CANCEL` of the same `UID`;
//! - anything that never held a booked place (waiting, offered, declined,
//!   expired) and a place already attended or missed: no entry.
//!
//! `training_bookings.calendar_sequence` is the entry's `SEQUENCE`. Every
//! change a person's calendar must follow raises it, and only bookings
//! whose entry is in a calendar get it raised: so a booking that is no
//! longer live with a sequence above 0 is one whose entry was withdrawn.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{
    bookings::model::BookingState,
    catalogue::store::{self as catalogue, SessionRow, SessionState},
};
use crate::{
    db::{
        raw::{exec, query},
        rows::{first, get},
    },
    error::AppResult,
    notifications::{
        calendar::{CalendarSource, Entry, Method},
        model::Kind,
    },
};

/// The subject type training notifications about a booking carry.
pub const SUBJECT: &str = "TrainingBooking";

/// A booking's calendar `UID`: the same for its whole life.
pub fn uid(booking: Uuid) -> String {
    format!("training-booking-{booking}@closeknit")
}

/// Raises the booking's `SEQUENCE`, in the caller's transaction: call it
/// with every change to a booked place its holder's calendar must follow
/// (a new time or venue, the place cancelled or moved, the session
/// cancelled).
pub async fn raise_sequence(db: &impl ConnectionTrait, booking: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_bookings SET calendar_sequence = calendar_sequence + 1 WHERE id = $1",
        vec![booking.into()],
    )
    .await?;
    Ok(())
}

/// What the entry asks of the person's calendar, if it has an entry.
pub fn method(state: BookingState, sequence: i32, session: SessionState) -> Option<Method> {
    use BookingState::*;
    match state {
        Booked if session == SessionState::Cancelled => Some(Method::Cancel),
        Booked => Some(Method::Request),
        Waitlisted | Offered | Declined | Expired | Attended | NoShow | Excused => None,
        // Cancelled, cancelled late, and any later state out of a place:
        // it was in a calendar only if its sequence was raised.
        _ if sequence > 0 => Some(Method::Cancel),
        _ => None,
    }
}

/// What a session's entry shows.
pub struct Sitting<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: Option<&'a str>,
    pub online_link: Option<&'a str>,
}

impl<'a> Sitting<'a> {
    fn of(row: &'a SessionRow) -> Self {
        Sitting {
            title: &row.course.course.title,
            description: &row.course.course.description,
            starts_at: row.session.starts_at,
            ends_at: row.session.ends_at,
            venue: row.session.venue.as_deref(),
            online_link: row.session.online_link.as_deref(),
        }
    }
}

/// The entry of `booking` on `sitting`. The online link is its location
/// only on a request (a live booked place), never on a cancellation.
pub fn entry(booking: Uuid, method: Method, sequence: i32, sitting: &Sitting<'_>) -> Entry {
    let link = sitting.online_link.filter(|_| method == Method::Request);
    Entry {
        method,
        uid: uid(booking),
        sequence,
        summary: sitting.title.to_string(),
        description: sitting.description.to_string(),
        location: sitting.venue.or(link).map(str::to_string),
        starts_at: sitting.starts_at,
        ends_at: sitting.ends_at,
    }
}

/// Training's [`CalendarSource`] for `TrainingBooking` notifications
/// (booking confirmations, changes, cancellations; never reminders).
pub struct BookingCalendar;

#[async_trait]
impl CalendarSource for BookingCalendar {
    async fn entry(
        &self,
        db: &DatabaseConnection,
        kind: Kind,
        booking: Uuid,
    ) -> AppResult<Option<Entry>> {
        if kind != Kind::TrainingBooking {
            return Ok(None);
        }
        let rows = query(
            db,
            "SELECT session_id, state, calendar_sequence FROM training_bookings WHERE id = $1",
            vec![booking.into()],
        )
        .await?;
        let Some((session, state, sequence)) = first(rows, |r| {
            Ok((
                get::<Uuid>(r, "session_id")?,
                BookingState::parse(&get::<String>(r, "state")?)?,
                get::<i32>(r, "calendar_sequence")?,
            ))
        })?
        else {
            return Ok(None);
        };
        let Some(row) = catalogue::session(db, session, None).await? else {
            return Ok(None);
        };
        Ok(method(state, sequence, row.state)
            .map(|method| entry(booking, method, sequence, &Sitting::of(&row))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifications::calendar::{Invite, attachment};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Fixed inputs: a venue with commas and a semicolon, a description
    /// long enough to fold.
    fn sitting() -> Sitting<'static> {
        Sitting {
            title: "Understanding kinship care: family time, contact; and you",
            description: "A workshop for carers raising a relative's child, co-designed \
                          with kinship carers; bring questions, and a notebook.\nTea provided.",
            starts_at: at("2026-12-15T10:00:00Z"),
            ends_at: at("2026-12-15T12:00:00Z"),
            venue: Some("Northmoor Family Centre, 1 High Street, Northmoor"),
            online_link: None,
        }
    }

    fn ics(method: Method, sequence: i32, stamp: &str) -> String {
        let booking: Uuid = "0193a5b0-7c1e-7000-8000-00000000beef".parse().unwrap();
        let entry = entry(booking, method, sequence, &sitting());
        let file = attachment(&Invite {
            entry: &entry,
            organizer: ("no-reply@closeknit.invalid", "Closeknit"),
            attendee: "carer.one@people.example",
            stamp: at(stamp),
        });
        let m = if method == Method::Request {
            "REQUEST"
        } else {
            "CANCEL"
        };
        assert_eq!(
            file.content_type,
            format!("text/calendar; charset=utf-8; method={m}")
        );
        file.content
    }

    /// Compares with a golden file byte for byte (`UPDATE_GOLDEN=1`
    /// rewrites them after a deliberate change).
    fn golden(name: &str, actual: &str) {
        let path = format!(
            "{}/src/training/testdata/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        if std::env::var("UPDATE_GOLDEN").is_ok() {
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read(&path).unwrap();
        assert_eq!(
            String::from_utf8(expected).unwrap(),
            actual,
            "{path} differs"
        );
        assert!(actual.lines().all(|l| l.len() <= 76), "folded at 75 octets");
        assert!(actual.split("\r\n").all(|l| !l.contains('\n')), "CRLF only");
    }

    #[test]
    fn a_new_booking_is_a_request() {
        golden(
            "booking-request.ics",
            &ics(Method::Request, 0, "2026-12-07T09:30:00Z"),
        );
    }

    #[test]
    fn a_changed_booking_is_a_request_with_a_higher_sequence() {
        golden(
            "booking-changed.ics",
            &ics(Method::Request, 1, "2026-12-08T14:00:00Z"),
        );
    }

    #[test]
    fn a_cancelled_booking_is_a_cancel_of_the_same_uid() {
        golden(
            "booking-cancel.ics",
            &ics(Method::Cancel, 2, "2026-12-09T08:15:00Z"),
        );
    }

    #[test]
    fn the_online_link_is_shown_only_on_a_request() {
        let online = Sitting {
            venue: None,
            online_link: Some("https://meet.example/kinship"),
            ..sitting()
        };
        let id = Uuid::now_v7();
        assert_eq!(
            entry(id, Method::Request, 0, &online).location.as_deref(),
            Some("https://meet.example/kinship")
        );
        assert_eq!(entry(id, Method::Cancel, 1, &online).location, None);
    }

    #[test]
    fn only_places_once_booked_have_an_entry() {
        use BookingState::*;
        let scheduled = SessionState::Scheduled;
        assert_eq!(method(Booked, 0, scheduled), Some(Method::Request));
        assert_eq!(
            method(Booked, 1, SessionState::Cancelled),
            Some(Method::Cancel)
        );
        assert_eq!(method(Cancelled, 1, scheduled), Some(Method::Cancel));
        assert_eq!(method(CancelledLate, 3, scheduled), Some(Method::Cancel));
        // Cancelled while waiting: it never was in a calendar.
        assert_eq!(method(Cancelled, 0, scheduled), None);
        for state in [Waitlisted, Offered, Declined, Expired, Attended, NoShow] {
            assert_eq!(method(state, 2, scheduled), None, "{state:?}");
        }
    }
}
