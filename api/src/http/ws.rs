//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket
//! (`graphql-transport-ws`; the older `graphql-ws` is also understood).
//! The client authenticates in `connection_init` with
//! `{"authorization": "Bearer <access token>"}`; a missing or bad token
//! closes the socket (4403), and silence closes it after 10 s (4408).
//! Only subscriptions are served here (queries and mutations go over HTTP,
//! authenticated per request); the socket closes (4401) when the access
//! token that opened it expires or its session ends (logout of that
//! session, logout everywhere, a disabled account: on every instance,
//! within a second), and when the server shuts down.
//!
//! A browser on another site must not open a socket here: a request with an
//! `Origin` is refused (403, code `FORBIDDEN`) before the upgrade unless the
//! origin is the server's own (its host and port are the request's `Host`,
//! scheme http or https) or one of `CLOSEKNIT_CORS_ORIGINS`. Native apps
//! send no `Origin` and are not affected.

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::Response,
};
use futures::{SinkExt, StreamExt, stream::SplitSink};
use tower_http::request_id::RequestId;

use super::AppState;
use crate::{
    auth::viewer::{Viewer, authenticate},
    error::AppError,
    graphql::context::RequestCtx,
    notifications::{graphql::SessionExpiry, live::SessionSignal},
};
use tokio::sync::broadcast;

/// The schema as served over WebSocket: subscriptions only. Queries and
/// mutations go over HTTP, where every request is authenticated afresh,
/// rate-limited and size-limited; a socket authenticated once must not
/// become a side door for them.
#[derive(Clone)]
struct SubscriptionsOnly(crate::schema::AppSchema);

fn is_subscription(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        // Let the schema report the syntax error.
        return true;
    };
    super::graphql::operation_type(&doc, request.operation_name.as_deref())
        .is_none_or(|ty| ty == async_graphql::parser::types::OperationType::Subscription)
}

fn refused() -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(
        "Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql.",
        None,
    );
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", crate::error::ErrorCode::BadRequest.as_str());
    async_graphql::Response::from_errors(vec![error])
}

impl async_graphql::Executor for SubscriptionsOnly {
    async fn execute(&self, _request: async_graphql::Request) -> async_graphql::Response {
        refused()
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<std::sync::Arc<Data>>,
    ) -> futures::stream::BoxStream<'static, async_graphql::Response> {
        if !is_subscription(&request) {
            return futures::stream::once(async { refused() }).boxed();
        }
        async_graphql::Executor::execute_stream(&self.0, request, session_data)
    }
}

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn bearer(payload: &serde_json::Value) -> Option<&str> {
    let object = payload.as_object()?;
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())
}

/// Whether a browser's `Origin` (if any) may open a socket: none (native
/// apps), the server's own, or a configured one.
fn origin_allowed(headers: &HeaderMap, uri: &Uri, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim().trim_end_matches('/');
    if allowed
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    // HTTP/1.1 sends `Host`; an HTTP/2 upgrade carries the authority.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    host.is_some_and(|host| same_host(origin, host))
}

/// `origin` is `http(s)://` + exactly `host` (default ports aside).
fn same_host(origin: &str, host: &str) -> bool {
    let origin = origin.to_ascii_lowercase();
    let (default_port, authority) = match origin.split_once("://") {
        Some(("http", authority)) => (":80", authority),
        Some(("https", authority)) => (":443", authority),
        _ => return false,
    };
    if authority.is_empty() || authority.contains(['/', '@', '?', '#', ' ']) {
        return false;
    }
    let host = host.trim().to_ascii_lowercase();
    let bare = |a: &str| a.strip_suffix(default_port).unwrap_or(a).to_string();
    bare(authority) == bare(&host)
}

fn forbidden_origin() -> Response {
    super::graphql::coded_error(
        StatusCode::FORBIDDEN,
        super::graphql::MediaType::Json,
        crate::error::ErrorCode::Forbidden,
        "This page's origin may not open a subscription socket.",
    )
}

pub async fn subscriptions(
    State(state): State<AppState>,
    request_id: Option<axum::Extension<RequestId>>,
    headers: HeaderMap,
    uri: Uri,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&headers, &uri, &state.config.cors_origins) {
        tracing::info!(
            origin = ?headers.get(header::ORIGIN),
            "subscription socket refused: origin not allowed"
        );
        return forbidden_origin();
    }
    let request_id = super::graphql::request_id(&headers, request_id.as_ref().map(|e| &e.0));
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let shutdown = state.shutdown.clone();
            tokio::select! {
                _ = serve(state, socket, protocol, request_id) => {}
                _ = shutdown.cancelled() => {}
            }
        })
}

async fn close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    sink.send(Message::Close(Some(frame))).await.ok();
}

/// Authenticates `connection_init` here (so a refusal is the protocol's
/// 4403, and a silent client gets 4408), then hands the socket, with that
/// first message replayed, to async-graphql.
async fn serve(state: AppState, socket: WebSocket, protocol: GraphQLProtocol, request_id: String) {
    // Listen for session endings before authenticating: one that commits in
    // between is then heard, not missed.
    let endings = state.live.subscribe_sessions();
    let (mut sink, mut stream) = socket.split();
    let first = tokio::time::timeout(INIT_TIMEOUT, stream.next()).await;
    let text = match first {
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(_) => return,
        Err(_) => return close(&mut sink, 4408, "Connection initialisation timeout").await,
    };
    let init: serde_json::Value = serde_json::from_str(text.as_str()).unwrap_or_default();
    if init["type"] != "connection_init" {
        return close(&mut sink, 4400, "Expected connection_init").await;
    }
    let Some((data, expires, account_id, session_id)) =
        connection_data(&state, &init["payload"], request_id).await
    else {
        return close(&mut sink, 4403, "Forbidden").await;
    };
    let replay = futures::stream::once(async move { Ok::<_, axum::Error>(Message::Text(text)) })
        .chain(stream);
    let served = GraphQLWebSocket::new_with_pair(
        &mut sink,
        replay,
        SubscriptionsOnly(state.schema.clone()),
        protocol,
    )
    .on_connection_init(move |_| async move { Ok(data) })
    .serve();
    // The socket lives no longer than the access token that opened it, nor
    // than its session. Both are the same 4401: the credentials the socket
    // was opened with no longer hold; the client signs in (or refreshes)
    // and reconnects.
    let ended = session_ended(&state, endings, account_id, session_id);
    let reason = tokio::select! {
        _ = served => None,
        _ = tokio::time::sleep_until(expires) => Some("Unauthorized: the access token expired"),
        _ = ended => Some("Unauthorized: the session ended"),
    };
    if let Some(reason) = reason {
        close(&mut sink, 4401, reason).await;
    }
}

/// Resolves when the socket's session ends: an announced ending of it (or
/// of all its account's sessions), or, when endings may have been missed,
/// a database check that finds it gone.
async fn session_ended(
    state: &AppState,
    mut endings: broadcast::Receiver<SessionSignal>,
    account_id: uuid::Uuid,
    session_id: uuid::Uuid,
) {
    loop {
        let signal = match endings.recv().await {
            Ok(signal) => signal,
            Err(broadcast::error::RecvError::Lagged(_)) => SessionSignal::Recheck,
            Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
        };
        match signal {
            SessionSignal::Ended(_) if signal.may_end(account_id, session_id) => {
                tracing::info!(%account_id, "closing a subscription socket: its session ended");
                return;
            }
            SessionSignal::Ended(_) => {}
            SessionSignal::Recheck => {
                match crate::identity::store::principal(&state.db, account_id, session_id).await {
                    Ok(Some(_)) => {}
                    Ok(None) => return,
                    Err(err) => err.log(),
                }
            }
        }
    }
}

/// The request context for a socket whose `connection_init` carries a
/// valid access token for an account, with the token's expiry, account and
/// session; `None` otherwise.
async fn connection_data(
    state: &AppState,
    payload: &serde_json::Value,
    request_id: String,
) -> Option<(Data, tokio::time::Instant, uuid::Uuid, uuid::Uuid)> {
    let token = bearer(payload)?;
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_str(token).ok()?);
    let (viewer, account_id, session_id) =
        match authenticate(&state.db, &state.tokens, &headers).await {
            Ok(Viewer::Account(account)) => {
                let (a, s) = (account.account_id, account.session_id);
                (Viewer::Account(account), a, s)
            }
            Ok(_) | Err(AppError::Unauthenticated) => return None,
            Err(err) => {
                err.log();
                return None;
            }
        };
    let raw = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    let expires_in = state
        .tokens
        .verify(raw)
        .map(|claims| claims.exp - chrono::Utc::now().timestamp())
        .unwrap_or(0)
        .max(0);
    let expires = tokio::time::Instant::now()
        + std::time::Duration::from_secs(u64::try_from(expires_in).unwrap_or(0));
    let mut data = Data::default();
    data.insert(RequestCtx::new(
        state.db.clone(),
        state.reads.clone(),
        request_id,
        viewer,
        None,
    ));
    data.insert(SessionExpiry(expires));
    Some((data, expires, account_id, session_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        headers
    }

    #[test]
    fn origins_are_the_servers_own_or_configured() {
        let uri = Uri::from_static("/graphql/ws");
        let allowed = vec!["https://app.closeknit.example".to_string()];
        let host = "api.closeknit.example";
        for (origin, ok) in [
            (None, true),
            (Some("https://api.closeknit.example"), true),
            (Some("http://api.closeknit.example"), true),
            (Some("https://API.closeknit.example:443"), true),
            (Some("https://app.closeknit.example"), true),
            (Some("https://app.closeknit.example/"), true),
            (Some("https://evil.example"), false),
            (Some("https://api.closeknit.example.evil.example"), false),
            (Some("https://api.closeknit.example:8443"), false),
            (Some("wss://api.closeknit.example"), false),
            (Some("https://user@api.closeknit.example"), false),
            (Some("null"), false),
            (Some(""), false),
        ] {
            assert_eq!(
                origin_allowed(&with_origin(origin, host), &uri, &allowed),
                ok,
                "{origin:?}"
            );
        }
        let local = with_origin(Some("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert!(origin_allowed(&local, &uri, &[]));
        let other_port = with_origin(Some("http://127.0.0.1:8081"), "127.0.0.1:8080");
        assert!(!origin_allowed(&other_port, &uri, &[]));
    }
}
