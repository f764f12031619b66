//! The browser's side of single sign-on: `GET /auth/sso/{organisationId}/start`
//! (to the provider) and `GET /auth/sso/callback` (back from it, then to the
//! app with a one-time result in the fragment).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use uuid::Uuid;

use super::flow::{self, Callback, Next};
use crate::http::AppState;

/// The cookie binding a sign-in to the browser that started it.
const COOKIE: &str = "closeknit_sso_state";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sso/{organisation_id}/start", get(start))
        .route("/auth/sso/callback", get(callback))
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

fn redirect(to: &str, cookie: Option<String>) -> Response {
    let Ok(location) = HeaderValue::from_str(to) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "That address cannot be returned to.",
        );
    };
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn respond(next: crate::error::AppResult<Next>, secure: bool) -> Response {
    let attributes = format!(
        "Path=/auth/sso; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    match next {
        Ok(Next::Provider { url, state }) => redirect(
            &url,
            Some(format!(
                "{COOKIE}={state}; Max-Age={}; {attributes}",
                flow::LOGIN_TTL.num_seconds()
            )),
        ),
        // The cookie has done its work.
        Ok(Next::Back(url)) => redirect(&url, Some(format!("{COOKIE}=; Max-Age=0; {attributes}"))),
        Ok(Next::BadRequest(why)) => plain(StatusCode::BAD_REQUEST, why),
        Err(e) => {
            e.log();
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Signing in failed. Please try again.",
            )
        }
    }
}

#[derive(Deserialize)]
pub struct StartQuery {
    return_to: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    Path(organisation_id): Path<String>,
    Query(query): Query<StartQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(organisation_id) = Uuid::parse_str(&organisation_id) else {
        return plain(StatusCode::NOT_FOUND, "No such organisation.");
    };
    let Some(return_to) = query.return_to else {
        return plain(StatusCode::BAD_REQUEST, "return_to is missing");
    };
    let services = &state.accounts;
    let next = flow::begin(
        &state.db,
        services,
        organisation_id,
        &return_to,
        &request_id(&headers),
    )
    .await;
    respond(next, services.public_url.starts_with("https://"))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn callback(
    State(state): State<AppState>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let services = &state.accounts;
    let next = flow::finish(
        &state.db,
        services,
        Callback {
            code: query.code.as_deref(),
            state: query.state.as_deref(),
            error: query.error.as_deref(),
            browser_state: cookie(&headers, COOKIE),
        },
        &request_id(&headers),
    )
    .await;
    respond(next, services.public_url.starts_with("https://"))
}
