//! Deadlines in working days, working hours and clock hours over the seeded
//! England and Wales holidays: weekends, bank holidays, Christmas and Easter,
//! starts outside working hours, both clock changes, and shares of a span.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::Timelike;
// `Hours` for the span, so that it does not read as the `WorkingHours` type.
use Span::{ClockHours, WorkingDays, WorkingHours as Hours};

use super::*;
use crate::calendar::tests::cal;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn due(start: &str, span: Span) -> DateTime<Utc> {
    WorkingHours::default()
        .deadline(&cal(), utc(start), span)
        .unwrap()
}

/// Each case: from `start` (UTC), a `span` is due at `expected` (UTC).
fn assert_due(cases: &[(&str, Span, &str)]) {
    for &(start, span, expected) in cases {
        assert_eq!(due(start, span), utc(expected), "{start} + {span:?}");
    }
}

fn minutes(a: &str, b: &str) -> i64 {
    WorkingHours::default().working_minutes_between(&cal(), utc(a), utc(b))
}

#[test]
fn working_days_end_at_the_close_of_the_nth_working_day() {
    assert_due(&[
        // Thursday + 3: Friday, Monday, Tuesday at 17:00 (GMT); + 0 is
        // the close of the same day.
        (
            "2026-11-19T10:00:00Z",
            WorkingDays(3),
            "2026-11-24T17:00:00Z",
        ),
        (
            "2026-11-19T10:00:00Z",
            WorkingDays(0),
            "2026-11-19T17:00:00Z",
        ),
        // Arriving on a Saturday, or after closing, the arrival day is day 0.
        (
            "2026-11-21T10:00:00Z",
            WorkingDays(1),
            "2026-11-23T17:00:00Z",
        ),
        (
            "2026-11-19T20:00:00Z",
            WorkingDays(1),
            "2026-11-20T17:00:00Z",
        ),
        // 23:30 UTC on Wednesday 1 July is Thursday in England: + 1 is
        // Friday, closing at 17:00 BST.
        (
            "2026-07-01T23:30:00Z",
            WorkingDays(1),
            "2026-07-03T16:00:00Z",
        ),
    ]);
}

#[test]
fn christmas_new_year_and_year_ends() {
    assert_due(&[
        // 25th and the substitute 28th off: Christmas Eve + 1 is Tuesday
        // 29th; + 4 skips New Year's Day to Monday 4 January.
        (
            "2026-12-24T11:00:00Z",
            WorkingDays(1),
            "2026-12-29T17:00:00Z",
        ),
        (
            "2026-12-24T11:00:00Z",
            WorkingDays(4),
            "2027-01-04T17:00:00Z",
        ),
        // From 11:00 on the 24th, 6 working hours end at closing; the 7th
        // is the first hour of the 29th.
        ("2026-12-24T11:00:00Z", Hours(6), "2026-12-24T17:00:00Z"),
        ("2026-12-24T11:00:00Z", Hours(7), "2026-12-29T10:00:00Z"),
        // New Year's Eve 16:00 + 2 hours: 1 that day, then Monday 4 January.
        ("2026-12-31T16:00:00Z", Hours(2), "2027-01-04T10:00:00Z"),
        // 2027: Christmas and Boxing Day fall at the weekend; 27th and
        // 28th off.
        (
            "2027-12-24T12:00:00Z",
            WorkingDays(1),
            "2027-12-29T17:00:00Z",
        ),
    ]);
}

#[test]
fn a_due_time_that_would_land_on_a_holiday_moves_past_it() {
    assert_due(&[
        // Thursday before Easter 2026 (BST): Good Friday and Easter Monday
        // off, so + 1 is Tuesday; 13:00 + 8 working hours is 4 on
        // Thursday and 4 on Tuesday.
        (
            "2026-04-02T12:00:00Z",
            WorkingDays(1),
            "2026-04-07T16:00:00Z",
        ),
        ("2026-04-02T12:00:00Z", Hours(8), "2026-04-07T12:00:00Z"),
        // Arriving on Good Friday itself: day 0, so + 1 is Tuesday.
        (
            "2026-04-03T09:00:00Z",
            WorkingDays(1),
            "2026-04-07T16:00:00Z",
        ),
    ]);
}

#[test]
fn working_hours_span_a_weekend_and_a_bank_holiday() {
    // Friday 22 May 2026 15:00 BST + 4 hours: 2 on Friday, Spring bank
    // holiday Monday skipped, 2 on Tuesday.
    let (friday, tuesday) = ("2026-05-22T14:00:00Z", "2026-05-26T10:00:00Z");
    assert_due(&[(friday, Hours(4), tuesday)]);
    assert_eq!(minutes(friday, tuesday), 240);
    assert_eq!(minutes(tuesday, friday), 0);
}

#[test]
fn a_start_outside_working_hours_counts_from_the_next_opening() {
    assert_due(&[
        // Before opening (07:00 GMT): from 09:00.
        ("2026-11-24T07:00:00Z", Hours(2), "2026-11-24T11:00:00Z"),
        // After closing: from the next morning.
        ("2026-11-24T18:00:00Z", Hours(2), "2026-11-25T11:00:00Z"),
        ("2026-11-24T18:00:00Z", Hours(0), "2026-11-25T09:00:00Z"),
        // On a Saturday: from Monday.
        ("2026-11-21T12:00:00Z", Hours(2), "2026-11-23T11:00:00Z"),
        // A whole working day from opening ends at closing, not the next
        // morning.
        ("2026-11-24T09:00:00Z", Hours(8), "2026-11-24T17:00:00Z"),
        ("2026-11-24T09:00:00Z", Hours(16), "2026-11-25T17:00:00Z"),
    ]);
}

#[test]
fn the_clocks_going_forward_in_march() {
    // Sunday 29 March 2026: GMT to BST. From Friday 13:00 GMT, 8 working
    // hours end at 13:00 BST on Monday.
    let friday = "2026-03-27T13:00:00Z";
    assert_due(&[
        (friday, Hours(8), "2026-03-30T12:00:00Z"),
        (friday, WorkingDays(0), "2026-03-27T17:00:00Z"),
        (friday, WorkingDays(1), "2026-03-30T16:00:00Z"),
        // 24 clock hours from Saturday noon GMT: 13:00 BST on Sunday.
        (
            "2026-03-28T12:00:00Z",
            ClockHours(24),
            "2026-03-29T12:00:00Z",
        ),
    ]);
    assert_eq!(minutes(friday, "2026-03-30T12:00:00Z"), 480);
    let sunday = due("2026-03-28T12:00:00Z", ClockHours(24));
    assert_eq!(sunday.with_timezone(&ENGLAND).hour(), 13);
}

#[test]
fn the_clocks_going_back_in_october() {
    // Sunday 25 October 2026: BST to GMT. From Friday 13:00 BST, 8 working
    // hours end at 13:00 GMT on Monday.
    let friday = "2026-10-23T12:00:00Z";
    assert_due(&[
        (friday, Hours(8), "2026-10-26T13:00:00Z"),
        (friday, WorkingDays(0), "2026-10-23T16:00:00Z"),
        (friday, WorkingDays(1), "2026-10-26T17:00:00Z"),
        (
            "2026-10-24T12:00:00Z",
            ClockHours(24),
            "2026-10-25T12:00:00Z",
        ),
    ]);
    assert_eq!(minutes(friday, "2026-10-26T13:00:00Z"), 480);
    let sunday = due("2026-10-24T12:00:00Z", ClockHours(24));
    assert_eq!(sunday.with_timezone(&ENGLAND).hour(), 12);
}

#[test]
fn clock_hours_ignore_weekends_and_holidays() {
    assert_due(&[
        (
            "2026-12-24T20:00:00Z",
            ClockHours(24),
            "2026-12-25T20:00:00Z",
        ),
        (
            "2026-12-24T20:00:00Z",
            ClockHours(0),
            "2026-12-24T20:00:00Z",
        ),
    ]);
}

#[test]
fn no_deadline_falls_after_2199() {
    let start = utc("2026-11-23T09:00:00Z");
    for span in [WorkingDays(u32::MAX), Hours(u32::MAX), ClockHours(u32::MAX)] {
        let at = WorkingHours::default().deadline(&cal(), start, span);
        assert_eq!(at, None, "{span:?}");
    }
    let start = utc("2199-12-31T16:00:00Z");
    assert_eq!(
        WorkingHours::default().deadline(&cal(), start, Hours(1)),
        Some(utc("2199-12-31T17:00:00Z"))
    );
    assert_eq!(
        WorkingHours::default().deadline(&cal(), start, Hours(2)),
        None
    );
}

#[test]
fn at_share_is_the_instant_that_share_of_the_time_has_passed() {
    let hours = WorkingHours::default();
    let cases = [
        ("2026-11-23T09:00:00Z", Hours(8), 50, "2026-11-23T13:00:00Z"),
        ("2026-11-23T09:00:00Z", Hours(8), 75, "2026-11-23T15:00:00Z"),
        ("2026-11-23T09:00:00Z", Hours(8), 0, "2026-11-23T09:00:00Z"),
        (
            "2026-11-23T09:00:00Z",
            Hours(8),
            100,
            "2026-11-23T17:00:00Z",
        ),
        (
            "2026-11-23T09:00:00Z",
            Hours(8),
            150,
            "2026-11-23T17:00:00Z",
        ),
        // Friday 13:00 + 1 working day: 4 hours Friday, 8 Monday; half is
        // 6 working hours, so Monday 11:00 (the weekend does not count).
        (
            "2026-11-20T13:00:00Z",
            WorkingDays(1),
            50,
            "2026-11-23T11:00:00Z",
        ),
        // Clock hours count the night: 75% of 24 hours is 18.
        (
            "2026-11-21T10:00:00Z",
            ClockHours(24),
            75,
            "2026-11-22T04:00:00Z",
        ),
        // Across the clock change: 4 working hours on Friday (GMT), the
        // rest on Monday (BST: 11:00 is 10:00 UTC).
        ("2026-03-27T13:00:00Z", Hours(8), 50, "2026-03-27T17:00:00Z"),
        ("2026-03-27T13:00:00Z", Hours(8), 75, "2026-03-30T10:00:00Z"),
    ];
    for (start, span, percent, expected) in cases {
        let start = utc(start);
        let due = hours.deadline(&cal(), start, span).unwrap();
        let at = hours.at_share(&cal(), start, due, span, percent);
        assert_eq!(at, utc(expected), "{percent}% of {span:?} from {start}");
    }
    // Shares round up to the second.
    assert_eq!(share_of(7, 50), 4);
    assert_eq!(share_of(8, 50), 4);
}

#[test]
fn local_times_the_clocks_skip_or_repeat() {
    let hours = WorkingHours::new(
        NaiveTime::from_hms_opt(1, 30, 0).unwrap(),
        NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        ENGLAND,
    )
    .unwrap();
    let t = NaiveTime::from_hms_opt(1, 30, 0).unwrap();
    // 01:30 does not happen on 29 March 2026: the clocks go to 02:00 BST.
    let march = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
    assert_eq!(hours.at(march, t), Some(utc("2026-03-29T01:00:00Z")));
    // 01:30 happens twice on 25 October 2026: the first, in BST.
    let october = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
    assert_eq!(hours.at(october, t), Some(utc("2026-10-25T00:30:00Z")));
}

#[test]
fn working_hours_must_end_after_they_start() {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let err = WorkingHours::new(nine, nine, ENGLAND).unwrap_err();
    assert!(err.message().contains("workingHours"));
    let default = WorkingHours::default();
    assert_eq!(
        (default.start(), default.end()),
        (nine, nine + Duration::hours(8))
    );
    assert_eq!(default.zone(), chrono_tz::Europe::London);
}
