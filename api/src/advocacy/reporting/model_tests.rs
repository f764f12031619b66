//! The commissioner's report: counts, bands, suppression of small counts
//! of content, shares met, the median, and the CSV.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::{Duration, TimeZone};

use super::*;
use crate::advocacy::timescales::model::{Length, TimescaleUnit};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
}

fn clock(timescale: Timescale, met: Option<i64>) -> Clock {
    let due = now() - Duration::days(10);
    Clock {
        timescale,
        length: Length {
            amount: 3,
            unit: TimescaleUnit::WorkingDays,
        },
        started_at: due - Duration::days(3),
        at_risk_at: due - Duration::days(1),
        due_at: due,
        provisional: false,
        met_at: met.map(|h| due + Duration::hours(h)),
        stopped_at: None,
    }
}

fn row(age: u32, submitted: NaiveDate, contact: Option<NaiveDate>) -> ReportRow {
    ReportRow {
        kind: AdvocacyKind::Instructed,
        referrer: Relationship::YoungPerson,
        state: AdvocacyState::Closed,
        subject: Subject::PlacementMove,
        eligibility: vec![EligibilityGroup::CareLeaver, EligibilityGroup::Send],
        communication: vec![],
        age: Some(age),
        decline_reason: None,
        outcome: Some(AdvocacyOutcome::Resolved),
        submitted_on: submitted,
        first_contact_on: contact,
        clocks: vec![clock(Timescale::Allocation, Some(-2))],
    }
}

fn count(list: &[Count], code: &str) -> Option<u64> {
    list.iter().find(|c| c.code == code).unwrap().count
}

#[test]
fn counts_bands_and_the_median_working_days() {
    let cal = WorkingCalendar::new([d(2026, 12, 25), d(2026, 12, 28)]);
    let mut rows: Vec<ReportRow> = (0..6)
        .map(|i| row(16 + i % 2, d(2026, 12, 1), Some(d(2026, 12, 3))))
        .collect();
    // Over Christmas: 23rd to 29th is two working days (24th, 29th).
    rows.push(row(4, d(2026, 12, 23), Some(d(2026, 12, 29))));
    rows[0].clocks = vec![clock(Timescale::Allocation, Some(5))];
    rows[1].clocks = vec![clock(Timescale::Allocation, None)];
    rows[2].state = AdvocacyState::Withdrawn;
    rows[3].kind = AdvocacyKind::NonInstructed;
    let report = report((d(2026, 12, 1), d(2026, 12, 31)), &rows, &cal, now());
    assert_eq!(report.requests, 7);
    assert_eq!(count(&report.by_kind, "instructed"), Some(6));
    assert_eq!(
        count(&report.by_kind, "non_instructed"),
        Some(1),
        "kind is not content"
    );
    assert_eq!(count(&report.by_age_band, "16-17"), Some(6));
    assert_eq!(count(&report.by_age_band, "0-4"), Some(1));
    assert_eq!(count(&report.by_age_band, "5-10"), Some(0));
    assert_eq!(count(&report.by_subject, "placement_move"), Some(7));
    assert_eq!(count(&report.by_eligibility, "send"), Some(7));
    assert_eq!(report.withdrawn, 1);
    let allocation = &report.timescales[0];
    assert_eq!(allocation.timescale, Timescale::Allocation);
    // Five met on time, one met late, one never met: both breached.
    assert_eq!(
        (allocation.met, allocation.breached, allocation.open),
        (5, 2, 0)
    );
    assert_eq!(allocation.percent_met, Some(71.4));
    assert_eq!(report.timescales[1].percent_met, None, "nothing decided");
    // Six took 2 working days (1st to 3rd), one 2 over Christmas.
    assert_eq!(report.median_working_days_to_first_contact, Some(2.0));
}

#[test]
fn small_counts_of_content_are_withheld_but_zero_and_status_are_not() {
    let cal = WorkingCalendar::new([]);
    let mut rows: Vec<ReportRow> = (0..7).map(|_| row(17, d(2026, 12, 1), None)).collect();
    rows[0].subject = Subject::Health;
    rows[0].communication = vec![CommunicationNeed::Makaton];
    rows[0].decline_reason = Some(DeclineReason::NotEligible);
    rows[0].outcome = None;
    let report = report((d(2026, 12, 1), d(2026, 12, 31)), &rows, &cal, now());
    assert_eq!(
        count(&report.by_subject, "health"),
        None,
        "one child: withheld"
    );
    assert_eq!(count(&report.by_subject, "placement_move"), Some(6));
    assert_eq!(count(&report.by_subject, "complaint"), Some(0));
    assert_eq!(count(&report.by_communication_need, "makaton"), None);
    assert_eq!(count(&report.outcomes, "resolved"), Some(6));
    assert_eq!(
        count(&report.declined, "not_eligible"),
        Some(1),
        "a status, not content"
    );
    assert_eq!(report.median_working_days_to_first_contact, None);
    let csv = report.csv();
    assert!(csv.starts_with("section,code,value\n"), "{csv}");
    assert!(csv.contains("subject,health,<5\n"), "{csv}");
    assert!(csv.contains("requests,all,7\n"), "{csv}");
    assert!(
        csv.contains("timescale_percent_met,allocation,100.0\n"),
        "{csv}"
    );
    assert!(
        csv.contains("first_contact,median_working_days,\n"),
        "{csv}"
    );
}

#[test]
fn medians_of_even_counts_average_the_middle_two() {
    assert_eq!(median(vec![4, 1, 3, 2]), Some(2.5));
    assert_eq!(median(vec![]), None);
    assert_eq!(band(0), "0-4");
    assert_eq!(band(11), "11-15");
    assert_eq!(band(25), "18-25");
}
