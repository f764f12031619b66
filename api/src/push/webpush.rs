//! Web Push (RFC 8030) with VAPID (RFC 8292). Pushes are sent without a
//! payload: the service worker wakes and fetches unread notifications over
//! GraphQL, so nothing at all, encrypted or not, rides on the push service.

use std::path::Path;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::{SecretKey, elliptic_curve::sec1::ToEncodedPoint, pkcs8::DecodePrivateKey};
use sha2::{Digest, Sha256};

use super::sender::{Outcome, by_status, http_client, network};

pub struct WebPush {
    client: reqwest::Client,
    key: EncodingKey,
    /// The uncompressed public key, base64url (the `k` of the header).
    public_key: String,
    subject: String,
    allowed: Vec<String>,
}

impl WebPush {
    pub fn new(key_file: &Path, subject: &str, allowed: &[String]) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(key_file).map_err(|e| {
            anyhow::anyhow!(
                "CLOSEKNIT_VAPID_PRIVATE_KEY_FILE {}: {e}",
                key_file.display()
            )
        })?;
        let secret = SecretKey::from_pkcs8_pem(&pem).map_err(|e| {
            anyhow::anyhow!("CLOSEKNIT_VAPID_PRIVATE_KEY_FILE: not a P-256 PKCS#8 key: {e}")
        })?;
        let public_key =
            URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        let key = EncodingKey::from_ec_pem(pem.as_bytes())
            .map_err(|e| anyhow::anyhow!("CLOSEKNIT_VAPID_PRIVATE_KEY_FILE: {e}"))?;
        Ok(WebPush {
            client: http_client(false)?,
            key,
            public_key,
            subject: subject.to_string(),
            allowed: allowed.to_vec(),
        })
    }

    /// The application server key browsers subscribe with.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    pub async fn send(&self, endpoint: &str, urgent: bool, collapse: Option<&str>) -> Outcome {
        if !super::model::origin_allowed(endpoint, &self.allowed) {
            return Outcome::Gone("endpoint no longer on an allowed push service".into());
        }
        let origin = match endpoint.split_once("://") {
            Some((scheme, rest)) => {
                format!("{scheme}://{}", rest.split('/').next().unwrap_or_default())
            }
            None => return Outcome::Gone("not a URL".into()),
        };
        let claims = serde_json::json!({
            "aud": origin,
            "exp": chrono::Utc::now().timestamp() + 12 * 3600,
            "sub": self.subject,
        });
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("JWT".into());
        let jwt = match jsonwebtoken::encode(&header, &claims, &self.key) {
            Ok(jwt) => jwt,
            Err(e) => return Outcome::Failed(format!("signing VAPID: {e}")),
        };
        let mut request = self
            .client
            .post(endpoint)
            .header(
                "authorization",
                format!("vapid t={jwt}, k={}", self.public_key),
            )
            .header("ttl", if urgent { "3600" } else { "86400" })
            .header("urgency", if urgent { "high" } else { "normal" })
            .header("content-length", "0");
        if let Some(key) = collapse {
            // A Topic is at most 32 URL-safe base64 characters.
            let digest = Sha256::digest(key.as_bytes());
            request = request.header("topic", URL_SAFE_NO_PAD.encode(&digest[..24]));
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                by_status(status, &text)
            }
            Err(err) => network(err),
        }
    }
}
