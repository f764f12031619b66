//! Who is asking: access tokens and the per-request viewer. What a viewer
//! may do is decided in `crate::policy`.

pub mod tokens;
pub mod viewer;

use std::sync::Arc;

use crate::config::{AuthSettings, Profile};
use tokens::{KeySet, TokenService};

/// Compares secrets without an early exit, so timing does not reveal how
/// much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Builds the token service from settings: the configured key (required in
/// production), or a per-process key in dev.
pub fn token_service(
    settings: &AuthSettings,
    profile: Profile,
) -> anyhow::Result<Arc<TokenService>> {
    let mut keys = match &settings.jwt_private_key {
        Some(pem) => KeySet::from_pem(pem.expose(), settings.jwt_key_id.clone())
            .map_err(|e| anyhow::anyhow!("CLOSEKNIT_JWT_PRIVATE_KEY {e}"))?,
        None if profile == Profile::Production => {
            anyhow::bail!("CLOSEKNIT_JWT_PRIVATE_KEY is required in the production profile")
        }
        None => {
            tracing::warn!(
                "no CLOSEKNIT_JWT_PRIVATE_KEY: using a key for this process only (sign-ins end at restart)"
            );
            KeySet::ephemeral().map_err(|e| anyhow::anyhow!(e))?
        }
    };
    for (kid, public) in &settings.jwt_previous_keys {
        keys.accept(kid, public)
            .map_err(|e| anyhow::anyhow!("CLOSEKNIT_JWT_PREVIOUS_KEYS: {e}"))?;
    }
    Ok(Arc::new(TokenService::new(
        keys,
        &settings.issuer,
        &settings.audience,
        settings.access_token_ttl_secs,
    )))
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"abcd"));
    }
}
