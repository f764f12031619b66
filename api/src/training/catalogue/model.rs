//! Rules of the catalogue: what a course and a session must say.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    error::{AppError, AppResult},
    text,
    training::access::Audience,
};

/// Places a session may have.
pub const CAPACITY: std::ops::RangeInclusive<i32> = 1..=1000;
/// The cut-off (hours before the start) a course may set.
pub const CUTOFF_HOURS: std::ops::RangeInclusive<i32> = 0..=336;

/// A course as a coordinator writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Course {
    pub title: String,
    pub description: String,
    pub audience: Vec<Audience>,
    pub accessibility_notes: Option<String>,
    pub booking_policy: Option<String>,
    pub cancellation_cutoff_hours: i32,
}

impl Course {
    /// The course, its text checked and trimmed.
    pub fn checked(self) -> AppResult<Course> {
        if self.audience.is_empty() {
            return Err(AppError::bad_input("input.audience", "names no one"));
        }
        if !CUTOFF_HOURS.contains(&self.cancellation_cutoff_hours) {
            return Err(AppError::bad_input(
                "input.cancellationCutoffHours",
                "must be between 0 and 336 hours",
            ));
        }
        let mut audience = self.audience;
        audience.sort();
        audience.dedup();
        Ok(Course {
            title: text::line("input.title", &self.title, 200)?,
            description: text::prose("input.description", &self.description, 5000)?,
            audience,
            accessibility_notes: text::optional_prose(
                "input.accessibilityNotes",
                self.accessibility_notes.as_deref(),
                2000,
            )?,
            booking_policy: text::optional_prose(
                "input.bookingPolicy",
                self.booking_policy.as_deref(),
                5000,
            )?,
            cancellation_cutoff_hours: self.cancellation_cutoff_hours,
        })
    }
}

/// When and where a session is, and how many it takes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: String,
    pub online_link: Option<String>,
    pub venue: Option<String>,
    pub capacity: i32,
    pub booking_opens_at: DateTime<Utc>,
    pub booking_closes_at: DateTime<Utc>,
}

impl Session {
    /// The session, checked: it ends after it starts, takes 1 to 1000,
    /// is online or somewhere (not both), and booking opens before it
    /// closes, which is no later than the start.
    pub fn checked(self, now: DateTime<Utc>) -> AppResult<Session> {
        if self.ends_at <= self.starts_at {
            return Err(AppError::bad_input(
                "input.endsAt",
                "must be after the start",
            ));
        }
        if self.starts_at <= now {
            return Err(AppError::bad_input(
                "input.startsAt",
                "must be in the future",
            ));
        }
        if !CAPACITY.contains(&self.capacity) {
            return Err(AppError::bad_input(
                "input.capacity",
                "must be between 1 and 1000",
            ));
        }
        if self.booking_closes_at <= self.booking_opens_at {
            return Err(AppError::bad_input(
                "input.bookingClosesAt",
                "must be after booking opens",
            ));
        }
        if self.booking_closes_at > self.starts_at {
            return Err(AppError::bad_input(
                "input.bookingClosesAt",
                "must be no later than the start",
            ));
        }
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(AppError::bad_input(
                "input.timeZone",
                "is not a time zone name (such as Europe/London)",
            ));
        }
        let online_link =
            text::optional_line("input.onlineLink", self.online_link.as_deref(), 500)?;
        let venue = text::optional_prose("input.venue", self.venue.as_deref(), 1000)?;
        match (&online_link, &venue) {
            (Some(link), None) if link.starts_with("https://") => {}
            (Some(_), None) => {
                return Err(AppError::bad_input(
                    "input.onlineLink",
                    "must be an https:// link",
                ));
            }
            (None, Some(_)) => {}
            _ => {
                return Err(AppError::bad_input(
                    "input.venue",
                    "give either an online link or a venue",
                ));
            }
        }
        Ok(Session {
            online_link,
            venue,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            starts_at: now + Duration::days(7),
            ends_at: now + Duration::days(7) + Duration::hours(2),
            time_zone: "Europe/London".into(),
            online_link: Some("https://meet.example/abc".into()),
            venue: None,
            capacity: 20,
            booking_opens_at: now,
            booking_closes_at: now + Duration::days(6),
        }
    }

    #[test]
    fn sessions_are_checked() {
        let now = Utc::now();
        assert!(session(now).checked(now).is_ok());
        let field = |s: Session| match s.checked(now) {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let mut s = session(now);
        s.ends_at = s.starts_at;
        assert_eq!(field(s), "input.endsAt");
        let mut s = session(now);
        s.capacity = 1001;
        assert_eq!(field(s), "input.capacity");
        let mut s = session(now);
        s.booking_closes_at = s.starts_at + Duration::hours(1);
        assert_eq!(field(s), "input.bookingClosesAt");
        let mut s = session(now);
        s.time_zone = "Mars/Olympus".into();
        assert_eq!(field(s), "input.timeZone");
        let mut s = session(now);
        s.venue = Some("Hall".into());
        assert_eq!(field(s), "input.venue");
    }
}
