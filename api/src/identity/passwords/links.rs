//! Single-use link tokens (invitation and password reset links): 32 random
//! bytes, URL-safe base64 in the link, stored only as their SHA-256 hash.
//! A stored hash not yet made is a placeholder no token hashes to (it is
//! not 64 hex digits).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A fresh token and its hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a token (64 lower-case hex digits).
pub fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.trim().as_bytes()))
}

/// A placeholder for a token not made yet: unique (some columns are), and
/// never equal to a [`hash`].
pub fn placeholder() -> String {
    format!("pending:{}", Uuid::now_v7().simple())
}

/// `{public_url}/{path}?token=...`.
pub fn link(public_url: &str, path: &str, token: &str) -> String {
    format!("{}/{path}?token={token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_matches() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
        assert_ne!(placeholder(), placeholder());
        assert!(placeholder().len() <= 64 && placeholder().contains(':'));
        assert_eq!(
            link("https://x.test/", "invitation", "abc"),
            "https://x.test/invitation?token=abc"
        );
    }
}
