//! Working days: weekends, bank holidays, Christmas and New Year, Easter,
//! year ends, counted over the holidays the migrations seed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The England and Wales holidays the migration seeds (2024-2027).
pub(super) fn cal() -> WorkingCalendar {
    WorkingCalendar::new(
        migration::ENGLAND_AND_WALES_2024_2027
            .iter()
            .map(|h| h.date.parse::<NaiveDate>().unwrap()),
    )
}

#[test]
fn the_seeded_days_are_all_weekdays_and_distinct() {
    let days: Vec<NaiveDate> = migration::ENGLAND_AND_WALES_2024_2027
        .iter()
        .map(|h| h.date.parse().unwrap())
        .collect();
    let distinct: BTreeSet<_> = days.iter().collect();
    assert_eq!(distinct.len(), days.len());
    for day in days {
        assert!(
            !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
            "{day}"
        );
    }
    for year in 2024..=2027 {
        let in_year = migration::ENGLAND_AND_WALES_2024_2027
            .iter()
            .filter(|h| h.date.starts_with(&year.to_string()))
            .count();
        assert_eq!(in_year, 8, "{year}");
        assert!(cal().covers(d(year, 6, 1)));
    }
    assert!(!cal().covers(d(2028, 1, 3)));
    assert!(!cal().covers(d(2023, 12, 29)));
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

#[test]
fn counting_stops_at_the_end_of_2199() {
    let c = cal();
    assert_eq!(
        c.add_working_days(d(2199, 12, 30), 1),
        Some(d(2199, 12, 31))
    );
    assert_eq!(c.add_working_days(d(2199, 12, 31), 1), None);
    assert_eq!(c.add_working_days(d(2026, 1, 1), u32::MAX), None);
}
