//! Rules for push devices.

use crate::{
    config::PushSettings,
    error::{AppError, AppResult},
};

crate::stored_enum! {
    /// Where a device's pushes go.
    Platform as "PushPlatform" {
        /// Android (and iOS apps using Firebase): an FCM registration token.
        Fcm = "fcm",
        /// iOS: an APNs device token (hex).
        Apns = "apns",
        /// A browser: a Web Push subscription endpoint URL.
        Web = "web",
    }
}

impl Platform {
    /// Whether this server has credentials for the platform.
    pub fn configured(self, settings: &PushSettings) -> bool {
        match self {
            Platform::Fcm => settings.fcm_credentials_file.is_some(),
            Platform::Apns => settings.apns.is_some(),
            Platform::Web => settings.vapid_private_key_file.is_some(),
        }
    }
}

/// The scheme, host and port of an allowed origin or an endpoint, parsed
/// the way the HTTP client will parse it (so `?`, `#`, `\` or `@` cannot
/// smuggle another host past the check). URLs with credentials are refused.
fn origin_of(url: &str) -> Option<(String, String, u16)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return None;
    }
    let host = parsed.host_str()?.to_ascii_lowercase();
    let port = parsed.port_or_known_default()?;
    Some((parsed.scheme().to_string(), host, port))
}

/// Whether a URL is on one of the allowed origins (`*.` matches subdomains).
pub fn origin_allowed(endpoint: &str, allowed: &[String]) -> bool {
    let Some((scheme, host, port)) = origin_of(endpoint) else {
        return false;
    };
    allowed.iter().any(|origin| {
        let (pattern, wildcard) = match origin.split_once("://*.") {
            Some((o_scheme, rest)) => (format!("{o_scheme}://{rest}"), true),
            None => (origin.clone(), false),
        };
        let Some((o_scheme, o_host, o_port)) = origin_of(&pattern) else {
            return false;
        };
        if o_scheme != scheme || o_port != port {
            return false;
        }
        if wildcard {
            host.strip_suffix(&o_host)
                .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.'))
        } else {
            host == o_host
        }
    })
}

/// Checks a device token for its platform. Web Push endpoints must be on
/// an allowed push service (the server will POST to them).
pub fn check_token(platform: Platform, token: &str, settings: &PushSettings) -> AppResult<String> {
    let token = token.trim();
    let bad = |message: &str| Err(AppError::bad_input("token", message));
    if token.is_empty()
        || token.len() > 1024
        || token.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return bad("must be 1 to 1024 characters without spaces");
    }
    match platform {
        Platform::Apns if !token.chars().all(|c| c.is_ascii_hexdigit()) => {
            bad("an APNs device token is hexadecimal")
        }
        Platform::Web if !origin_allowed(token, &settings.web_push_allowed_origins) => {
            bad("is not the endpoint of a known push service")
        }
        _ => Ok(token.to_string()),
    }
}

/// The keys of a Web Push subscription (RFC 8291), base64url.
pub fn check_web_keys(p256dh: &str, auth: &str) -> AppResult<()> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok();
    match (decode(p256dh), decode(auth)) {
        (Some(key), Some(secret)) if key.len() == 65 && secret.len() == 16 => Ok(()),
        _ => Err(AppError::bad_input(
            "webPush",
            "p256dh must be a 65-byte P-256 key and auth a 16-byte secret, base64url",
        )),
    }
}

/// The whole content of a push: no names, no words, nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PushData {
    /// `notification`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Global id of the notification (fetch it with `node`).
    pub id: String,
    /// The notification kind, e.g. `check_in_due`.
    pub category: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(origins: &[&str]) -> PushSettings {
        PushSettings {
            fcm_credentials_file: None,
            fcm_base_url: String::new(),
            apns: None,
            apns_base_url: String::new(),
            vapid_private_key_file: None,
            vapid_subject: String::new(),
            web_push_allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn web_push_endpoints_must_be_on_an_allowed_push_service() {
        let s = settings(&["https://fcm.googleapis.com", "https://*.notify.windows.com"]);
        let ok = |t: &str| check_token(Platform::Web, t, &s).is_ok();
        assert!(ok("https://fcm.googleapis.com/fcm/send/abc"));
        assert!(ok("https://db5p.notify.windows.com/w/?token=x"));
        assert!(!ok("https://notify.windows.com.evil.example/x"));
        assert!(!ok("https://evil.example/fcm.googleapis.com"));
        assert!(!ok("http://fcm.googleapis.com/x"));
        assert!(!ok("https://169.254.169.254/latest"));
        assert!(!ok("https://10.0.0.5:8443?.notify.windows.com"));
        assert!(!ok("https://10.0.0.5#.notify.windows.com"));
        assert!(!ok("https://fcm.googleapis.com@10.0.0.5/x"));
        assert!(!ok("https://user:pw@fcm.googleapis.com/x"));
        assert!(!ok("https://fcm.googleapis.com:8443/x"));
        assert!(ok("https://FCM.googleapis.com/fcm/send/abc"));
        assert!(check_token(Platform::Apns, "abc123", &s).is_ok());
        assert!(check_token(Platform::Apns, "not hex", &s).is_err());
        assert!(check_token(Platform::Fcm, "", &s).is_err());
    }

    #[test]
    fn web_keys_are_checked() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let key = URL_SAFE_NO_PAD.encode([4u8; 65]);
        let auth = URL_SAFE_NO_PAD.encode([1u8; 16]);
        assert!(check_web_keys(&key, &auth).is_ok());
        assert!(check_web_keys(&auth, &key).is_err());
    }
}
