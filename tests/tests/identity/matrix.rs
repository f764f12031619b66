//! What the operation matrices share (advocacy in `access`, training in
//! `training_access`): the outcomes a cell expects, signing in each demo
//! account, sending an operation, reading what came back, and the root
//! fields of a domain (so a new operation without a row fails).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

use closeknit_tests::{TestApp, error_codes, smtp::SmtpSink};
use serde_json::{Value, json};

pub const OK: &str = "ok";
pub const NULL: &str = "null";
pub const LISTED: &str = "listed";
pub const UNLISTED: &str = "unlisted";
pub const FORB: &str = "FORBIDDEN";
pub const NF: &str = "NOT_FOUND";
pub const BAD: &str = "BAD_USER_INPUT";
pub const UNAUTH: &str = "UNAUTHENTICATED";

/// No account: requests without a token.
pub const ANONYMOUS: &str = "anonymous";

/// A demo account's access token (young people and carers sign in with
/// an emailed code, staff with the demo password; none for
/// [`ANONYMOUS`]).
pub async fn token(app: &TestApp, smtp: &SmtpSink, email: &str) -> String {
    if email == ANONYMOUS {
        String::new()
    } else if email.starts_with("young.person") || email.starts_with("kinship.carer") {
        app.code_token(smtp, email).await
    } else {
        app.staff_token(email).await
    }
}

/// Every account's token, in order.
pub async fn tokens(app: &TestApp, smtp: &SmtpSink, accounts: &[&str]) -> Vec<String> {
    let mut tokens = Vec::with_capacity(accounts.len());
    for email in accounts {
        tokens.push(token(app, smtp, email).await);
    }
    tokens
}

/// Fails naming the root fields holding `part` that no label (before its
/// `/`) covers.
pub fn assert_covered<'a>(part: &str, labels: impl Iterator<Item = &'a str>) {
    let covered: BTreeSet<&str> = labels.map(|l| l.split('/').next().unwrap()).collect();
    let missing: Vec<String> = root_fields(part)
        .into_iter()
        .filter(|f| !covered.contains(f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{part} operations not covered: {missing:?}"
    );
}

pub fn input(fields: Value) -> Value {
    json!({"input": fields})
}

/// Sends the operation `label` names (its part before any `/`) as `token`
/// (empty: anonymously): `document` when it is one (holds `{`), else a
/// mutation of that name selecting only its `clientMutationId`.
pub async fn send(
    app: &TestApp,
    token: &str,
    label: &str,
    document: &str,
    variables: Value,
) -> Value {
    let name = label.split('/').next().unwrap();
    let document = if document.contains('{') {
        document.to_string()
    } else {
        let mut chars = name.chars();
        let first = chars.next().unwrap().to_ascii_uppercase();
        let input = format!("{first}{}Input", chars.as_str());
        format!("mutation($input: {input}!) {{ {name}(input: $input) {{ clientMutationId }} }}")
    };
    let (_, body) = match token {
        "" => app.graphql(&document, variables).await,
        token => app.graphql_as(token, &document, variables).await,
    };
    body
}

/// What `body` shows: an error code, `null`, whether a list (a
/// connection's edges, or a plain list of items with an `id` or
/// `clientId`) holds `target`, the access a record is read with, or `ok`.
pub fn outcome(body: &Value, root: &str, target: &str) -> String {
    if let Some(code) = error_codes(body).first() {
        return code.clone();
    }
    let data = &body["data"][root];
    let outcome = if data.is_null() {
        NULL
    } else if let Some(items) = data["edges"].as_array().or(data.as_array()) {
        let names =
            |i: &Value| i["node"]["id"] == target || i["id"] == target || i["clientId"] == target;
        if items.iter().any(names) {
            LISTED
        } else {
            UNLISTED
        }
    } else if let Some(access) = data["access"].as_str() {
        access
    } else {
        OK
    };
    outcome.to_string()
}

/// The fields of the schema's query and mutation roots whose names hold
/// `part` (case-insensitive).
fn root_fields(part: &str) -> BTreeSet<String> {
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    let mut fields = BTreeSet::new();
    let mut in_root = false;
    for line in schema.lines() {
        if line == "type QueryRoot {" || line == "type MutationRoot {" {
            in_root = true;
        } else if line == "}" {
            in_root = false;
        } else if let Some(field) = line.strip_prefix('\t').filter(|_| in_root) {
            let name: String = field
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            // A field (`name(` or `name:`), not a line of a description.
            let is_field = matches!(field[name.len()..].chars().next(), Some('(' | ':'));
            if is_field && name.to_lowercase().contains(part) {
                fields.insert(name);
            }
        }
    }
    fields
}
