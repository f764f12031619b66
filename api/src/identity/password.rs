//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 passes).
//! Verification of an unknown account runs against a fixed dummy hash so
//! that response time does not reveal whether an email is registered.

use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};

use crate::error::{AppError, AppResult};

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 iterations, 1 lane: the OWASP minimum for Argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Shortest password accepted for staff accounts.
pub const MIN_LENGTH: usize = 12;

pub fn hash(password: &str) -> AppResult<String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(AppError::bad_input(
            "password",
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing: {e}")))
}

static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| hash("dummy password for timing").ok());

/// Checks a password against a stored hash (or the dummy hash when the
/// account does not exist or has no password). Constant-time comparison is
/// done by the argon2 crate.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let real = stored.is_some();
    let Some(encoded) = stored.or(DUMMY.as_deref()) else {
        return false;
    };
    let Ok(parsed) = PasswordHash::new(encoded) else {
        return false;
    };
    let ok = argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    real && ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&a)));
        assert!(!verify("wrong horse battery", Some(&a)));
        assert!(!verify("anything", None));
        assert!(!verify("anything", Some("not a hash")));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(hash("short"), Err(AppError::BadUserInput { .. })));
    }
}
