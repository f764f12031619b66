//! The rules of the second factor, without the database: time-based
//! one-time passwords (RFC 6238 through `totp-rs`: SHA-1, 6 digits, 30-second
//! steps, one step either side accepted, a step never accepted twice),
//! recovery codes (10, single use, stored as SHA-256 hashes) and sign-in
//! challenges (single-use tokens, stored as SHA-256 hashes, 5 minutes).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::{
    auth::constant_time_eq,
    error::{AppError, AppResult},
};

/// Shown as the account's issuer in authenticator apps.
pub const ISSUER: &str = "Closeknit";
pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
/// Steps either side of now a code may come from (clock drift).
pub const SKEW: i64 = 1;
/// How many recovery codes a set holds.
pub const RECOVERY_CODES: usize = 10;
/// How long the step between a right password and the second factor lasts.
pub const CHALLENGE_TTL: Duration = Duration::minutes(5);
/// Wrong codes one challenge takes before it stops working (each also
/// counts towards the account's lockout, as a wrong password does).
pub const CHALLENGE_ATTEMPTS: i32 = 5;
/// Wrong codes a signed-in person may give (renewing codes, removing the
/// factor) before those changes are refused for [`FACTOR_LOCKOUT`].
pub const FACTOR_ATTEMPTS: i32 = 5;
pub const FACTOR_LOCKOUT: Duration = Duration::minutes(15);

/// What a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Give a code from the authenticator app or a recovery code.
    SecondFactor,
    /// Set a second factor up first (the organisation requires one).
    Enrol,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SecondFactor => "second_factor",
            Purpose::Enrol => "enrol",
        }
    }
}

/// The seed of a new authenticator: 160 random bits (RFC 4226's advice).
pub fn new_seed() -> AppResult<Vec<u8>> {
    Secret::generate_secret()
        .to_bytes()
        .map_err(|e| AppError::internal(anyhow::anyhow!("making a TOTP seed: {e:?}")))
}

/// The authenticator for `seed`, labelled with the account's email.
pub fn totp(seed: Vec<u8>, email: &str) -> AppResult<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS,
        seed,
        Some(ISSUER.to_string()),
        email.to_string(),
    )
    .map_err(|e| AppError::internal(anyhow::anyhow!("building the authenticator: {e:?}")))
}

/// The time step `at` falls in.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS as i64)
}

/// The step within [`SKEW`] of `now` whose code `code` is, if it is one
/// later than `last_used` (a code is never accepted twice, nor one from an
/// earlier step than the last accepted).
pub fn accepted_step(
    totp: &TOTP,
    code: &str,
    now: DateTime<Utc>,
    last_used: Option<i64>,
) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    let mut found = None;
    // Every candidate is compared (in constant time), so the time taken
    // does not tell which step matched.
    for step in (current - SKEW)..=(current + SKEW) {
        let Ok(time) = u64::try_from(step * STEP_SECONDS as i64) else {
            continue;
        };
        let expected = totp.generate(time);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found.filter(|step| last_used.is_none_or(|last| *step > last))
}

const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new recovery code: `xxxxx-xxxxx` from 31 unambiguous characters
/// (about 50 bits).
pub fn new_recovery_code() -> String {
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        let index = rand::random_range(0..RECOVERY_ALPHABET.len());
        code.push(char::from(RECOVERY_ALPHABET[index]));
    }
    code
}

/// A recovery code as typed, normalised: lower case, without spaces or
/// dashes.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The stored hash of a recovery code of `account`.
pub fn recovery_code_hash(account: Uuid, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"recovery-code:");
    hasher.update(account.as_bytes());
    hasher.update(normalise_recovery_code(code).as_bytes());
    format!("{:x}", hasher.finalize())
}

/// A new challenge token and its stored hash.
pub fn new_challenge() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = challenge_hash(&token);
    (token, hash)
}

pub fn challenge_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.trim().as_bytes()))
}

/// The sealing context of an account's seed: a sealed seed opens only as
/// that account's.
pub fn seal_context(account: Uuid) -> String {
    format!("second_factors:{account}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn authenticator() -> TOTP {
        totp(b"12345678901234567890".to_vec(), "someone@example.com").unwrap()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors_are_met() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        let totp = authenticator();
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(totp.generate(1_111_111_109), "081804");
        assert_eq!(totp.generate(1_234_567_890), "005924");
    }

    #[test]
    fn a_code_works_one_step_either_side_and_no_further() {
        let totp = authenticator();
        let now = at(1_234_567_890);
        let step = step_at(now);
        for delta in [-1, 0, 1] {
            let code = totp.generate(((step + delta) * 30) as u64);
            assert_eq!(accepted_step(&totp, &code, now, None), Some(step + delta));
        }
        for delta in [-2, 2] {
            let code = totp.generate(((step + delta) * 30) as u64);
            assert_eq!(accepted_step(&totp, &code, now, None), None);
        }
    }

    #[test]
    fn a_step_is_never_accepted_twice_nor_an_earlier_one() {
        let totp = authenticator();
        let now = at(1_234_567_890);
        let step = step_at(now);
        let code = totp.generate((step * 30) as u64);
        assert_eq!(accepted_step(&totp, &code, now, Some(step)), None);
        assert_eq!(accepted_step(&totp, &code, now, Some(step + 1)), None);
        assert_eq!(accepted_step(&totp, &code, now, Some(step - 1)), Some(step));
    }

    #[test]
    fn malformed_codes_are_refused() {
        let totp = authenticator();
        let now = at(1_234_567_890);
        for code in ["", "12345", "1234567", "abcdef", "12 456"] {
            assert_eq!(accepted_step(&totp, code, now, None), None, "{code}");
        }
    }

    #[test]
    fn recovery_codes_are_typed_loosely_and_hashed_per_account() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        let account = Uuid::now_v7();
        let typed = format!(" {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(
            recovery_code_hash(account, &code),
            recovery_code_hash(account, &typed)
        );
        assert_ne!(
            recovery_code_hash(account, &code),
            recovery_code_hash(Uuid::now_v7(), &code)
        );
        assert!(!recovery_code_hash(account, &code).contains(&code));
    }

    #[test]
    fn seeds_are_160_bits_and_challenges_are_hashed() {
        assert_eq!(new_seed().unwrap().len(), 20);
        let (token, hash) = new_challenge();
        assert_eq!(hash, challenge_hash(&token));
        assert_ne!(token, hash);
    }
}
