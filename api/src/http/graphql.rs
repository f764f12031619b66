//! `POST /graphql` and `GET /graphql` per the GraphQL over HTTP spec,
//! written on top of async-graphql rather than its stock service so that we
//! control content negotiation, status codes, body limits, batching (off),
//! and GET (queries only). See `.ci/audit/AUDITS.md` for the audit this
//! handler passes.

use std::{
    net::{IpAddr, SocketAddr},
    panic::AssertUnwindSafe,
    time::Instant,
};

use async_graphql::{
    ServerError, Variables,
    http::GraphiQLSource,
    parser::{
        parse_query,
        types::{ExecutableDocument, OperationType},
    },
};
use axum::{
    body::{Body, Bytes},
    extract::{ConnectInfo, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use futures::FutureExt;
use serde_json::{Map, Value, json};
use tower_http::request_id::RequestId;

use super::AppState;
use crate::{
    auth::viewer::authenticate,
    config::Profile,
    error::{AppError, ErrorCode, INTERNAL_MESSAGE},
    graphql::{context::RequestCtx, guard::code_of},
};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            MediaType::Json => JSON,
        })
    }
}

/// Chooses the response media type from `Accept`. No header (or `*/*`)
/// means `application/json`; `None` means nothing we can produce is
/// acceptable (406).
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    let mut best: Option<(f32, u8, MediaType)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let mime = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let candidate = match mime.as_str() {
            "application/graphql-response+json" => (q, 3, MediaType::GraphqlResponseJson),
            "application/json" => (q, 2, MediaType::Json),
            "application/*" | "*/*" => (q, 1, MediaType::Json),
            _ => continue,
        };
        if best.is_none_or(|b| (candidate.0, candidate.1) > (b.0, b.1)) {
            best = Some(candidate);
        }
    }
    best.map(|b| b.2)
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// An error answered before GraphQL execution (bad HTTP request).
pub fn request_error(status: StatusCode, media: MediaType, message: &str) -> Response {
    coded_error(status, media, ErrorCode::BadRequest, message)
}

/// An error answered without executing anything, with its code.
pub fn coded_error(
    status: StatusCode,
    media: MediaType,
    code: ErrorCode,
    message: &str,
) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.header());
    if code == ErrorCode::ServiceUnavailable {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    response
}

/// How long a client is asked to wait when the database is unreachable.
pub const RETRY_AFTER_SECS: &str = "5";

/// 503 with `Retry-After`: a dependency (the database) is unreachable, or
/// the request ran out of time; the client should try again shortly.
pub fn unavailable(media: MediaType) -> Response {
    coded_error(
        StatusCode::SERVICE_UNAVAILABLE,
        media,
        ErrorCode::ServiceUnavailable,
        crate::error::UNAVAILABLE_MESSAGE,
    )
}

/// A validated GraphQL-over-HTTP request.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
}

fn params_from_json(value: Value) -> Result<Params, &'static str> {
    let Value::Object(mut object) = value else {
        if value.is_array() {
            return Err("Batched requests are not supported: send one operation per request.");
        }
        return Err("The request body must be a JSON object.");
    };
    let query = match object.remove("query") {
        Some(Value::String(q)) => q,
        None | Some(Value::Null) => return Err("The `query` parameter is required."),
        Some(_) => return Err("The `query` parameter must be a string."),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("The `operationName` parameter must be a string."),
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(v),
        Some(_) => return Err("The `variables` parameter must be an object."),
    };
    match object.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("The `extensions` parameter must be an object."),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut pieces = value.split(';');
    let mime = pieces.next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return false;
    }
    pieces.all(|param| match param.trim().split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

/// The request id set by the middleware (or sent by the client).
pub(super) fn request_id(headers: &HeaderMap, id: Option<&RequestId>) -> String {
    id.and_then(|id| id.header_value().to_str().ok())
        .or_else(|| headers.get("x-request-id").and_then(|v| v.to_str().ok()))
        .unwrap_or("-")
        .to_string()
}

pub async fn post(
    State(state): State<AppState>,
    request_id_ext: Option<axum::Extension<RequestId>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "Accept application/graphql-response+json or application/json.",
        );
    };
    if !is_json_content_type(&headers) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "Send the request as Content-Type: application/json.",
        );
    }
    let bytes: Bytes = match axum::body::to_bytes(body, state.config.body_limit_bytes).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let too_large = std::error::Error::source(&err)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return if too_large {
                request_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    media,
                    &format!(
                        "The request body is larger than {} bytes.",
                        state.config.body_limit_bytes
                    ),
                )
            } else {
                request_error(
                    StatusCode::BAD_REQUEST,
                    media,
                    "The request body could not be read.",
                )
            };
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "The request body is not valid JSON.",
            );
        }
    };
    let params = match params_from_json(value) {
        Ok(params) => params,
        Err(message) => return request_error(StatusCode::BAD_REQUEST, media, message),
    };
    let rid = request_id(&headers, request_id_ext.as_ref().map(|e| &e.0));
    let ip = state.rate_limits.client_ip(peer.map(|p| p.0.0), &headers);
    execute(&state, &headers, ip, rid, params, None, media).await
}

pub async fn get(
    State(state): State<AppState>,
    request_id_ext: Option<axum::Extension<RequestId>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    if raw.len() > state.config.body_limit_bytes {
        return request_error(
            StatusCode::URI_TOO_LONG,
            MediaType::Json,
            "The query string is too long; send large operations with POST.",
        );
    }
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(&raw) {
        Ok(pairs) => pairs,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                MediaType::Json,
                "The query string is not valid.",
            );
        }
    };
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let query = param("query");
    if query.is_none() && state.config.profile == Profile::Dev && accepts_html(&headers) {
        return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "Accept application/graphql-response+json or application/json.",
        );
    };
    let Some(query) = query else {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "The `query` parameter is required.",
        );
    };
    let variables = match param("variables") {
        None => None,
        Some(raw) => match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(v)) => Some(v),
            Ok(Value::Null) => None,
            _ => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    media,
                    "The `variables` parameter must be a JSON object.",
                );
            }
        },
    };
    if let Some(raw) = param("extensions")
        && !matches!(
            serde_json::from_str::<Value>(&raw),
            Ok(Value::Object(_) | Value::Null)
        )
    {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "The `extensions` parameter must be a JSON object.",
        );
    }
    let params = Params {
        query,
        operation_name: param("operationName"),
        variables,
    };
    // GET may only run queries: find the operation's type before executing.
    let mut parsed = None;
    if params.query.len() <= state.config.graphql.max_query_bytes
        && let Ok(doc) = parse_query(&params.query)
    {
        let kind = operation_type(&doc, params.operation_name.as_deref());
        if matches!(
            kind,
            Some(OperationType::Mutation | OperationType::Subscription)
        ) {
            let mut response = request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                "Only queries may be sent with GET; send mutations with POST.",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        parsed = Some(doc);
    }
    let rid = request_id(&headers, request_id_ext.as_ref().map(|e| &e.0));
    let ip = state.rate_limits.client_ip(peer.map(|p| p.0.0), &headers);
    execute(&state, &headers, ip, rid, params, parsed, media).await
}

/// The type of the operation a request would run, if it names one.
pub(super) fn operation_type(
    doc: &ExecutableDocument,
    name: Option<&str>,
) -> Option<OperationType> {
    crate::graphql::inputs::selected_operation(doc, name).map(|op| op.ty)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}

/// The response body: request errors carry no `data` key at all.
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// True when the request was refused before execution started (parse,
/// validation, limits, variables, arguments): such responses carry no `data`
/// and, for `application/graphql-response+json`, status 400.
fn is_request_error(response: &async_graphql::Response, executed: bool) -> bool {
    !executed && !response.errors.is_empty()
}

/// True when any error says the database was unreachable.
fn mentions_unavailable(response: &async_graphql::Response) -> bool {
    response
        .errors
        .iter()
        .any(|e| code_of(e).as_deref() == Some(ErrorCode::ServiceUnavailable.as_str()))
}

/// 429 for an API client over its request budget.
fn rate_limited(media: MediaType, retry_after: std::time::Duration) -> Response {
    let error = AppError::RateLimited { retry_after };
    let seconds = retry_after.as_secs().max(1);
    let body = json!({ "errors": [{ "message": error.message(), "extensions": { "code": ErrorCode::RateLimited.as_str(), "retryAfterSeconds": seconds } }] });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.header());
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// 401 for a bearer token that does not verify (never treated as anonymous).
fn unauthenticated(media: MediaType) -> Response {
    let body = json!({ "errors": [{ "message": "Your session has ended or the token is not valid. Sign in again.", "extensions": { "code": ErrorCode::Unauthenticated.as_str() } }] });
    let mut response = (StatusCode::UNAUTHORIZED, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.header());
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    client_ip: Option<IpAddr>,
    request_id: String,
    params: Params,
    parsed: Option<ExecutableDocument>,
    media: MediaType,
) -> Response {
    let started = Instant::now();
    let viewer = match authenticate(&state.db, &state.tokens, headers).await {
        Ok(viewer) => viewer,
        Err(AppError::Unauthenticated) => return unauthenticated(media),
        Err(err) => {
            // The database could not be reached to check the session (or an
            // unexpected failure): never the client's fault.
            err.log();
            let code = err.code();
            tracing::warn!(request_id = %request_id, code = %code, "authentication could not complete");
            return if code == ErrorCode::ServiceUnavailable {
                unavailable(media)
            } else {
                coded_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    media,
                    ErrorCode::InternalServerError,
                    INTERNAL_MESSAGE,
                )
            };
        }
    };
    if let crate::auth::viewer::Viewer::Client(client) = &viewer
        && let Err(AppError::RateLimited { retry_after }) =
            state.rate_limits.client_request(client.client_id)
    {
        return rate_limited(media, retry_after);
    }
    let context = RequestCtx::new(
        state.db.clone(),
        state.reads.clone(),
        request_id.clone(),
        viewer,
        client_ip,
    );
    let label = context.metrics_label.clone();
    let executed_flag = context.executed.clone();
    let mut request = async_graphql::Request::new(params.query).data(context);
    if let Some(variables) = params.variables {
        request = request.variables(Variables::from_json(Value::Object(variables)));
    }
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(doc) = parsed {
        request.set_parsed_query(doc);
    }

    let executed = AssertUnwindSafe(state.schema.execute(request))
        .catch_unwind()
        .await;
    let response = match executed {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(request_id = %request_id, panic = %panic_message(panic.as_ref()), "panic while executing a GraphQL operation");
            let mut error = ServerError::new(INTERNAL_MESSAGE, None);
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", ErrorCode::InternalServerError.as_str());
            async_graphql::Response::from_errors(vec![error])
        }
    };

    let refused = is_request_error(
        &response,
        executed_flag.load(std::sync::atomic::Ordering::Acquire),
    );
    let outcome = if response.errors.is_empty() {
        "ok"
    } else if refused {
        "rejected"
    } else {
        "error"
    };
    state.metrics.observe_graphql(
        label.get().map_or("other", String::as_str),
        outcome,
        started.elapsed(),
    );

    let body = ResponseBody {
        data: (!refused).then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    let bytes = match serde_json::to_vec(&body) {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(request_id = %request_id, error = %err, "serialising a GraphQL response failed");
            return request_error(StatusCode::INTERNAL_SERVER_ERROR, media, INTERNAL_MESSAGE);
        }
    };
    let status = if refused && media == MediaType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut http = (status, bytes).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, media.header());
    if mentions_unavailable(&response) {
        http.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    http
}

#[cfg(test)]
#[path = "graphql_tests.rs"]
mod tests;
