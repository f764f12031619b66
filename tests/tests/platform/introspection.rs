//! Introspection as client tooling sends it: the exact documents graphql-js
//! 16's `getIntrospectionQuery()` builds (GraphiQL, GraphQL Code Generator,
//! Apollo tooling, Postman, Insomnia), committed as fixtures by
//! `tests/fixtures/introspection/generate.mjs`. The depth limit counts the
//! operation's own fields; introspection is bounded by its own budget.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use closeknit_tests::{TestApp, error_codes};
use serde_json::{Value, json};

/// Every fixture: (file stem, document).
fn graphql_js_documents() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/introspection");
    let mut documents: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("graphql"))
        .map(|path| {
            (
                path.file_stem().unwrap().to_str().unwrap().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect();
    documents.sort();
    let names: Vec<&str> = documents.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "all",
            "default",
            "descriptions-false",
            "directive-is-repeatable",
            "input-value-deprecation",
            "one-of",
            "schema-description",
            "specified-by-url",
        ]
    );
    documents
}

/// POSTs as GraphiQL does: with the operation name.
async fn introspect(app: &TestApp, document: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": document, "operationName": "IntrospectionQuery"}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn every_graphql_js_introspection_document_loads_the_schema_in_dev() {
    // Default limits: depth 12, complexity 2000, recursion 24.
    let app = TestApp::spawn().await;
    for (name, document) in graphql_js_documents() {
        let (status, body) = introspect(&app, &document).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert!(body.get("errors").is_none(), "{name}: {body}");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        assert!(
            types.iter().any(|t| t["name"] == "QueryRoot"),
            "{name}: {body}"
        );
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
        assert!(
            !body["data"]["__schema"]["directives"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn introspection_fits_a_tight_complexity_limit_too() {
    // async-graphql's complexity counts introspection fields (one each); the
    // largest graphql-js document expands to under 300 of them.
    let app = TestApp::builder()
        .env("CLOSEKNIT_GRAPHQL_MAX_COMPLEXITY", "300")
        .env("CLOSEKNIT_GRAPHQL_MAX_DEPTH", "3")
        .spawn()
        .await;
    for (name, document) in graphql_js_documents() {
        let (status, body) = introspect(&app, &document).await;
        assert_eq!((status, body.get("errors")), (200, None), "{name}: {body}");
    }
}

#[tokio::test]
async fn own_fields_deeper_than_the_limit_are_refused_beside_introspection() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_GRAPHQL_MAX_DEPTH", "4")
        .spawn()
        .await;
    let (status, v) = app
        .graphql(
            "{ __schema { types { name } } localAuthorities { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!((status, v.get("errors")), (200, None), "{v}");
    for deep in [
        "{ __schema { types { name } } localAuthorities { edges { node { region { name } } } } }",
        "{ __type(name: \"QueryRoot\") { name } ...L } \
         fragment L on QueryRoot { localAuthorities { edges { node { region { name } } } } }",
    ] {
        let (status, v) = app.graphql(deep, json!({})).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"]);
        assert_eq!(v["errors"][0]["message"], "Query is nested too deep.");
    }
}

#[tokio::test]
async fn abusive_introspection_is_refused() {
    let app = TestApp::spawn().await;
    let of_type = |levels: usize| {
        format!(
            "{{ __type(name: \"QueryRoot\") {{ {} name {} }} }}",
            "ofType { ".repeat(levels),
            "}".repeat(levels)
        )
    };
    let spreads = "...F ".repeat(300);
    let abusive = [
        // An ofType chain far past any real type's wrappers.
        of_type(25),
        of_type(200),
        // Lists nested past graphql-js's three: schema size to the fourth.
        "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }"
            .to_string(),
        // One fragment spread hundreds of times.
        format!(
            "{{ __schema {{ types {{ {spreads} }} }} }} \
             fragment F on __Type {{ fields {{ name args {{ name }} type {{ name }} }} }}"
        ),
        // Many aliases of the whole schema.
        format!(
            "{{ {} }}",
            (0..20)
                .map(|i| format!("s{i}: __schema {{ types {{ name }} }} "))
                .collect::<String>()
        ),
    ];
    for document in abusive {
        let (status, v) = app.graphql(&document, json!({})).await;
        assert_eq!(status, 400, "{document}: {v}");
        assert_eq!(error_codes(&v), ["QUERY_TOO_COMPLEX"], "{document}: {v}");
        assert!(v.get("data").is_none());
    }
    // Ordinary type look-ups stay fine.
    let (status, v) = app.graphql(&of_type(3), json!({})).await;
    assert_eq!((status, v.get("errors")), (200, None), "{v}");
}

#[tokio::test]
async fn production_refuses_the_graphql_js_document_as_before() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_PROFILE", "production")
        .env("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:9")
        .env("CLOSEKNIT_METRICS_TOKEN", "scrape-secret")
        .env(
            "CLOSEKNIT_JWT_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg\n-----END PRIVATE KEY-----\n",
        )
        .spawn()
        .await;
    for (name, document) in graphql_js_documents() {
        let (status, body) = introspect(&app, &document).await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(error_codes(&body), ["QUERY_TOO_COMPLEX"], "{name}: {body}");
        assert!(body.get("data").is_none(), "{name}: {body}");
    }
    // A shallow introspection query answers nothing, as before.
    let (status, v) = app
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["data"]["__schema"], Value::Null, "{v}");
}
