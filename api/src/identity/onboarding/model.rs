//! Rules of onboarding: activation codes (easy to read out, stored only as
//! a keyed hash) and who can be added as a care leaver.

use chrono::{Datelike, Duration, NaiveDate};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::tokens::TokenService,
    error::{AppError, AppResult},
};

/// How long an activation code works.
pub const ACTIVATION_TTL: Duration = Duration::days(7);
/// Wrong tries a code survives.
pub const MAX_ATTEMPTS: i32 = 5;
/// `account_tokens.purpose` of activation codes.
pub const PURPOSE: &str = "activation";

/// Letters and digits nobody confuses when a code is read out or copied
/// from a screen: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
const ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";
const CODE_LEN: usize = 8;

/// Youngest and oldest (under) age for a care leaver on the app: support
/// starts as an eligible 16-year-old and the duties run to the 25th
/// birthday (Children Act 1989 s23C, Care Leavers Regulations 2010; see
/// `domain.md`).
pub const YOUNGEST: i32 = 16;
pub const UNDER: i32 = 25;

/// A new code, shown as two groups of four: `ACDE-F347`.
pub fn new_code() -> String {
    let chars: String = (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// What was typed, as the code it means: case, spaces and dashes ignored.
pub fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The keyed hash stored for an account's code (normalised first).
pub fn code_hash(tokens: &TokenService, account_id: Uuid, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tokens.derived_secret("activation-code"));
    hasher.update(account_id.as_bytes());
    hasher.update(normalise(code).as_bytes());
    format!("{:x}", hasher.finalize())
}

/// Age in whole years on `on` (a 29 February birthday falls on 1 March).
pub fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - born.year();
    let birthday = NaiveDate::from_ymd_opt(on.year(), born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(on.year(), 3, 1));
    if birthday.is_some_and(|b| on < b) {
        age -= 1;
    }
    age
}

/// A care leaver's date of birth: between their 16th and 25th birthdays
/// on `today`.
pub fn check_care_leaver_birth(born: NaiveDate, today: NaiveDate) -> AppResult<NaiveDate> {
    if born > today {
        return Err(AppError::bad_input(
            "dateOfBirth",
            "must not be in the future",
        ));
    }
    let age = age_on(born, today);
    if !(YOUNGEST..UNDER).contains(&age) {
        return Err(AppError::bad_input(
            "dateOfBirth",
            format!(
                "makes them {age}: care leavers on the app are {YOUNGEST} to {} years old",
                UNDER - 1
            ),
        ));
    }
    Ok(born)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn codes_are_two_groups_of_four_unambiguous_characters() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), 9, "{code}");
            assert_eq!(&code[4..5], "-");
            assert!(
                normalise(&code).bytes().all(|b| ALPHABET.contains(&b)),
                "{code}"
            );
        }
        for ambiguous in "0O1IL5S2Z8BUV".bytes() {
            assert!(!ALPHABET.contains(&ambiguous), "{}", ambiguous as char);
        }
    }

    #[test]
    fn a_code_is_the_same_however_it_is_typed() {
        assert_eq!(normalise(" acde-f347 "), "ACDEF347");
        assert_eq!(normalise("ACDE F347"), "ACDEF347");
    }

    #[test]
    fn care_leavers_are_16_to_24() {
        let today = d(2026, 12, 7);
        assert!(check_care_leaver_birth(d(2010, 12, 7), today).is_ok()); // 16 today
        assert!(check_care_leaver_birth(d(2010, 12, 8), today).is_err()); // 15
        assert!(check_care_leaver_birth(d(2001, 12, 8), today).is_ok()); // 24
        assert!(check_care_leaver_birth(d(2001, 12, 7), today).is_err()); // 25 today
        assert!(check_care_leaver_birth(d(2027, 1, 1), today).is_err());
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
    }
}
