//! Liveness, readiness and metrics endpoints.

use std::time::Duration;

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::AppState;
use crate::{
    auth::constant_time_eq,
    db::{self, Readiness},
};

/// The process is up.
pub async fn healthz() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        json!({"status": "ok"}).to_string(),
    )
        .into_response()
}

/// The database answers and its schema is current; 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(
        state.config.database.acquire_timeout + Duration::from_secs(1),
        db::readiness(&state.db),
    )
    .await
    .unwrap_or_else(|_| Readiness::Unreachable("readiness check timed out".into()));
    let (status, body) = match check {
        Readiness::Ready => (StatusCode::OK, json!({"status": "ready"})),
        Readiness::Unreachable(reason) => {
            tracing::warn!(%reason, "not ready: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "unavailable", "reason": "database unreachable"}),
            )
        }
        Readiness::PendingMigrations(pending) => {
            tracing::warn!(?pending, "not ready: migrations pending");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "unavailable", "reason": "migrations pending"}),
            )
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Prometheus text exposition. Gauges describing the pool and the job
/// queue are refreshed on each scrape.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(presented.as_bytes(), token.expose().as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need the bearer token in CLOSEKNIT_METRICS_TOKEN",
            )
                .into_response();
        }
    }
    let (open, idle) = db::pool_stats(&state.db);
    state
        .metrics
        .set_pool(open, idle, state.config.database.max_connections);
    let counts = tokio::time::timeout(Duration::from_secs(2), crate::jobs::counts(&state.db)).await;
    match counts {
        Ok(Ok(counts)) => state.metrics.set_job_counts(&counts),
        Ok(Err(err)) => tracing::warn!(error = %err, "job counts unavailable for metrics"),
        Err(_) => tracing::warn!("job counts timed out for metrics"),
    }
    match state.metrics.encode() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
