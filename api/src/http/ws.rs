//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket
//! (`graphql-transport-ws`; the older `graphql-ws` is also understood).
//! The client authenticates in `connection_init` with
//! `{"authorization": "Bearer <access token>"}`; a missing or bad token
//! closes the socket (4403), and silence closes it after 10 s (4408).
//! Only subscriptions are served here (queries and mutations go over HTTP,
//! authenticated per request); the socket closes (4401) when the access
//! token that opened it expires, and when the server shuts down.

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use futures::{SinkExt, StreamExt, stream::SplitSink};
use tower_http::request_id::RequestId;

use super::AppState;
use crate::{
    auth::viewer::{Viewer, authenticate},
    error::AppError,
    graphql::context::RequestCtx,
    notifications::graphql::SessionExpiry,
};

/// The schema as served over WebSocket: subscriptions only. Queries and
/// mutations go over HTTP, where every request is authenticated afresh,
/// rate-limited and size-limited; a socket authenticated once must not
/// become a side door for them.
#[derive(Clone)]
struct SubscriptionsOnly(crate::graphql::AppSchema);

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

pub async fn subscriptions(
    State(state): State<AppState>,
    request_id: Option<axum::Extension<RequestId>>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
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
    let Some((data, expires)) = connection_data(&state, &init["payload"], request_id).await else {
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
    // The socket lives no longer than the access token that opened it.
    let expired = tokio::select! {
        _ = served => false,
        _ = tokio::time::sleep_until(expires) => true,
    };
    if expired {
        close(&mut sink, 4401, "Unauthorized: the access token expired").await;
    }
}

/// The request context for a socket whose `connection_init` carries a
/// valid access token for an account; `None` otherwise.
async fn connection_data(
    state: &AppState,
    payload: &serde_json::Value,
    request_id: String,
) -> Option<(Data, tokio::time::Instant)> {
    let token = bearer(payload)?;
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_str(token).ok()?);
    let viewer = match authenticate(&state.db, &state.tokens, &headers).await {
        Ok(viewer @ Viewer::Account(_)) => viewer,
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
    Some((data, expires))
}
