//! Working days in England and Wales: weekends and bank holidays are not
//! working days. Timescales counted in working days (advocacy's "first
//! contact within 5 working days") are counted here, one way for every
//! domain.
//!
//! Counting follows the usual rule for statutory timescales: the day a
//! request arrives is day 0, and the timescale ends at the close of the
//! n-th working day after it. The bank holidays are data: the published
//! England and Wales list for 2024-2027 is [`ENGLAND_AND_WALES_2024_2027`],
//! the seed for the stored table.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// The published England and Wales bank holidays, 2024 to 2027 (substitute
/// days included: Boxing Day 2026 and Christmas 2027 fall on weekends).
pub const ENGLAND_AND_WALES_2024_2027: [(i32, u32, u32); 32] = [
    (2024, 1, 1),
    (2024, 3, 29),
    (2024, 4, 1),
    (2024, 5, 6),
    (2024, 5, 27),
    (2024, 8, 26),
    (2024, 12, 25),
    (2024, 12, 26),
    (2025, 1, 1),
    (2025, 4, 18),
    (2025, 4, 21),
    (2025, 5, 5),
    (2025, 5, 26),
    (2025, 8, 25),
    (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1),
    (2026, 4, 3),
    (2026, 4, 6),
    (2026, 5, 4),
    (2026, 5, 25),
    (2026, 8, 31),
    (2026, 12, 25),
    (2026, 12, 28),
    (2027, 1, 1),
    (2027, 3, 26),
    (2027, 3, 29),
    (2027, 5, 3),
    (2027, 5, 31),
    (2027, 8, 30),
    (2027, 12, 27),
    (2027, 12, 28),
];

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

    /// The published England and Wales calendar for 2024-2027.
    pub fn england_and_wales() -> Self {
        WorkingCalendar::new(
            ENGLAND_AND_WALES_2024_2027
                .iter()
                .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        )
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The n-th working day after `from` (`from` itself is day 0, whether
    /// or not it is a working day); `None` past the end of the calendar's
    /// date range.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt()?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::england_and_wales()
    }

    #[test]
    fn the_published_days_are_all_weekdays_and_distinct() {
        let days: Vec<NaiveDate> = ENGLAND_AND_WALES_2024_2027
            .iter()
            .map(|&(y, m, day)| d(y, m, day))
            .collect();
        let distinct: BTreeSet<_> = days.iter().collect();
        assert_eq!(distinct.len(), days.len());
        for day in days {
            assert!(
                !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                "{day}"
            );
        }
    }

    #[test]
    fn weekends_are_skipped() {
        // Thursday + 3 working days: Friday, Monday, Tuesday.
        assert_eq!(
            cal().add_working_days(d(2026, 11, 19), 3),
            Some(d(2026, 11, 24))
        );
        // Arriving on a Saturday counts from the Monday.
        assert_eq!(
            cal().add_working_days(d(2026, 11, 21), 1),
            Some(d(2026, 11, 23))
        );
        assert_eq!(
            cal().add_working_days(d(2026, 11, 19), 0),
            Some(d(2026, 11, 19))
        );
    }

    #[test]
    fn christmas_and_new_year_with_substitute_days() {
        // 2026: Christmas Friday, Boxing Day Saturday (substitute Monday 28th).
        let c = cal();
        assert!(!c.is_working_day(d(2026, 12, 25)));
        assert!(!c.is_working_day(d(2026, 12, 28)));
        assert!(c.is_working_day(d(2026, 12, 29)));
        // Thursday 24th + 1: Tuesday 29th; + 4: Friday 2027-01-01 is a holiday,
        // so Monday 4 January.
        assert_eq!(
            c.add_working_days(d(2026, 12, 24), 1),
            Some(d(2026, 12, 29))
        );
        assert_eq!(
            c.add_working_days(d(2026, 12, 24), 3),
            Some(d(2026, 12, 31))
        );
        assert_eq!(c.add_working_days(d(2026, 12, 24), 4), Some(d(2027, 1, 4)));
        // 2027: Christmas and Boxing Day on the weekend, 27th and 28th off.
        assert_eq!(
            c.add_working_days(d(2027, 12, 24), 1),
            Some(d(2027, 12, 29))
        );
    }

    #[test]
    fn easter_and_year_ends() {
        let c = cal();
        // Thursday before Easter 2026 + 1: Good Friday and Easter Monday off.
        assert_eq!(c.add_working_days(d(2026, 4, 2), 1), Some(d(2026, 4, 7)));
        // Across the end of 2025: 31 Dec + 1 skips New Year's Day.
        assert_eq!(c.add_working_days(d(2025, 12, 31), 1), Some(d(2026, 1, 2)));
        // Easter 2027 falls in March.
        assert_eq!(c.add_working_days(d(2027, 3, 25), 1), Some(d(2027, 3, 30)));
    }

    #[test]
    fn a_due_day_never_lands_on_a_holiday_or_weekend() {
        let c = cal();
        let mut day = d(2024, 1, 1);
        while day < d(2027, 12, 31) {
            for n in [1, 3, 5, 10] {
                let due = c.add_working_days(day, n).unwrap();
                assert!(c.is_working_day(due), "{day} + {n} = {due}");
                assert_eq!(c.working_days_between(day, due), n, "{day} + {n}");
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn working_days_between_counts_after_the_first_day() {
        let c = cal();
        assert_eq!(c.working_days_between(d(2026, 11, 20), d(2026, 11, 20)), 0);
        assert_eq!(c.working_days_between(d(2026, 11, 20), d(2026, 11, 23)), 1);
        assert_eq!(c.working_days_between(d(2026, 11, 23), d(2026, 11, 20)), 0);
        // Friday 18 Dec 2026 to Monday 4 Jan 2027: 21-24, 29-31 Dec and 4 Jan.
        assert_eq!(c.working_days_between(d(2026, 12, 18), d(2027, 1, 4)), 8);
    }
}
