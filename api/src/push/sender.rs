//! One interface over the three push providers, and what their answers mean.

use std::time::Duration;

use super::{
    apns::Apns,
    fcm::Fcm,
    model::{Platform, PushData},
    store::Device,
    webpush::WebPush,
};
use crate::config::PushSettings;

/// What a provider said about one push.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// The token or subscription is no longer valid: remove the device.
    Gone(String),
    /// Worth trying again later (rate limits, outages, expired credentials).
    Retry(String),
    /// Will not work however often it is tried (a bad request).
    Failed(String),
}

/// Classifies the HTTP status codes every provider shares.
pub fn by_status(status: reqwest::StatusCode, body: &str) -> Outcome {
    let text: String = body.chars().take(300).collect();
    match status.as_u16() {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone(format!("{status}: {text}")),
        408 | 429 | 500..=599 => Outcome::Retry(format!("{status}: {text}")),
        _ => Outcome::Failed(format!("{status}: {text}")),
    }
}

pub fn network(err: reqwest::Error) -> Outcome {
    Outcome::Retry(format!("network: {err}"))
}

pub fn http_client(prior_knowledge_h2: bool) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(90))
        // Providers answer directly; following a redirect could take a
        // request somewhere the endpoint checks never saw.
        .redirect(reqwest::redirect::Policy::none());
    if prior_knowledge_h2 {
        builder = builder.http2_prior_knowledge();
    }
    Ok(builder.build()?)
}

/// The configured senders.
#[derive(Default)]
pub struct PushSenders {
    fcm: Option<Fcm>,
    apns: Option<Apns>,
    web: Option<WebPush>,
}

impl PushSenders {
    pub fn from_settings(settings: &PushSettings) -> anyhow::Result<Self> {
        Ok(PushSenders {
            fcm: settings
                .fcm_credentials_file
                .as_ref()
                .map(|file| Fcm::new(file, &settings.fcm_base_url))
                .transpose()?,
            apns: settings
                .apns
                .as_ref()
                .map(|apns| Apns::new(apns, &settings.apns_base_url))
                .transpose()?,
            web: settings
                .vapid_private_key_file
                .as_ref()
                .map(|file| {
                    WebPush::new(
                        file,
                        &settings.vapid_subject,
                        &settings.web_push_allowed_origins,
                    )
                })
                .transpose()?,
        })
    }

    pub fn configured(&self, platform: Platform) -> bool {
        match platform {
            Platform::Fcm => self.fcm.is_some(),
            Platform::Apns => self.apns.is_some(),
            Platform::Web => self.web.is_some(),
        }
    }

    /// The VAPID public key browsers subscribe with, when Web Push is set up.
    pub fn web_public_key(&self) -> Option<&str> {
        self.web.as_ref().map(WebPush::public_key)
    }

    pub async fn send(
        &self,
        device: &Device,
        data: &PushData,
        urgent: bool,
        collapse: Option<&str>,
    ) -> Outcome {
        let not_configured = || {
            Outcome::Failed(format!(
                "no {} credentials configured",
                device.platform.as_str()
            ))
        };
        match device.platform {
            Platform::Fcm => match &self.fcm {
                Some(fcm) => fcm.send(&device.token, data, urgent, collapse).await,
                None => not_configured(),
            },
            Platform::Apns => match &self.apns {
                Some(apns) => apns.send(&device.token, data, urgent, collapse).await,
                None => not_configured(),
            },
            Platform::Web => match &self.web {
                Some(web) => web.send(&device.token, urgent, collapse).await,
                None => not_configured(),
            },
        }
    }
}
