//! The GraphQL door over real HTTP: negotiation, status codes, limits
//! (directly and through fragments), error codes, panics, pagination,
//! global ids and batching of nested look-ups.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use async_graphql::{
    ServerResult, Value as GqlValue,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
};
use closeknit::reference::{model::OnsCode, store};
use closeknit_tests::{TestApp, error_codes};
use serde_json::{Value, json};

const LAS: &str = "{ localAuthorities { edges { node { id name onsCode region { name } } } } }";

async fn post_raw(
    app: &TestApp,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: String,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/graphql")).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().await.unwrap()
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn queries_run_over_post_and_get_with_negotiated_media_types() {
    let app = TestApp::spawn().await;
    let body = json!({"query": LAS}).to_string();

    let r = post_raw(
        &app,
        Some("application/json"),
        Some("application/graphql-response+json"),
        body.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("application/graphql-response+json"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["data"]["localAuthorities"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(v.get("errors").is_none());

    for accept in [Some("application/json"), None, Some("*/*")] {
        let r = post_raw(
            &app,
            Some("application/json; charset=utf-8"),
            accept,
            body.clone(),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert!(
            content_type(&r).starts_with("application/json"),
            "{accept:?}"
        );
    }

    let r = post_raw(
        &app,
        Some("application/json"),
        Some("text/html"),
        body.clone(),
    )
    .await;
    assert_eq!(r.status(), 406);

    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "query Names { regions(first: 2) { edges { node { code } } } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["data"]["regions"]["edges"][0]["node"]["code"],
        "E12000001"
    );
}

#[tokio::test]
async fn malformed_requests_get_clear_http_errors() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_BODY_LIMIT_BYTES", "2048")
        .spawn()
        .await;
    let gql = Some("application/graphql-response+json");

    let r = post_raw(
        &app,
        Some("text/plain"),
        gql,
        json!({"query": "{__typename}"}).to_string(),
    )
    .await;
    assert_eq!(r.status(), 415);
    let r = post_raw(
        &app,
        None,
        gql,
        json!({"query": "{__typename}"}).to_string(),
    )
    .await;
    assert_eq!(r.status(), 415);

    let r = post_raw(&app, Some("application/json"), gql, "{\"query\": ".into()).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_codes(&v), ["BAD_REQUEST"]);
    assert!(v.get("data").is_none());

    let batch = json!([{"query": "{__typename}"}, {"query": "{__typename}"}]).to_string();
    let r = post_raw(&app, Some("application/json"), gql, batch).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Batched")
    );

    let r = post_raw(
        &app,
        Some("application/json"),
        gql,
        json!({"variables": {}}).to_string(),
    )
    .await;
    assert_eq!(r.status(), 400);

    let huge = json!({"query": format!("{{ __typename }} # {}", "x".repeat(4096))}).to_string();
    let r = post_raw(&app, Some("application/json"), gql, huge).await;
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_codes(&v), ["BAD_REQUEST"]);

    // The server is still healthy after all that.
    let (status, v) = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(
        (status, v["data"]["__typename"].as_str()),
        (200, Some("QueryRoot"))
    );
}

#[tokio::test]
async fn mutations_over_get_are_refused_with_405() {
    let app = TestApp::spawn().await;
    for query in ["mutation { doSomething }", "subscription { changes }"] {
        let r = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", query)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{query}");
        assert_eq!(r.headers()["allow"], "POST");
    }
    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            ("query", "query A { __typename } mutation B { x }"),
            ("operationName", "B"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn parse_and_validation_errors_are_request_errors() {
    let app = TestApp::spawn().await;
    let (status, v) = app.graphql("{ localAuthorities {", json!({})).await;
    assert_eq!(status, 400);
    assert!(v.get("data").is_none());
    assert_eq!(error_codes(&v), ["GRAPHQL_PARSE_FAILED"]);

    let (status, v) = app.graphql("{ noSuchField }", json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["GRAPHQL_VALIDATION_FAILED"]);

    // application/json clients get 200 for the same request errors.
    let r = post_raw(
        &app,
        Some("application/json"),
        Some("application/json"),
        json!({"query": "{ noSuchField }"}).to_string(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_codes(&v), ["GRAPHQL_VALIDATION_FAILED"]);

    let (status, v) = app
        .graphql("query A { __typename } query B { __typename }", json!({}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["BAD_REQUEST"]);
}

#[tokio::test]
async fn bad_arguments_are_bad_user_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let (status, v) = app
        .graphql(
            "{ localAuthorities(first: 1000) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    assert_eq!(v["errors"][0]["extensions"]["field"], "first");

    let (_, v) = app
        .graphql("{ node(id: \"garbage\") { id } }", json!({}))
        .await;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    assert_eq!(v["errors"][0]["extensions"]["field"], "id");

    let (_, v) = app
        .graphql(
            "{ localAuthorities(after: \"bm90LWEtY3Vyc29y\") { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(v["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn depth_limit_applies_directly_and_through_fragments() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_GRAPHQL_MAX_DEPTH", "4")
        .spawn()
        .await;
    let (status, v) = app
        .graphql(
            "{ localAuthorities { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!((status, v.get("errors")), (200, None));

    let (status, v) = app.graphql(LAS, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);

    let via_fragments = "{ ...Q } fragment Q on QueryRoot { localAuthorities { ...C } } \
        fragment C on LocalAuthorityConnection { edges { node { ...L } } } \
        fragment L on LocalAuthority { region { name } }";
    let (status, v) = app.graphql(via_fragments, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);
}

fn aliases(n: usize) -> String {
    (0..n).map(|i| format!("a{i}: __typename ")).collect()
}

#[tokio::test]
async fn alias_limit_applies_directly_and_through_fragments() {
    let app = TestApp::spawn().await;
    let (status, v) = app
        .graphql(&format!("{{ {} }}", aliases(15)), json!({}))
        .await;
    assert_eq!((status, v.get("errors")), (200, None));

    let (status, v) = app
        .graphql(&format!("{{ {} }}", aliases(16)), json!({}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);

    // 8 aliases in a fragment spread twice is 16.
    let q = format!(
        "{{ ...F ...F }} fragment F on QueryRoot {{ {} }}",
        aliases(8)
    );
    let (status, v) = app.graphql(&q, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);

    // Nested fragments multiply: 2 aliases x 3 x 3 = 18.
    let q = "{ ...C } fragment A on QueryRoot { x: __typename y: __typename } \
             fragment B on QueryRoot { ...A ...A ...A } fragment C on QueryRoot { ...B ...B ...B }";
    let (status, v) = app.graphql(q, json!({})).await;
    assert_eq!(status, 400);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("18 aliases")
    );
}

#[tokio::test]
async fn complexity_counts_page_sizes_directly_and_through_fragments() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_GRAPHQL_MAX_COMPLEXITY", "200")
        .spawn()
        .await;
    let small = "{ localAuthorities(first: 10) { edges { node { name onsCode } } } }";
    let (status, v) = app.graphql(small, json!({})).await;
    assert_eq!((status, v.get("errors")), (200, None));

    let big =
        "{ localAuthorities(first: 100) { edges { node { name onsCode region { name } } } } }";
    let (status, v) = app.graphql(big, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);

    let via_fragment = "query($n: Int) { ...F } fragment F on QueryRoot { localAuthorities(first: $n) { edges { node { name onsCode region { name } } } } }";
    let (status, v) = app.graphql(via_fragment, json!({"n": 100})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);
}

#[tokio::test]
async fn exponential_fragment_expansion_is_refused_quickly() {
    let app = TestApp::spawn().await;
    // About 1 KB that expands to 3^20 selections: refused before any walk
    // of the expansion, and well inside the request timeout.
    let mut q = String::from("{ ...F20 } fragment F0 on QueryRoot { __typename }");
    for i in 1..=20 {
        q.push_str(&format!(
            " fragment F{i} on QueryRoot {{ ...F{p} ...F{p} ...F{p} }}",
            p = i - 1
        ));
    }
    let started = std::time::Instant::now();
    let (status, v) = app.graphql(&q, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expands")
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn overlong_get_query_strings_are_refused() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_BODY_LIMIT_BYTES", "1024")
        .spawn()
        .await;
    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", format!("{{ __typename }} #{}", "z".repeat(2000)))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
}

#[tokio::test]
async fn query_length_directive_and_recursion_limits() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_GRAPHQL_MAX_QUERY_BYTES", "300")
        .spawn()
        .await;
    let long = format!("{{ __typename }} # {}", "y".repeat(400));
    let (status, v) = app.graphql(&long, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);

    let directives = "{ __typename @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) }";
    let (status, v) = app.graphql(directives, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);

    let app = TestApp::spawn().await;
    let deep = format!("{}{}", "{ a ".repeat(40), "}".repeat(40));
    let (status, v) = app.graphql(&deep, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);
}

#[tokio::test]
async fn production_hides_introspection_suggestions_and_graphiql() {
    let dev = TestApp::spawn().await;
    let (_, v) = dev
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(v["data"]["__schema"]["queryType"]["name"], "QueryRoot");
    let (_, v) = dev
        .graphql("{ localAuthoritie { edges { cursor } } }", json!({}))
        .await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );
    let page = dev
        .client
        .get(dev.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );

    let prod = TestApp::builder()
        .env("CLOSEKNIT_PROFILE", "production")
        .env("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:9")
        .env("CLOSEKNIT_METRICS_TOKEN", "scrape-secret")
        .env(
            "CLOSEKNIT_JWT_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg\n-----END PRIVATE KEY-----\n",
        )
        .spawn()
        .await;
    let (status, v) = prod
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(status, 200);
    assert!(v["data"].is_object(), "{v}");
    assert_eq!(
        v["data"]["__schema"],
        Value::Null,
        "introspection answers nothing: {v}"
    );
    let (status, v) = prod.graphql("{ __typename }", json!({})).await;
    assert_eq!(
        (status, v["data"]["__typename"].as_str()),
        (200, Some("QueryRoot"))
    );
    let (_, v) = prod
        .graphql("{ localAuthoritie { edges { cursor } } }", json!({}))
        .await;
    assert!(
        !v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );
    let page = prod
        .client
        .get(prod.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 406, "no GraphiQL page in production");
}

/// Panics when resolving any field aliased `boom` (fault injection).
struct PanicOnBoom;

impl ExtensionFactory for PanicOnBoom {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PanicOnBoom)
    }
}

#[async_trait::async_trait]
impl Extension for PanicOnBoom {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<GqlValue>> {
        if info.alias == Some("boom") {
            panic!("injected panic with secret detail");
        }
        next.run(ctx, info).await
    }
}

#[tokio::test]
async fn a_resolver_panic_is_an_internal_error_and_the_server_keeps_serving() {
    let app = TestApp::builder().extension(PanicOnBoom).spawn().await;
    let (status, v) = app
        .graphql("{ boom: localAuthorities { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(error_codes(&v), ["INTERNAL_SERVER_ERROR"]);
    assert!(!v.to_string().contains("secret detail"));

    let (status, v) = app.graphql(LAS, json!({})).await;
    assert_eq!((status, v.get("errors")), (200, None));
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let app = TestApp::spawn().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
    let r = app.client.get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_CORS_ORIGINS", "https://app.closeknit.example")
        .spawn()
        .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight("https://app.closeknit.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.closeknit.example"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .body(
            json!({"query": "{ regions { edges { node { id code name updatedAt } } } }"})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn connections_paginate_by_keyset_and_nodes_round_trip() {
    let app = TestApp::spawn().await;
    let page = "query($after: String) { localAuthorities(first: 1, after: $after) { \
                edges { cursor node { id onsCode updatedAt } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let (_, first) = app.graphql(page, json!({})).await;
    let conn = &first["data"]["localAuthorities"];
    assert_eq!(conn["edges"][0]["node"]["onsCode"], "E06099001");
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let cursor = conn["pageInfo"]["endCursor"].as_str().unwrap().to_string();

    let (_, second) = app.graphql(page, json!({"after": cursor})).await;
    let conn2 = &second["data"]["localAuthorities"];
    assert_eq!(conn2["edges"][0]["node"]["onsCode"], "E10099002");
    assert_eq!(conn2["pageInfo"]["hasNextPage"], false);
    assert_eq!(conn2["pageInfo"]["hasPreviousPage"], true);

    let id = conn["edges"][0]["node"]["id"].as_str().unwrap();
    assert!(!id.contains("LocalAuthority"), "ids are opaque");
    let (_, node) = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id ... on LocalAuthority { onsCode region { code } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["data"]["node"]["onsCode"], "E06099001");
    assert_eq!(node["data"]["node"]["region"]["code"], "E12000002");
    assert!(node["data"]["node"]["id"] == id);

    let (_, nodes) = app
        .graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({"ids": [id, "TG9jYWxBdXRob3JpdHk6MDE5MmYwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDk5"]}))
        .await;
    assert_eq!(nodes["data"]["nodes"][0]["id"], id);
    assert!(nodes["data"]["nodes"][1].is_null(), "an unknown id is null");
}

#[tokio::test]
async fn nested_lookups_are_batched_not_one_query_per_row() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    let regions = [
        "E12000001",
        "E12000003",
        "E12000005",
        "E12000007",
        "E12000009",
    ];
    for i in 0..20 {
        let code = OnsCode::parse("onsCode", &format!("E08{:06}", 99100 + i)).unwrap();
        store::insert_local_authority(
            &app.db,
            &code,
            &format!("Test Authority {i}"),
            regions[i % 5],
        )
        .await
        .unwrap();
    }
    let query = "{ localAuthorities(first: 50) { edges { node { name region { name code } } } } }";
    let before = app.metric("closeknit_db_statements_total", "").await;
    let (_, v) = app.graphql(query, json!({})).await;
    let after = app.metric("closeknit_db_statements_total", "").await;
    assert_eq!(
        v["data"]["localAuthorities"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        22
    );
    // One statement for the page, one for all the regions, one for the
    // second /metrics scrape's job count: never one per row (23 or more).
    let statements = after - before;
    assert!(statements <= 3.0, "{statements} statements for 22 rows");
}
