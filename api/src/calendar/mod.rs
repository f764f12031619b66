//! Working days and hours in England and Wales: weekends and bank holidays
//! are not working days. Timescales (advocacy's "first contact within 5
//! working days", "within 24 hours") are counted here, one way for every
//! domain.
//!
//! Counting follows the usual rule for statutory timescales: the day a
//! request arrives is day 0, and the timescale ends at the close of the
//! n-th working day after it. The bank holidays are data, one table owned
//! by this module:
//! - [`store`]: `bank_holidays` (seeded by the migrations with the
//!   published England and Wales list for 2024-2027) and
//!   [`store::load`], which reads a division's [`WorkingCalendar`];
//! - [`import`]: `closeknit calendar import FILE`, gov.uk's
//!   `bank-holidays.json` format, replacing the years a file covers;
//! - [`hours`]: working hours (09:00-17:00 Europe/London by default),
//!   [`hours::Span`] and deadlines in working days, working hours or clock
//!   hours, and the instant a share of a span has passed.

pub mod hours;
pub mod import;
pub mod store;

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::graphql::inputs::LATEST_YEAR;

crate::stored_enum! {
    /// A bank-holiday division, as gov.uk names them.
    Division {
        EnglandAndWales = "england-and-wales",
        Scotland = "scotland",
        NorthernIreland = "northern-ireland",
    }
}

/// Weekends and a set of bank holidays.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        WorkingCalendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// Not a Saturday, a Sunday or a bank holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_bank_holiday(day)
    }

    pub fn is_bank_holiday(&self, day: NaiveDate) -> bool {
        self.holidays.contains(&day)
    }

    /// Whether the calendar holds any bank holiday in `day`'s year: a
    /// deadline in a year it does not cover is counted with weekends only
    /// (import the year's holidays with `closeknit calendar import`).
    pub fn covers(&self, day: NaiveDate) -> bool {
        let year = day.year();
        self.holidays
            .range(NaiveDate::from_yo_opt(year, 1).unwrap_or(day)..)
            .next()
            .is_some_and(|first| first.year() == year)
    }

    /// The n-th working day after `from` (`from` itself is day 0, whether
    /// or not it is a working day); `None` past the end of 2199, the last
    /// year any date may hold.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = next_day(day)?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`): how long something took, counted as timescales
    /// are.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

/// The day after `day`, up to the end of [`LATEST_YEAR`]: dates are kept
/// within 1900-2199, so a count never runs on towards chrono's limits.
fn next_day(day: NaiveDate) -> Option<NaiveDate> {
    day.succ_opt().filter(|next| next.year() <= LATEST_YEAR)
}

#[cfg(test)]
mod tests;
