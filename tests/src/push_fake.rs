//! Stand-ins for the push providers on loopback, speaking their real wire
//! formats: Google's OAuth token endpoint and FCM HTTP v1, APNs over
//! HTTP/2 (cleartext, prior knowledge), and a Web Push service. Each checks
//! the credentials it is sent (signatures verified with the test's public
//! keys) and answers with scripted successes and failures by token:
//!
//! * FCM: `unregistered-*` → 404 UNREGISTERED; `flaky-*` → 503 once, then 200.
//! * APNs: `dead*` → 410 Unregistered; `bad0*` → 400 BadDeviceToken.
//! * Web Push: `/push/gone-*` → 410.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Version},
    response::{IntoResponse, Response},
    routing::post,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::json;

/// One request a provider accepted or refused.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub provider: &'static str,
    pub device: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    pub http2: bool,
}

/// Keys the tests configure the server with (the fake holds the public halves).
pub struct Keys {
    pub fcm_private_pem: String,
    pub ec_private_pem: String,
    fcm_public_pem: String,
    ec_public_pem: String,
}

impl Keys {
    pub fn generate() -> Keys {
        let mut rng = rsa::rand_core::OsRng;
        let rsa = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("rsa key");
        let fcm_private_pem = rsa.to_pkcs8_pem(LineEnding::LF).expect("pem").to_string();
        let fcm_public_pem = rsa
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let secret = p256::SecretKey::random(&mut rng);
        let ec_private_pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .expect("pem")
            .to_string();
        let ec_public_pem = secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        Keys {
            fcm_private_pem,
            ec_private_pem,
            fcm_public_pem,
            ec_public_pem,
        }
    }
}

#[derive(Clone)]
pub struct PushFake {
    pub addr: SocketAddr,
    state: Arc<Inner>,
}

struct Inner {
    pushed: Mutex<Vec<Pushed>>,
    flaky_seen: Mutex<HashSet<String>>,
    fcm_key: DecodingKey,
    ec_key: DecodingKey,
    addr: Mutex<Option<SocketAddr>>,
}

impl PushFake {
    pub async fn start(keys: &Keys) -> PushFake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Inner {
            pushed: Mutex::default(),
            flaky_seen: Mutex::default(),
            fcm_key: DecodingKey::from_rsa_pem(keys.fcm_public_pem.as_bytes()).expect("rsa public"),
            ec_key: DecodingKey::from_ec_pem(keys.ec_public_pem.as_bytes()).expect("ec public"),
            addr: Mutex::new(Some(addr)),
        });
        let app = Router::new()
            .route("/oauth2/token", post(token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .route("/3/device/{token}", post(apns_send))
            .route("/push/{id}", post(web_push))
            .with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        PushFake { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A Firebase service-account file pointing at this fake.
    pub fn fcm_credentials(&self, keys: &Keys) -> String {
        json!({
            "type": "service_account",
            "project_id": "closeknit-test",
            "client_email": "push@closeknit-test.iam.gserviceaccount.com",
            "private_key": keys.fcm_private_pem,
            "token_uri": format!("{}/oauth2/token", self.url()),
        })
        .to_string()
    }

    pub fn pushed(&self) -> Vec<Pushed> {
        self.state.pushed.lock().expect("lock").clone()
    }

    /// Accepted pushes to one device token / endpoint id.
    pub fn delivered_to(&self, device: &str) -> usize {
        self.pushed()
            .iter()
            .filter(|p| p.device == device && (200..300).contains(&p.status))
            .count()
    }
}

fn record(state: &Inner, pushed: Pushed) -> Response {
    let status = StatusCode::from_u16(pushed.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    state.pushed.lock().expect("lock").push(pushed);
    status.into_response()
}

async fn token(State(state): State<Arc<Inner>>, body: String) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return (StatusCode::BAD_REQUEST, "unsupported grant").into_response();
    }
    let addr = state.addr.lock().expect("lock").expect("addr");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[format!("http://{addr}/oauth2/token")]);
    validation.set_required_spec_claims(&["exp", "aud", "iss"]);
    let assertion = get("assertion").unwrap_or_default();
    match jsonwebtoken::decode::<serde_json::Value>(&assertion, &state.fcm_key, &validation) {
        Ok(data)
            if data.claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging" =>
        {
            axum::Json(
                json!({"access_token": "fcm-access", "expires_in": 3600, "token_type": "Bearer"}),
            )
            .into_response()
        }
        _ => (StatusCode::BAD_REQUEST, "invalid_grant").into_response(),
    }
}

async fn fcm_send(State(state): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer fcm-access") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let device = value["message"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let status = if device.starts_with("unregistered") {
        404
    } else if device.starts_with("flaky")
        && state
            .flaky_seen
            .lock()
            .expect("lock")
            .insert(device.clone())
    {
        503
    } else {
        200
    };
    let pushed = Pushed {
        provider: "fcm",
        device,
        status,
        headers,
        body,
        http2: false,
    };
    if status == 404 {
        state.pushed.lock().expect("lock").push(pushed);
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}})),
        )
            .into_response();
    }
    record(&state, pushed)
}

async fn apns_send(
    State(state): State<Arc<Inner>>,
    Path(device): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let jwt = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bearer "))
        .unwrap_or_default()
        .to_string();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_required_spec_claims(&["iss"]);
    validation.validate_exp = false;
    let header_ok =
        jsonwebtoken::decode_header(&jwt).is_ok_and(|h| h.kid.as_deref() == Some("KEY1234567"));
    if !header_ok
        || jsonwebtoken::decode::<serde_json::Value>(&jwt, &state.ec_key, &validation).is_err()
    {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"reason": "InvalidProviderToken"})),
        )
            .into_response();
    }
    if headers.get("apns-topic").and_then(|v| v.to_str().ok()) != Some("org.closeknit.app") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"reason": "MissingTopic"})),
        )
            .into_response();
    }
    let (status, reason) = if device.starts_with("dead") {
        (410, Some("Unregistered"))
    } else if device.starts_with("bad0") {
        (400, Some("BadDeviceToken"))
    } else {
        (200, None)
    };
    state.pushed.lock().expect("lock").push(Pushed {
        provider: "apns",
        device,
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        http2: version == Version::HTTP_2,
    });
    match reason {
        Some(reason) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(json!({"reason": reason})),
        )
            .into_response(),
        None => (
            StatusCode::OK,
            [("apns-id", "00000000-0000-0000-0000-000000000001")],
        )
            .into_response(),
    }
}

async fn web_push(
    State(state): State<Arc<Inner>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let jwt = auth
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_default();
    let k = auth.split("k=").nth(1).unwrap_or_default();
    let addr = state.addr.lock().expect("lock").expect("addr");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[format!("http://{addr}")]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let key_ok = URL_SAFE_NO_PAD.decode(k).is_ok_and(|key| key.len() == 65);
    if !key_ok
        || headers.get("ttl").is_none()
        || jsonwebtoken::decode::<serde_json::Value>(jwt, &state.ec_key, &validation).is_err()
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let status = if id.starts_with("gone") { 410 } else { 201 };
    record(
        &state,
        Pushed {
            provider: "web",
            device: id,
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            http2: false,
        },
    )
}
