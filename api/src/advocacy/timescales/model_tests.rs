//! Contract terms and clocks: the most specific rule wins, terms must
//! cover every request, due and at-risk times over the seeded calendar,
//! and each state a clock can be in.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::{NaiveDate, TimeZone};

use super::*;

fn cal() -> WorkingCalendar {
    WorkingCalendar::new(
        migration::ENGLAND_AND_WALES_2024_2027
            .iter()
            .map(|h| h.date.parse::<NaiveDate>().unwrap()),
    )
}

/// An instant given in London local time (GMT in winter).
fn london(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    crate::clock::ENGLAND
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

const STANDARD: (AdvocacyKind, Urgency) = (AdvocacyKind::Instructed, Urgency::Standard);
const URGENT: (AdvocacyKind, Urgency) = (AdvocacyKind::NonInstructed, Urgency::Urgent);

/// A clock under the standard terms.
fn standard(timescale: Timescale, request: (AdvocacyKind, Urgency), at: DateTime<Utc>) -> Clock {
    Terms::standard()
        .start(&cal(), timescale, request, at)
        .unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

#[test]
fn first_contact_over_christmas_is_due_after_the_holidays() {
    // Requested Wednesday 23 December 2026: Christmas Day (Friday), Boxing
    // Day substitute (Monday 28th) and New Year's Day (Friday) skipped.
    let terms = Terms::standard();
    let clock = terms
        .start(
            &cal(),
            Timescale::FirstContact,
            STANDARD,
            london(2026, 12, 23, 10, 0),
        )
        .unwrap();
    // Day 0 is the 23rd; working days 24, 29, 30, 31, 4 Jan.
    assert_eq!(clock.due_at, london(2027, 1, 4, 17, 0));
    assert!(!clock.provisional);
    let allocation = terms
        .start(
            &cal(),
            Timescale::Allocation,
            STANDARD,
            london(2026, 12, 23, 10, 0),
        )
        .unwrap();
    assert_eq!(allocation.due_at, london(2026, 12, 30, 17, 0));
}

#[test]
fn urgent_first_contact_is_24_clock_hours_through_a_weekend() {
    let clock = standard(Timescale::FirstContact, URGENT, london(2026, 12, 4, 16, 30));
    assert_eq!(clock.due_at, london(2026, 12, 5, 16, 30));
    assert_eq!(clock.length.unit, TimescaleUnit::ClockHours);
    // 75% of 24 hours: 18 hours in.
    assert_eq!(clock.at_risk_at, london(2026, 12, 5, 10, 30));
}

#[test]
fn at_risk_counts_working_time_only() {
    // Allocation: 3 working days from Friday 10:00 is Wednesday 17:00;
    // working time from Friday 10:00 is 7 + 8 + 8 + 8 = 31 hours; 75% of
    // it (23h15m) is reached 15 minutes into Wednesday.
    let clock = standard(Timescale::Allocation, STANDARD, london(2026, 12, 4, 10, 0));
    assert_eq!(clock.due_at, london(2026, 12, 9, 17, 0));
    assert_eq!(clock.at_risk_at, london(2026, 12, 9, 9, 15));
}

#[test]
fn a_clock_moves_through_each_state() {
    let mut clock = standard(Timescale::Allocation, STANDARD, london(2026, 12, 4, 10, 0));
    let before_risk = clock.at_risk_at - Duration::minutes(1);
    assert_eq!(clock.state(before_risk), TimescaleState::Pending);
    assert_eq!(clock.state(clock.at_risk_at), TimescaleState::AtRisk);
    assert_eq!(clock.state(clock.due_at), TimescaleState::AtRisk);
    assert_eq!(
        clock.state(clock.due_at + Duration::seconds(1)),
        TimescaleState::Breached
    );
    clock.met_at = Some(clock.due_at);
    assert_eq!(
        clock.state(clock.due_at + Duration::days(9)),
        TimescaleState::Met
    );
    clock.met_at = Some(clock.due_at + Duration::minutes(1));
    assert_eq!(clock.state(clock.due_at), TimescaleState::Breached);
    clock.met_at = None;
    clock.stopped_at = Some(clock.started_at + Duration::hours(1));
    assert_eq!(
        clock.state(clock.due_at + Duration::days(9)),
        TimescaleState::Stopped
    );
    clock.stopped_at = Some(clock.due_at + Duration::hours(1));
    assert_eq!(
        clock.state(clock.due_at + Duration::days(9)),
        TimescaleState::Breached
    );
}

#[test]
fn a_deadline_beyond_the_calendar_is_provisional() {
    let clock = standard(
        Timescale::FirstContact,
        STANDARD,
        london(2027, 12, 29, 10, 0),
    );
    assert_eq!(clock.due_at, london(2028, 1, 5, 17, 0));
    assert!(clock.provisional);
    let urgent = standard(Timescale::FirstContact, URGENT, london(2027, 12, 31, 10, 0));
    assert!(!urgent.provisional, "clock hours need no calendar");
}

#[test]
fn the_most_specific_rule_wins() {
    let mut terms = Terms::standard();
    terms.rules.push(Rule {
        timescale: Timescale::FirstContact,
        kind: Some(AdvocacyKind::NonInstructed),
        urgency: Some(Urgency::Urgent),
        length: Length {
            amount: 4,
            unit: TimescaleUnit::WorkingHours,
        },
    });
    let urgent_non_instructed = terms.length(
        Timescale::FirstContact,
        AdvocacyKind::NonInstructed,
        Urgency::Urgent,
    );
    assert_eq!(urgent_non_instructed.amount, 4);
    let urgent_instructed = terms.length(
        Timescale::FirstContact,
        AdvocacyKind::Instructed,
        Urgency::Urgent,
    );
    assert_eq!(urgent_instructed.unit, TimescaleUnit::ClockHours);
    let standard = terms.length(
        Timescale::FirstContact,
        AdvocacyKind::Instructed,
        Urgency::Standard,
    );
    assert_eq!(standard, Length::working_days(5));
}

#[test]
fn working_hours_timescales_use_the_contracts_day() {
    let terms = Terms::checked(
        t(8, 30),
        t(16, 30),
        "Europe/London",
        50,
        vec![
            Rule {
                timescale: Timescale::Allocation,
                kind: None,
                urgency: None,
                length: Length {
                    amount: 10,
                    unit: TimescaleUnit::WorkingHours,
                },
            },
            Rule {
                timescale: Timescale::FirstContact,
                kind: None,
                urgency: None,
                length: Length::working_days(2),
            },
            Rule {
                timescale: Timescale::ClosureReview,
                kind: None,
                urgency: None,
                length: Length::working_days(10),
            },
        ],
    )
    .unwrap();
    // Thursday 24 December 2026 at 15:00: 1h30 that day, then Tuesday 29th
    // (Christmas and the Boxing Day substitute skipped) 08:30 + 8h30 is
    // past closing, so 8h that day and the last 30 minutes on the 30th.
    let clock = terms
        .start(
            &cal(),
            Timescale::Allocation,
            STANDARD,
            london(2026, 12, 24, 15, 0),
        )
        .unwrap();
    assert_eq!(clock.due_at, london(2026, 12, 30, 9, 0));
    // Half of the 10 working hours: 1h30 on the 24th, 3h30 on the 29th.
    assert_eq!(clock.at_risk_at, london(2026, 12, 29, 12, 0));
}

#[test]
fn terms_must_cover_every_request_and_be_in_range() {
    let only_allocation = vec![Rule {
        timescale: Timescale::Allocation,
        kind: None,
        urgency: None,
        length: Length::working_days(3),
    }];
    let err = Terms::checked(t(9, 0), t(17, 0), "Europe/London", 75, only_allocation).unwrap_err();
    assert!(format!("{err:?}").contains("first contact"), "{err:?}");
    let standard = Terms::standard().rules;
    assert!(Terms::checked(t(9, 0), t(17, 0), "Europe/London", 75, standard.clone()).is_ok());
    assert!(Terms::checked(t(17, 0), t(9, 0), "Europe/London", 75, standard.clone()).is_err());
    assert!(Terms::checked(t(9, 0), t(17, 0), "Mars/Olympus", 75, standard.clone()).is_err());
    assert!(Terms::checked(t(9, 0), t(17, 0), "Europe/London", 100, standard.clone()).is_err());
    let mut repeated = standard.clone();
    repeated.push(standard[0]);
    assert!(Terms::checked(t(9, 0), t(17, 0), "Europe/London", 75, repeated).is_err());
    let mut zero = standard;
    zero[0].length.amount = 0;
    assert!(Terms::checked(t(9, 0), t(17, 0), "Europe/London", 75, zero).is_err());
}

#[test]
fn due_soon_is_the_opening_of_the_working_day_before() {
    let terms = Terms::standard();
    // Due Monday 4 January 2027: told Thursday 31 December at 09:00 (New
    // Year's Day and the weekend are not working days).
    assert_eq!(
        terms.due_soon(&cal(), london(2027, 1, 4, 17, 0)),
        london(2026, 12, 31, 9, 0)
    );
    // Due Wednesday: told Tuesday.
    assert_eq!(
        terms.due_soon(&cal(), london(2026, 12, 9, 17, 0)),
        london(2026, 12, 8, 9, 0)
    );
}
