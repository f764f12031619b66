//! `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4)
//! for third-party apps. Client authentication by HTTP Basic or by
//! `client_id`/`client_secret` in the form body (§2.3.1); errors as §5.2.

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;
use tower_http::request_id::RequestId;

use super::AppState;
use crate::clients::service::{self, TokenError};

fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = json!({ "error": code, "error_description": description });
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn invalid_request(description: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// Client id and secret from `Authorization: Basic` (each part
/// form-urlencoded, as §2.3.1 requires).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(())?;
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ())?;
    let text = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = text.split_once(':').ok_or(())?;
    let decode = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
    };
    match (decode(id), decode(secret)) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => Err(()),
    }
}

pub async fn token(
    State(state): State<AppState>,
    request_id: Option<axum::Extension<RequestId>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = super::graphql::request_id(&headers, request_id.as_ref().map(|e| &e.0));
    let ip = state.rate_limits.client_ip(peer.map(|p| p.0.0), &headers);
    if let Err(err) = state.rate_limits.token_request(ip) {
        return token_error(err.into(), false, &request_id);
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false);
    if !form_type {
        return invalid_request("Send the request as application/x-www-form-urlencoded.");
    }
    let Ok(bytes) = axum::body::to_bytes(body, state.config.body_limit_bytes).await else {
        return invalid_request("The request body could not be read.");
    };
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
        return invalid_request("The request body is not a valid form.");
    };
    let mut params = std::collections::HashMap::new();
    for (key, value) in pairs {
        // §3.2: parameters must not be repeated.
        if params.insert(key, value).is_some() {
            return invalid_request("A parameter was sent more than once.");
        }
    }
    let basic = match basic_credentials(&headers) {
        Ok(basic) => basic,
        Err(()) => {
            return token_error(TokenError::InvalidClient, true, &request_id);
        }
    };
    let in_body = params
        .get("client_id")
        .zip(params.get("client_secret"))
        .map(|(id, secret)| (id.clone(), secret.clone()));
    let used_basic = basic.is_some();
    let (client_id, secret) = match (basic, in_body) {
        (Some(_), Some(_)) => {
            return invalid_request("Authenticate the client one way only (Basic or form).");
        }
        (Some(credentials), None) | (None, Some(credentials)) => credentials,
        (None, None) => {
            return token_error(TokenError::InvalidClient, true, &request_id);
        }
    };
    match params.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(_) => return token_error(TokenError::UnsupportedGrantType, used_basic, &request_id),
        None => return invalid_request("grant_type is required."),
    }
    let issued = service::issue_token(
        &state.db,
        &state.tokens,
        &client_id,
        &secret,
        params.get("scope").map(String::as_str),
        &request_id,
    )
    .await;
    match issued {
        Ok(issued) => {
            let body = json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope,
            });
            let mut response = (StatusCode::OK, body.to_string()).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(err) => token_error(err, used_basic, &request_id),
    }
}

fn token_error(err: TokenError, challenge: bool, request_id: &str) -> Response {
    match err {
        TokenError::InvalidRequest(description) => invalid_request(description),
        TokenError::InvalidClient => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed.",
            );
            if challenge {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"closeknit\""),
                );
            }
            response
        }
        TokenError::UnsupportedGrantType => error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only the client_credentials grant is supported.",
        ),
        TokenError::InvalidScope => error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The requested scope is unknown or not granted to this client.",
        ),
        TokenError::RateLimited(wait) => {
            let seconds = wait.as_secs().max(1);
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                &format!("Too many requests. Try again in {seconds} seconds."),
            );
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        TokenError::Server(err) => {
            // Logged by kind: a fault at ERROR, an outage at WARN.
            err.log();
            if err.code() == crate::error::ErrorCode::ServiceUnavailable {
                tracing::warn!(request_id = %request_id, "token request met an outage");
                let mut response = error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    crate::error::UNAVAILABLE_MESSAGE,
                );
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(super::graphql::RETRY_AFTER_SECS),
                );
                response
            } else {
                tracing::error!(request_id = %request_id, "token request failed");
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    crate::error::INTERNAL_MESSAGE,
                )
            }
        }
    }
}
