//! Rules for API clients: secrets, names and scopes.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, AppResult},
    policy::ClientScope,
};

/// Prefix of every client secret, so secret scanners can recognise a leak.
pub const SECRET_PREFIX: &str = "cks_";

/// A new random client secret (256 bits) and the hash that is stored.
///
/// The secret is generated here with full entropy, so a fast hash is the
/// right tool (as for API tokens elsewhere): a slow password hash would only
/// hand an attacker a cheap way to load the token endpoint.
pub fn new_secret() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let secret = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_secret(&secret);
    (secret, hash)
}

pub fn hash_secret(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

crate::stored_enum! {
    /// Whether a client may still get tokens.
    ClientStatus { Active = "active", Revoked = "revoked" }
}

/// A client's display name, shown to staff and to the people it acts for.
pub fn client_name(raw: &str) -> AppResult<String> {
    crate::text::name("name", raw, 200)
}

/// Scopes as stored: distinct, sorted, at least one.
pub fn scopes(field: &str, raw: &[ClientScope]) -> AppResult<Vec<ClientScope>> {
    let mut scopes = raw.to_vec();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::bad_input(field, "name at least one scope"));
    }
    Ok(scopes)
}

pub fn scopes_to_string(scopes: &[ClientScope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Scopes read back from storage (an unknown one is a data bug: `INTERNAL`).
pub fn scopes_from_string(stored: &str) -> AppResult<Vec<ClientScope>> {
    stored.split_whitespace().map(ClientScope::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hashed() {
        let (a, hash_a) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX) && a.len() == 4 + 43);
        assert_eq!(hash_secret(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }

    #[test]
    fn scopes_are_checked_and_normalised() {
        let got = scopes(
            "scopes",
            &[
                ClientScope::DashboardRead,
                ClientScope::TrainingBook,
                ClientScope::DashboardRead,
            ],
        )
        .unwrap();
        assert_eq!(scopes_to_string(&got), "training:book dashboard:read");
        assert_eq!(
            scopes_from_string("training:book dashboard:read").unwrap(),
            [ClientScope::TrainingBook, ClientScope::DashboardRead]
        );
        assert!(scopes_from_string("training:book nope").is_err());
        assert!(scopes("scopes", &[]).is_err());
        assert!(client_name("  ").is_err());
        assert!(client_name("a\u{7}b").is_err());
        assert_eq!(client_name(" Carers App ").unwrap(), "Carers App");
    }
}
