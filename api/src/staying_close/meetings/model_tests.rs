#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn timescales() {
    assert_eq!(next_check_in_due(d(2026, 1, 1), 56), d(2026, 2, 26));
    assert_eq!(next_review_due(d(2026, 1, 31), 6, None), d(2026, 7, 31));
    assert_eq!(next_review_due(d(2025, 8, 31), 6, None), d(2026, 2, 28));
    // A review asked for sooner comes sooner; never later.
    assert_eq!(
        next_review_due(d(2026, 1, 1), 6, Some(d(2026, 3, 1))),
        d(2026, 3, 1)
    );
    assert_eq!(
        next_review_due(d(2026, 1, 1), 6, Some(d(2027, 3, 1))),
        d(2026, 7, 1)
    );
    assert!(check_in_interval(57).is_err());
    assert!(check_in_interval(6).is_err());
    assert_eq!(check_in_interval(28).unwrap(), 28);
}

#[test]
fn a_meeting_is_overdue_the_day_after_it_was_due() {
    let due = d(2026, 11, 20);
    assert!(!is_overdue(due, d(2026, 11, 19)));
    assert!(!is_overdue(due, due));
    assert!(is_overdue(due, d(2026, 11, 21)));
}
