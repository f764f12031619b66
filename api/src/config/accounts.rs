//! Settings for accounts administration: the key that encrypts secrets kept
//! at rest (TOTP seeds, single sign-on client secrets), the public address
//! links in emails point at, and where single sign-on may return to.

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

use super::{ConfigError, Env, Profile, Secret};

#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// AES-256-GCM key for secrets kept at rest (`CLOSEKNIT_SECRETS_KEY`,
    /// 32 bytes in base64). Required in production; in development a fixed,
    /// public key is used (and start-up says so).
    pub secrets_key: Secret<[u8; 32]>,
    /// Whether `secrets_key` is the public development key.
    pub secrets_key_is_development: bool,
    /// Where people reach Closeknit (links in invitation and reset emails,
    /// the single sign-on callback): `CLOSEKNIT_PUBLIC_URL`, no trailing
    /// slash. Required in production.
    pub public_url: String,
    /// Addresses (exact prefixes) a single sign-on may send the browser back
    /// to with its one-time result (`CLOSEKNIT_SSO_RETURN_URLS`,
    /// comma-separated); by default the public URL.
    pub sso_return_urls: Vec<String>,
    /// The development profile: single sign-on then also accepts an
    /// `http://` issuer on a loopback address (a local stand-in provider).
    pub development: bool,
}

/// The development key: derived from a published phrase, so secrets it
/// encrypts are only as safe as the development database.
fn development_key() -> [u8; 32] {
    Sha256::digest(b"closeknit development secrets key: never use in production").into()
}

pub(super) fn account_settings(
    env: &Env<'_>,
    profile: Profile,
) -> Result<AccountSettings, ConfigError> {
    let (secrets_key, secrets_key_is_development) = match env.raw("CLOSEKNIT_SECRETS_KEY") {
        Some(raw) => {
            let bytes = STANDARD.decode(raw.trim()).map_err(|_| ConfigError {
                variable: "CLOSEKNIT_SECRETS_KEY",
                message: "must be 32 bytes in base64 (openssl rand -base64 32)".into(),
            })?;
            let key: [u8; 32] = bytes.try_into().map_err(|_| ConfigError {
                variable: "CLOSEKNIT_SECRETS_KEY",
                message: "must be 32 bytes in base64 (openssl rand -base64 32)".into(),
            })?;
            (key, false)
        }
        None if profile == Profile::Production => {
            return Err(ConfigError {
                variable: "CLOSEKNIT_SECRETS_KEY",
                message: "is required in the production profile: it encrypts second-factor \
                          seeds and single sign-on client secrets (openssl rand -base64 32)"
                    .into(),
            });
        }
        None => (development_key(), true),
    };
    let public_url = match env.raw("CLOSEKNIT_PUBLIC_URL") {
        Some(url) => {
            let url = url.trim().trim_end_matches('/').to_string();
            if !(url.starts_with("https://")
                || (profile == Profile::Dev && url.starts_with("http://")))
            {
                return Err(ConfigError {
                    variable: "CLOSEKNIT_PUBLIC_URL",
                    message: "must be an https:// address (http:// only in development)".into(),
                });
            }
            url
        }
        None if profile == Profile::Production => {
            return Err(ConfigError {
                variable: "CLOSEKNIT_PUBLIC_URL",
                message: "is required in the production profile: links in invitation and \
                          password reset emails point at it"
                    .into(),
            });
        }
        None => "http://127.0.0.1:8080".to_string(),
    };
    let sso_return_urls = match env.raw("CLOSEKNIT_SSO_RETURN_URLS") {
        Some(list) => list
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect(),
        None => vec![public_url.clone()],
    };
    Ok(AccountSettings {
        secrets_key: Secret::new(secrets_key),
        secrets_key_is_development,
        public_url,
        sso_return_urls,
        development: profile == Profile::Dev,
    })
}
