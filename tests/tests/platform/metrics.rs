//! `/metrics` labels and access: operation labels come from the apps'
//! operations (`mobile-contracts/`) and the schema's root fields, never from
//! whoever names operations first; production needs a token or a listener
//! of metrics' own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use closeknit::config::Config;
use closeknit_tests::TestApp;
use serde_json::json;

const JWT_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg\n-----END PRIVATE KEY-----\n";

fn production() -> closeknit_tests::TestAppBuilder {
    TestApp::builder()
        .env("CLOSEKNIT_PROFILE", "production")
        .env("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:9")
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", JWT_KEY)
}

#[tokio::test]
async fn junk_operation_names_do_not_evict_real_labels() {
    let app = TestApp::spawn().await;
    for i in 0..300 {
        let (status, v) = app
            .graphql(&format!("query Junk{i} {{ __typename }}"), json!({}))
            .await;
        assert_eq!((status, v.get("errors")), (200, None), "{v}");
    }
    // An app operation (anonymous here, so its field fails): its own name.
    let home = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../mobile-contracts/care-leaver-app/Home.graphql"),
    )
    .unwrap();
    app.graphql(&home, json!({})).await;
    // An unknown name: its root field.
    let (status, v) = app
        .graphql(
            "query RegionList { regions { edges { node { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!((status, v.get("errors")), (200, None), "{v}");

    let text = app.metrics_text().await;
    for expected in [
        "closeknit_graphql_requests_total{operation=\"__typename\",outcome=\"ok\"} 300",
        "closeknit_graphql_requests_total{operation=\"Home\",outcome=\"error\"} 1",
        "closeknit_graphql_requests_total{operation=\"regions\",outcome=\"ok\"} 1",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    assert!(!text.contains("Junk"), "{text}");
    assert!(!text.contains("RegionList"), "{text}");
}

#[test]
fn production_refuses_to_start_with_open_metrics() {
    let vars = [
        ("CLOSEKNIT_PROFILE", "production"),
        ("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:9"),
    ];
    let err = Config::from_lookup(&|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.to_string())
    })
    .unwrap_err();
    assert_eq!(err.variable, "CLOSEKNIT_METRICS_TOKEN");
    assert!(err.to_string().contains("CLOSEKNIT_METRICS_TOKEN"), "{err}");
}

#[tokio::test]
async fn production_metrics_need_the_bearer_token() {
    let app = production()
        .env("CLOSEKNIT_METRICS_TOKEN", "scrape-secret")
        .spawn()
        .await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = app
        .client
        .get(app.url("/metrics"))
        .header("authorization", "scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the token alone is not a bearer credential"
    );
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("closeknit_db_pool_connections")
    );
}

#[tokio::test]
async fn a_metrics_listener_serves_metrics_there_only() {
    // Production without a token is fine when metrics have their own listener.
    let app = production()
        .env("CLOSEKNIT_METRICS_LISTEN", "127.0.0.1:0")
        .spawn()
        .await;
    let metrics = app.metrics_addr.expect("a metrics listener");
    assert_ne!(metrics, app.addr);
    app.graphql("{ __typename }", json!({})).await;

    let r = app
        .client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            "closeknit_graphql_requests_total{operation=\"__typename\",outcome=\"ok\"} 1"
        ),
        "{text}"
    );

    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404, "not on the main listener");
    for path in ["/graphql", "/healthz"] {
        let r = app
            .client
            .get(format!("http://{metrics}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path} is not on the metrics listener");
    }
}

#[tokio::test]
async fn a_metrics_listener_keeps_the_token_when_one_is_set() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_METRICS_LISTEN", "127.0.0.1:0")
        .env("CLOSEKNIT_METRICS_TOKEN", "scrape-secret")
        .spawn()
        .await;
    let url = format!("http://{}/metrics", app.metrics_addr.unwrap());
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
