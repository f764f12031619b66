//! Liveness, readiness (database reachable, migrations current) and metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::{Duration, Instant};

use closeknit_tests::{TestApp, error_codes, eventually, on_postgres};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn status(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn healthz_and_readyz_report_a_healthy_server() {
    let app = TestApp::spawn().await;
    assert_eq!(
        status(&app, "/healthz").await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        status(&app, "/readyz").await,
        (200, json!({"status": "ready"}))
    );
}

#[tokio::test]
async fn readyz_is_503_while_a_migration_is_pending() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    let db = app.test_db().connect().await;
    // Roll back the newest migration (keeping the job queue) behind the server's back.
    Migrator::down(&db, Some(1)).await.unwrap();
    let (code, body) = status(&app, "/readyz").await;
    assert_eq!(code, 503);
    assert_eq!(body["reason"], "migrations pending");
    assert!(
        body.get("pending").is_none(),
        "migration names stay in the logs"
    );
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(status(&app, "/readyz").await.0, 200);
}

#[tokio::test]
async fn unreachable_database_fails_fast_and_recovers() {
    if !on_postgres() {
        eprintln!(
            "skipped: needs PostgreSQL (set CLOSEKNIT_TEST_DATABASE_URL); a SQLite file cannot become unreachable"
        );
        return;
    }
    let app = TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .env("CLOSEKNIT_DB_ACQUIRE_TIMEOUT_MS", "1000")
        .spawn()
        .await;
    let (admin, name) = app.test_db().admin().await.unwrap();
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();

    let started = Instant::now();
    let (code, body) = status(&app, "/readyz").await;
    assert_eq!(code, 503);
    assert_eq!(body["reason"], "database unreachable");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "readyz took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let (code, v) = app
        .graphql(
            "{ localAuthorities { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(error_codes(&v), ["SERVICE_UNAVAILABLE"]);
    assert!(!v.to_string().contains(&name), "no database details leak");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "query took {:?}",
        started.elapsed()
    );
    assert_eq!(
        status(&app, "/healthz").await.0,
        200,
        "liveness is unaffected"
    );

    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true"
        ))
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            status(&app, "/readyz").await.0 == 200
        })
        .await,
        "ready again once the database is back"
    );
}

#[tokio::test]
async fn metrics_report_operations_pool_and_queue() {
    let app = TestApp::spawn().await;
    let (code, _) = app
        .graphql(
            "query RegionList { regions { edges { node { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code, 200);
    app.graphql("{ nope }", json!({})).await;
    let text = app.metrics_text().await;
    for expected in [
        // Not an app operation: labelled by its root field.
        "closeknit_graphql_requests_total{operation=\"regions\",outcome=\"ok\"} 1",
        // Not a field of the schema at all.
        "closeknit_graphql_requests_total{operation=\"other\",outcome=\"rejected\"} 1",
        "closeknit_graphql_request_duration_seconds_bucket{",
        "closeknit_db_pool_connections{state=\"max\"} 10",
        "closeknit_jobs{state=\"dead\"} 0",
        "closeknit_db_statements_total{outcome=\"ok\"}",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_METRICS_TOKEN", "scrape-secret")
        .spawn()
        .await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
