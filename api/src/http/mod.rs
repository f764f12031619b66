//! The HTTP surface: GraphQL, health, readiness and metrics, behind request
//! ids, tracing, panic catching, a timeout, compression, CORS and security
//! headers; and metrics alone on a listener of their own when configured.

pub mod graphql;
pub mod health;
pub mod oauth;
pub mod ws;

use std::sync::Arc;

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::DatabaseConnection;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::{config::Config, metrics::Metrics, schema::AppSchema};

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub tokens: Arc<crate::auth::tokens::TokenService>,
    pub db: DatabaseConnection,
    /// Records reads before responses leave (group-committed).
    pub reads: crate::audit::reads::ReadAudit,
    pub metrics: Metrics,
    pub rate_limits: crate::ratelimit::RateLimits,
    /// Cancelled when the server begins shutting down (closes WebSockets).
    pub shutdown: tokio_util::sync::CancellationToken,
    pub config: Arc<Config>,
    /// Session endings (closes subscription sockets).
    pub live: crate::notifications::live::LiveHub,
    /// Secrets and addresses for single sign-on's browser routes.
    pub accounts: Arc<crate::identity::AccountServices>,
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

async fn not_found() -> Response {
    graphql::request_error(
        StatusCode::NOT_FOUND,
        graphql::MediaType::Json,
        "No such endpoint. GraphQL is served at /graphql.",
    )
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "panic in an HTTP handler");
    let body = serde_json::json!({"errors": [{"message": crate::error::INTERNAL_MESSAGE, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]});
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// Answers `SERVICE_UNAVAILABLE` (503, `Retry-After`, a coded body) when a
/// request takes longer than `CLOSEKNIT_REQUEST_TIMEOUT_MS`: the work it was
/// waiting on is dropped, and the client may retry.
async fn time_limit(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis(), "request timed out");
            graphql::unavailable(graphql::MediaType::Json)
        }
    }
}

/// The HTTP service: routes behind the middleware stack.
pub fn router(
    state: AppState,
) -> impl tower::Service<
    Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let config = state.config.clone();
    let cors = if config.cors_origins.is_empty() {
        CorsLayer::new()
    } else {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
            .expose_headers([X_REQUEST_ID])
            .max_age(std::time::Duration::from_secs(600))
    };

    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let request_id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            // The path only: query strings may carry GraphQL variables.
            tracing::info_span!("request", request_id = %request_id, method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(
            tower_http::trace::DefaultOnResponse::new()
                .level(tracing::Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Millis),
        )
        // A 5xx is logged where it is decided (faults at ERROR with their
        // cause, outages at WARN); here it is only noted.
        .on_failure(
            tower_http::trace::DefaultOnFailure::new()
                .level(tracing::Level::WARN)
                .latency_unit(tower_http::LatencyUnit::Millis),
        );

    let middleware = ServiceBuilder::new()
        .map_response(|response: Response<_>| response.map(axum::body::Body::new))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(
            config.request_timeout,
            time_limit,
        ))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));

    let mut routes = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::subscriptions))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .merge(crate::identity::sso::http::routes());
    // With a listener of their own, metrics are served only there.
    if config.metrics_listen.is_none() {
        routes = routes.route("/metrics", get(health::metrics));
    }
    let routes = routes.fallback(not_found).with_state(state);
    // Wrapping the whole router (rather than `Router::layer`, which layers
    // each route) builds the middleware once per connection, not per request.
    middleware.service(routes)
}

/// The service on `CLOSEKNIT_METRICS_LISTEN`: `/metrics` only (still behind
/// `CLOSEKNIT_METRICS_TOKEN` when that is set), with a timeout.
pub fn metrics_router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    Router::new()
        .route("/metrics", get(health::metrics))
        .layer(axum::middleware::from_fn_with_state(timeout, time_limit))
        .with_state(state)
}
