//! Secrets kept at rest (TOTP seeds, single sign-on client secrets and
//! PKCE verifiers), sealed with AES-256-GCM under the configured key
//! (`CLOSEKNIT_SECRETS_KEY`). A sealed value is `v1.` + base64url of a
//! random 96-bit nonce followed by the ciphertext and tag; the record it
//! belongs to is bound in as associated data, so a sealed value copied to
//! another row does not open.

use std::sync::Arc;

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{AppError, AppResult};

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 12;

/// Seals and opens secrets with the configured key. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Arc<Aes256Gcm>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        SecretBox {
            cipher: Arc::new(Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key))),
        }
    }

    /// Seals `plain`, bound to `context` (the table and row it is kept in,
    /// such as `second_factors:<account id>`).
    pub fn seal(&self, context: &str, plain: &[u8]) -> AppResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| AppError::internal(anyhow::anyhow!("sealing a secret failed")))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value sealed for `context`. A value sealed under another key
    /// or for another context, or altered, is an internal error (it means
    /// the key changed or the row was tampered with), never a wrong answer.
    pub fn open(&self, context: &str, sealed: &str) -> AppResult<Vec<u8>> {
        let fail = |why: &str| AppError::internal(anyhow::anyhow!("opening a secret: {why}"));
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| fail("unknown format"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| fail("not base64url"))?;
        if bytes.len() <= NONCE_LEN {
            return Err(fail("too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| fail("too short"))?;
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| fail("wrong key, context or altered value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let a = SecretBox::new(&[7u8; 32]);
        let b = SecretBox::new(&[8u8; 32]);
        let sealed = a.seal("second_factors:1", b"JBSWY3DPEHPK3PXP").unwrap();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            a.open("second_factors:1", &sealed).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(a.open("second_factors:2", &sealed).is_err());
        assert!(b.open("second_factors:1", &sealed).is_err());
        assert!(a.open("second_factors:1", "v1.AAAA").is_err());
        assert!(a.open("second_factors:1", "plain").is_err());
        // A fresh nonce each time.
        assert_ne!(
            sealed,
            a.seal("second_factors:1", b"JBSWY3DPEHPK3PXP").unwrap()
        );
    }
}
