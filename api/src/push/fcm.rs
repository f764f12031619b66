//! Firebase Cloud Messaging, HTTP v1 API. Authenticates as a service
//! account (OAuth 2.0 JWT bearer grant, RS256), caching the access token
//! until shortly before it expires.

use std::{path::Path, time::Duration};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use tokio::{sync::Mutex, time::Instant};

use super::{
    model::PushData,
    sender::{Outcome, by_status, http_client, network},
};

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    token_uri: String,
}

pub struct Fcm {
    client: reqwest::Client,
    send_url: String,
    client_email: String,
    token_uri: String,
    key: EncodingKey,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

impl Fcm {
    pub fn new(credentials: &Path, base_url: &str) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(credentials).map_err(|e| {
            anyhow::anyhow!(
                "CLOSEKNIT_FCM_CREDENTIALS_FILE {}: {e}",
                credentials.display()
            )
        })?;
        let account: ServiceAccount = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("CLOSEKNIT_FCM_CREDENTIALS_FILE is not a service-account key: {e}")
        })?;
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| anyhow::anyhow!("CLOSEKNIT_FCM_CREDENTIALS_FILE private_key: {e}"))?;
        Ok(Fcm {
            client: http_client(false)?,
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                base_url.trim_end_matches('/'),
                account.project_id
            ),
            client_email: account.client_email,
            token_uri: account.token_uri,
            key,
            token: Mutex::new(None),
        })
    }

    async fn access_token(&self) -> Result<String, Outcome> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + 3600,
        });
        let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| Outcome::Failed(format!("signing the FCM assertion: {e}")))?;
        let response = self
            .client
            .post(&self.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(network)?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(Outcome::Retry(format!(
                "FCM token endpoint {status}: {}",
                body.chars().take(200).collect::<String>()
            )));
        }
        let token: TokenResponse = response
            .json()
            .await
            .map_err(|e| Outcome::Retry(format!("FCM token response: {e}")))?;
        let lifetime = Duration::from_secs(token.expires_in.saturating_sub(60).max(1));
        *cached = Some((token.access_token.clone(), Instant::now() + lifetime));
        Ok(token.access_token)
    }

    pub async fn send(
        &self,
        token: &str,
        data: &PushData,
        urgent: bool,
        collapse: Option<&str>,
    ) -> Outcome {
        let access = match self.access_token().await {
            Ok(access) => access,
            Err(outcome) => return outcome,
        };
        let mut android = serde_json::json!({ "priority": if urgent { "high" } else { "normal" } });
        if let Some(key) = collapse {
            android["collapse_key"] = key.into();
        }
        // iOS apps on Firebase need an APNs block to show anything: the
        // same generic alert as direct APNs, filled in by the app.
        let body = serde_json::json!({
            "message": {
                "token": token,
                "data": { "type": data.kind, "id": data.id, "category": data.category },
                "android": android,
                "apns": {
                    "headers": { "apns-priority": if urgent { "10" } else { "5" } },
                    "payload": { "aps": { "alert": { "loc-key": "NEW_NOTIFICATION" }, "mutable-content": 1 } },
                },
            }
        });
        let response = match self
            .client
            .post(&self.send_url)
            .bearer_auth(access)
            .json(&body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(err) => return network(err),
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // The access token was revoked or expired early: fetch another.
            *self.token.lock().await = None;
            return Outcome::Retry(format!(
                "FCM 401: {}",
                text.chars().take(200).collect::<String>()
            ));
        }
        // The token is dead, or belongs to another Firebase project: remove it.
        if text.contains("\"UNREGISTERED\"")
            || text.contains("\"SENDER_ID_MISMATCH\"")
            || (status == reqwest::StatusCode::BAD_REQUEST && text.contains("registration token"))
        {
            return Outcome::Gone(format!("FCM {status}: token not usable"));
        }
        by_status(status, &text)
    }
}
