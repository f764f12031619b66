//! Apple Push Notification service, token-based (ES256 provider JWT,
//! refreshed every 50 minutes as Apple asks), over HTTP/2.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::{sync::Mutex, time::Instant};

use super::{
    model::PushData,
    sender::{Outcome, by_status, http_client, network},
};
use crate::config::ApnsSettings;

pub struct Apns {
    client: reqwest::Client,
    base: String,
    topic: String,
    key_id: String,
    team_id: String,
    key: EncodingKey,
    jwt: Mutex<Option<(String, Instant)>>,
}

impl Apns {
    pub fn new(settings: &ApnsSettings, base_url: &str) -> anyhow::Result<Self> {
        let pem = std::fs::read(&settings.key_file).map_err(|e| {
            anyhow::anyhow!(
                "CLOSEKNIT_APNS_KEY_FILE {}: {e}",
                settings.key_file.display()
            )
        })?;
        let key = EncodingKey::from_ec_pem(&pem)
            .map_err(|e| anyhow::anyhow!("CLOSEKNIT_APNS_KEY_FILE: {e}"))?;
        let base = base_url.trim_end_matches('/').to_string();
        Ok(Apns {
            // Apple speaks HTTP/2 only: over TLS it is negotiated; a
            // plain-http base (a local stand-in) gets HTTP/2 directly.
            client: http_client(base.starts_with("http://"))?,
            base,
            topic: settings.topic.clone(),
            key_id: settings.key_id.clone(),
            team_id: settings.team_id.clone(),
            key,
            jwt: Mutex::new(None),
        })
    }

    async fn provider_token(&self) -> Result<String, Outcome> {
        let mut cached = self.jwt.lock().await;
        if let Some((jwt, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(jwt.clone());
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let claims =
            serde_json::json!({ "iss": self.team_id, "iat": chrono::Utc::now().timestamp() });
        let jwt = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| Outcome::Failed(format!("signing the APNs token: {e}")))?;
        *cached = Some((jwt.clone(), Instant::now() + Duration::from_secs(50 * 60)));
        Ok(jwt)
    }

    pub async fn send(
        &self,
        token: &str,
        data: &PushData,
        urgent: bool,
        collapse: Option<&str>,
    ) -> Outcome {
        let jwt = match self.provider_token().await {
            Ok(jwt) => jwt,
            Err(outcome) => return outcome,
        };
        // A generic alert the app's notification service extension fills
        // in after fetching the notification: nothing personal travels.
        let body = serde_json::json!({
            "aps": { "alert": { "loc-key": "NEW_NOTIFICATION" }, "mutable-content": 1, "sound": "default" },
            "type": data.kind,
            "id": data.id,
            "category": data.category,
        });
        let mut request = self
            .client
            .post(format!("{}/3/device/{token}", self.base))
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", if urgent { "10" } else { "5" })
            .json(&body);
        if let Some(key) = collapse {
            // Apple allows at most 64 bytes.
            let key: String = key.chars().take(64).collect();
            request = request.header("apns-collapse-id", key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => return network(err),
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if text.contains("ExpiredProviderToken") || text.contains("InvalidProviderToken") {
            *self.jwt.lock().await = None;
            return Outcome::Retry(format!("APNs {status}: provider token refused"));
        }
        if text.contains("BadDeviceToken")
            || text.contains("DeviceTokenNotForTopic")
            || text.contains("Unregistered")
        {
            return Outcome::Gone(format!("APNs {status}: {text}"));
        }
        by_status(status, &text)
    }
}
