//! Unit tests of `graphql.rs`: negotiation, content types, request bodies.

use super::*;

fn accept(value: &str) -> Option<MediaType> {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
    negotiate(&headers)
}

#[test]
fn negotiation_follows_the_spec() {
    assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
    assert_eq!(accept("*/*"), Some(MediaType::Json));
    assert_eq!(accept("application/json"), Some(MediaType::Json));
    assert_eq!(
        accept("application/graphql-response+json"),
        Some(MediaType::GraphqlResponseJson)
    );
    assert_eq!(
        accept("application/graphql-response+json, application/json;q=0.9"),
        Some(MediaType::GraphqlResponseJson)
    );
    assert_eq!(
        accept("application/graphql-response+json;q=0.5, application/json"),
        Some(MediaType::Json)
    );
    assert_eq!(accept("text/html"), None);
    assert_eq!(accept("application/json;q=0"), None);
}

#[test]
fn json_content_types() {
    let check = |v: &str| {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        is_json_content_type(&h)
    };
    assert!(check("application/json"));
    assert!(check("application/json; charset=utf-8"));
    assert!(check("Application/JSON;charset=UTF-8"));
    assert!(!check("application/json; charset=latin1"));
    assert!(!check("text/plain"));
    assert!(!check("application/graphql"));
    assert!(!is_json_content_type(&HeaderMap::new()));
}

#[test]
fn request_bodies_are_checked() {
    assert!(params_from_json(json!([{"query": "{a}"}])).is_err());
    assert!(params_from_json(json!({"query": 1})).is_err());
    assert!(params_from_json(json!({})).is_err());
    assert!(params_from_json(json!({"query": "{a}", "variables": "x"})).is_err());
    assert!(params_from_json(json!({"query": "{a}", "operationName": 2})).is_err());
    assert!(params_from_json(json!({"query": "{a}", "extensions": []})).is_err());
    let ok = params_from_json(json!({"query": "{a}", "variables": null, "operationName": null}))
        .unwrap();
    assert_eq!(ok.query, "{a}");
}
