#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;
use crate::staying_close::profile::model::AuthoritySettings;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn plan_dates_default_to_the_21st_birthday_and_respect_the_authority() {
    let born = d(2007, 3, 14);
    let standard = AuthoritySettings::default();
    assert_eq!(
        plan_dates(born, d(2025, 4, 1), None, standard).unwrap(),
        d(2028, 3, 14)
    );
    // Beyond 21 only where the authority extends support.
    assert!(plan_dates(born, d(2025, 4, 1), Some(d(2030, 1, 1)), standard).is_err());
    let extended = AuthoritySettings {
        support_to_age: 25,
        ..standard
    };
    assert_eq!(
        plan_dates(born, d(2025, 4, 1), Some(d(2032, 3, 14)), extended).unwrap(),
        d(2032, 3, 14)
    );
    assert!(plan_dates(born, d(2025, 4, 1), Some(d(2032, 3, 15)), extended).is_err());
    // Dates in order; not before 16.
    assert!(plan_dates(born, d(2025, 4, 1), Some(d(2025, 4, 1)), standard).is_err());
    assert!(plan_dates(born, d(2023, 3, 13), None, standard).is_err());
    assert!(plan_dates(born, d(2023, 3, 14), None, standard).is_ok());
}
