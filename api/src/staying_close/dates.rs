//! Ages and dates: birthdays (29 February included), age on a date, and
//! dates that must not be in the future.

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};

/// The date someone born on `born` reaches `years` of age. A person born
/// on 29 February reaches it on 1 March in a common year.
pub(super) fn birthday(born: NaiveDate, years: u32) -> NaiveDate {
    let year = born.year() + i32::try_from(years).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(born)
}

/// Age in whole years on `on`.
pub(super) fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - born.year();
    if on < birthday(born, u32::try_from(age.max(0)).unwrap_or(0)) {
        age -= 1;
    }
    age
}

/// A date that must not be in the future (something that happened).
pub(super) fn not_future(field: &str, date: NaiveDate, today: NaiveDate) -> AppResult<NaiveDate> {
    if date > today {
        return Err(AppError::bad_input(field, "must not be in the future"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_and_birthdays_including_leap_days() {
        assert_eq!(birthday(d(2004, 2, 29), 21), d(2025, 3, 1));
        assert_eq!(birthday(d(2004, 2, 29), 20), d(2024, 2, 29));
        assert_eq!(age_on(d(2007, 3, 14), d(2025, 3, 13)), 17);
        assert_eq!(age_on(d(2007, 3, 14), d(2025, 3, 14)), 18);
        assert_eq!(age_on(d(2004, 2, 29), d(2025, 2, 28)), 20);
        assert_eq!(age_on(d(2004, 2, 29), d(2025, 3, 1)), 21);
    }
}
