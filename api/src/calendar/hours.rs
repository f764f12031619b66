//! Working hours and timescale spans. A contract's working day (by default
//! 09:00 to 17:00 Europe/London) on each working day of a
//! [`WorkingCalendar`] (Monday to Friday, bank holidays excluded). Times of
//! day are local, in the contract's zone, resolved through `chrono-tz` for
//! each day, so a span across a clock change counts the real time worked;
//! results are instants in UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{WorkingCalendar, next_day};
use crate::{
    clock::ENGLAND,
    error::{AppError, AppResult},
    graphql::inputs::LATEST_YEAR,
};

/// How long a timescale is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Ends at the close of the n-th working day after the day it starts
    /// (that day is day 0).
    WorkingDays(u32),
    /// n hours of working time.
    WorkingHours(u32),
    /// n hours of elapsed time, nights, weekends and holidays included.
    ClockHours(u32),
}

/// A contract's working day: from `start` to `end` local time in `zone`,
/// on the working days of a [`WorkingCalendar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    start: NaiveTime,
    end: NaiveTime,
    zone: Tz,
}

impl Default for WorkingHours {
    /// 09:00 to 17:00 Europe/London.
    fn default() -> Self {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
            zone: ENGLAND,
        }
    }
}

impl WorkingHours {
    /// A working day that ends after it starts, within one date.
    pub fn new(start: NaiveTime, end: NaiveTime, zone: Tz) -> AppResult<Self> {
        if end <= start {
            return Err(AppError::bad_input(
                "workingHours",
                "must end after they start, on the same day",
            ));
        }
        Ok(WorkingHours { start, end, zone })
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// When a timescale of `span` that starts at `start` ends:
    /// - [`Span::WorkingDays`]: the close of working hours (local time)
    ///   on the n-th working day after the local date of `start`, as
    ///   [`WorkingCalendar::add_working_days`] counts it (arriving on any
    ///   day, even a weekend or after closing, that day is day 0; 0 days is
    ///   the close of that same day);
    /// - [`Span::WorkingHours`]: n hours of working time from `start`;
    ///   time before opening counts from opening, time after closing or on
    ///   a day that is not a working day from the next opening. The
    ///   deadline may be a closing time (8 hours from 09:00 is 17:00 that
    ///   day, not 09:00 the next);
    /// - [`Span::ClockHours`]: `start` plus n hours.
    ///
    /// `None` when the deadline would fall after 2199.
    pub fn deadline(
        &self,
        cal: &WorkingCalendar,
        start: DateTime<Utc>,
        span: Span,
    ) -> Option<DateTime<Utc>> {
        match span {
            Span::WorkingDays(n) => {
                let day = cal.add_working_days(self.local_date(start), n)?;
                self.at(day, self.end)
            }
            Span::WorkingHours(n) => self.add_working_time(cal, start, Duration::hours(n.into())),
            Span::ClockHours(n) => start
                .checked_add_signed(Duration::hours(n.into()))
                .filter(|at| at.year() <= LATEST_YEAR),
        }
    }

    /// The instant by which `percent` per cent of a timescale from `start`
    /// to `due` has passed, for judging it "at risk" at a configured share:
    /// working spans measure working time between the two (as
    /// [`WorkingHours::working_time_between`]), clock hours elapsed time;
    /// both to the second, rounded up (so at the instant returned, at least
    /// that share has passed). 0% is `start`; 100% or more is `due`.
    pub fn at_share(
        &self,
        cal: &WorkingCalendar,
        start: DateTime<Utc>,
        due: DateTime<Utc>,
        span: Span,
        percent: u32,
    ) -> DateTime<Utc> {
        if percent == 0 || due <= start {
            return start;
        }
        if percent >= 100 {
            return due;
        }
        let total = match span {
            Span::ClockHours(_) => due - start,
            Span::WorkingDays(_) | Span::WorkingHours(_) => {
                self.working_time_between(cal, start, due)
            }
        };
        let share = Duration::seconds(share_of(total.num_seconds(), percent));
        let at = match span {
            Span::ClockHours(_) => start.checked_add_signed(share),
            Span::WorkingDays(_) | Span::WorkingHours(_) => {
                self.add_working_time(cal, start, share)
            }
        };
        at.map_or(due, |at| at.min(due))
    }

    /// Working time between `a` and `b` (zero when `b` is not after `a`):
    /// the parts of each working day's hours that fall between them.
    pub fn working_time_between(
        &self,
        cal: &WorkingCalendar,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Duration {
        let mut total = Duration::zero();
        let mut day = self.local_date(a);
        let last = self.local_date(b);
        while day <= last {
            if let Some((open, close)) = self.hours_on(cal, day) {
                let (from, to) = (open.max(a), close.min(b));
                if to > from {
                    total += to - from;
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }

    /// [`WorkingHours::working_time_between`] in whole minutes (rounded
    /// down).
    pub fn working_minutes_between(
        &self,
        cal: &WorkingCalendar,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> i64 {
        self.working_time_between(cal, a, b).num_minutes()
    }

    /// The instant `amount` of working time after `start` (see
    /// [`Span::WorkingHours`] in [`WorkingHours::deadline`]); a zero amount
    /// is the first working instant at or after `start`.
    fn add_working_time(
        &self,
        cal: &WorkingCalendar,
        start: DateTime<Utc>,
        amount: Duration,
    ) -> Option<DateTime<Utc>> {
        let mut left = amount;
        let mut day = self.local_date(start);
        loop {
            if let Some((open, close)) = self.hours_on(cal, day) {
                let from = open.max(start);
                if from < close {
                    if left <= close - from {
                        return Some(from + left);
                    }
                    left -= close - from;
                }
            }
            day = next_day(day)?;
        }
    }

    /// Opening and closing on `day`, when it is a working day.
    fn hours_on(
        &self,
        cal: &WorkingCalendar,
        day: NaiveDate,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !cal.is_working_day(day) {
            return None;
        }
        let (open, close) = (self.at(day, self.start)?, self.at(day, self.end)?);
        (close > open).then_some((open, close))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The instant of a local time on a day. A time the clocks skip
    /// (spring forward) is the instant they skip to; a time they pass
    /// twice (fall back) is the first.
    fn at(&self, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        let local = day.and_time(time);
        (0..=8)
            .map(|quarters| local + Duration::minutes(15 * quarters))
            .find_map(|t| self.zone.from_local_datetime(&t).earliest())
            .map(|at| at.with_timezone(&Utc))
    }
}

/// `percent` per cent of `seconds`, rounded up.
fn share_of(seconds: i64, percent: u32) -> i64 {
    let scaled = i128::from(seconds) * i128::from(percent);
    i64::try_from((scaled + 99).div_euclid(100)).unwrap_or(seconds)
}

#[cfg(test)]
mod tests;
