//! What a series is: its rule, when its first sitting starts (a local
//! date-time in its time zone), and what every sitting copies.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rule;
use crate::{
    error::{AppError, AppResult},
    training::catalogue::model::Session,
};

/// Minutes a sitting may last.
pub const DURATION_MINUTES: std::ops::RangeInclusive<i32> = 15..=720;
/// Days before a sitting that booking may open.
pub const OPENS_DAYS_BEFORE: std::ops::RangeInclusive<i32> = 1..=365;
/// Hours before a sitting that booking may close.
pub const CLOSES_HOURS_BEFORE: std::ops::RangeInclusive<i32> = 0..=336;

/// A series as a coordinator writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    /// The rule alone, such as `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12`.
    pub rrule: String,
    /// The first sitting's start, as a wall-clock time in `time_zone`.
    pub first_starts_at: NaiveDateTime,
    pub time_zone: String,
    pub duration_minutes: i32,
    pub capacity: i32,
    pub online_link: Option<String>,
    pub venue: Option<String>,
    pub booking_opens_days_before: i32,
    pub booking_closes_hours_before: i32,
}

/// A series checked, with its first start as an instant and the sittings
/// its rule generates (each checked as any session is).
#[derive(Debug, Clone)]
pub struct Generated {
    pub series: Series,
    pub first_starts_at: DateTime<Utc>,
    pub sittings: Vec<Session>,
}

impl Series {
    /// The series checked and expanded: a bounded rule of 1 to 100
    /// occurrences, a first start in the future, and sittings that pass
    /// [`Session::checked`].
    pub fn generate(self, now: DateTime<Utc>) -> AppResult<Generated> {
        let zone: chrono_tz::Tz = self.time_zone.parse().map_err(|_| {
            AppError::bad_input(
                "input.timeZone",
                "is not a time zone name (such as Europe/London)",
            )
        })?;
        let (rrule, parsed) = rule::checked(&self.rrule)?;
        if !DURATION_MINUTES.contains(&self.duration_minutes) {
            return Err(AppError::bad_input(
                "input.durationMinutes",
                "must be between 15 and 720 minutes",
            ));
        }
        if !OPENS_DAYS_BEFORE.contains(&self.booking_opens_days_before) {
            return Err(AppError::bad_input(
                "input.bookingOpensDaysBefore",
                "must be between 1 and 365 days",
            ));
        }
        if !CLOSES_HOURS_BEFORE.contains(&self.booking_closes_hours_before)
            || self.booking_closes_hours_before >= self.booking_opens_days_before * 24
        {
            return Err(AppError::bad_input(
                "input.bookingClosesHoursBefore",
                "must be between 0 and 336 hours, and after booking opens",
            ));
        }
        let first = rule::first_start(self.first_starts_at, zone)?;
        if first <= now {
            return Err(AppError::bad_input(
                "input.firstStartsAt",
                "must be in the future",
            ));
        }
        let series = Series { rrule, ..self };
        let sittings = rule::occurrences(parsed, first, zone)?
            .into_iter()
            .map(|at| series.sitting(at).checked(now))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(Generated {
            series,
            first_starts_at: first,
            sittings,
        })
    }

    /// The sitting starting at `starts_at`.
    fn sitting(&self, starts_at: DateTime<Utc>) -> Session {
        Session {
            starts_at,
            ends_at: starts_at + Duration::minutes(i64::from(self.duration_minutes)),
            time_zone: self.time_zone.clone(),
            online_link: self.online_link.clone(),
            venue: self.venue.clone(),
            capacity: self.capacity,
            booking_opens_at: starts_at - Duration::days(i64::from(self.booking_opens_days_before)),
            booking_closes_at: starts_at
                - Duration::hours(i64::from(self.booking_closes_hours_before)),
        }
    }
}
