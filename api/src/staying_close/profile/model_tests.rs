#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

#[test]
fn child_ref_rules() {
    assert!(child_ref("AB12345678").is_ok());
    assert!(child_ref("AB-1").is_err());
    assert!(child_ref("ABCDEFGHIJK").is_err());
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The field a refusal names (`None` when accepted).
fn refused(
    category: CareLeaverCategory,
    left: Option<NaiveDate>,
    born: NaiveDate,
    today: NaiveDate,
) -> Option<String> {
    match check_category(category, left, born, today) {
        Ok(()) => None,
        Err(AppError::BadUserInput { field, .. }) => Some(field),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

use CareLeaverCategory::{Eligible, FormerRelevant, Qualifying, Relevant};

fn born() -> NaiveDate {
    d(2008, 6, 15)
}

#[test]
fn eligible_is_still_looked_after() {
    let today = d(2025, 1, 10); // aged 16
    assert_eq!(refused(Eligible, None, born(), today), None);
    assert_eq!(
        refused(Eligible, Some(d(2024, 9, 1)), born(), today).as_deref(),
        Some("leftCareOn")
    );
}

#[test]
fn relevant_and_former_relevant_need_a_left_care_date() {
    let today = d(2025, 1, 10);
    assert_eq!(refused(Relevant, Some(d(2024, 9, 1)), born(), today), None);
    assert_eq!(
        refused(Relevant, None, born(), today).as_deref(),
        Some("leftCareOn")
    );
    let adult = d(2027, 1, 10);
    assert_eq!(
        refused(FormerRelevant, None, born(), adult).as_deref(),
        Some("leftCareOn")
    );
    assert_eq!(refused(Qualifying, None, born(), today), None);
}

#[test]
fn former_relevant_is_18_or_over_from_the_birthday() {
    let left = Some(d(2025, 1, 1));
    assert_eq!(
        refused(FormerRelevant, left, born(), d(2026, 6, 14)).as_deref(),
        Some("category")
    );
    assert_eq!(refused(FormerRelevant, left, born(), d(2026, 6, 15)), None);
}

#[test]
fn eligible_and_relevant_are_under_18_until_the_birthday() {
    let day_before = d(2026, 6, 14);
    let birthday = d(2026, 6, 15);
    assert_eq!(refused(Eligible, None, born(), day_before), None);
    assert_eq!(
        refused(Eligible, None, born(), birthday).as_deref(),
        Some("category")
    );
    let left = Some(d(2025, 1, 1));
    assert_eq!(refused(Relevant, left, born(), day_before), None);
    assert_eq!(
        refused(Relevant, left, born(), birthday).as_deref(),
        Some("category")
    );
}

#[test]
fn care_is_not_left_before_the_14th_birthday() {
    let today = d(2025, 1, 10);
    assert_eq!(
        refused(Relevant, Some(d(2022, 6, 14)), born(), today).as_deref(),
        Some("leftCareOn")
    );
    assert_eq!(refused(Relevant, Some(d(2022, 6, 15)), born(), today), None);
}

#[test]
fn care_is_not_left_in_the_future() {
    let today = d(2025, 1, 10);
    assert_eq!(refused(Relevant, Some(today), born(), today), None);
    assert_eq!(
        refused(Relevant, Some(d(2025, 1, 11)), born(), today).as_deref(),
        Some("leftCareOn")
    );
}
