//! Test support for the integration suites: a fresh database per test
//! (SQLite temp file, or a new PostgreSQL database when
//! `CLOSEKNIT_TEST_DATABASE_URL` points at a server), the real server
//! spawned on `127.0.0.1:0`, an HTTP client, and an SMTP sink on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod advocacy;
pub mod bench;
pub mod beyond_api;
pub mod oidc_fake;
pub mod proxy;
pub mod push_fake;
pub mod smtp;
pub mod staying_close;
pub mod training;
pub mod ws;

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use async_graphql::extensions::ExtensionFactory;
use closeknit::{
    config::Config,
    jobs::JobHandler,
    startup::{AppOptions, Application},
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// The synthetic demo data's authorities and accounts the suites share
/// (`closeknit::seed`).
pub mod demo {
    /// Northmoor's email domain: `<role>@northmoor.example`.
    pub const NORTHMOOR: &str = "northmoor.example";
    /// Eastbrook's email domain: `<role>@eastbrook.example`.
    pub const EASTBROOK: &str = "eastbrook.example";
    /// The platform admin.
    pub const ADMIN: &str = "admin@closeknit.example";
    /// Northmoor's first demo young person (signs in with an emailed code).
    pub const YOUNG_PERSON: &str = "young.person@northmoor.example";
}

/// Asks for a sign-in code by email (`$email`).
pub const REQUEST_SIGN_IN_CODE: &str =
    "mutation($email: String!) { requestSignInCode(input: {email: $email}) { message } }";

/// The PostgreSQL server the suites use, if any.
pub fn postgres_server_url() -> Option<String> {
    std::env::var("CLOSEKNIT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

pub fn on_postgres() -> bool {
    postgres_server_url().is_some()
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

impl TestDb {
    pub async fn new() -> TestDb {
        match postgres_server_url() {
            Some(server) => {
                let name = format!("closeknit_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&server)
                    .await
                    .expect("connect to CLOSEKNIT_TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                TestDb {
                    url: with_database(&server, &name),
                    postgres: Some((server, name)),
                    _dir: None,
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDb {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    /// A direct connection for assertions and fault injection.
    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .expect("connect to test database")
    }

    /// The server-level (admin) connection, PostgreSQL only.
    pub async fn admin(&self) -> Option<(DatabaseConnection, String)> {
        let (server, name) = self.postgres.as_ref()?;
        Some((
            Database::connect(server).await.expect("admin"),
            name.clone(),
        ))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres.take() {
            // Drop from a separate thread: we may be inside a runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&server).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

/// Builds a [`TestApp`] with overrides.
pub struct TestAppBuilder {
    env: HashMap<String, String>,
    options: AppOptions,
    db: Option<TestDb>,
    shared_url: Option<String>,
}

impl Default for TestAppBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TestAppBuilder {
    pub fn new() -> Self {
        let mut env = HashMap::new();
        for (k, v) in [
            ("CLOSEKNIT_LISTEN", "127.0.0.1:0"),
            ("CLOSEKNIT_PROFILE", "dev"),
            ("CLOSEKNIT_DEMO_DATA", "true"),
            ("CLOSEKNIT_JOB_POLL_MS", "50"),
            ("CLOSEKNIT_JOB_BACKOFF_BASE_MS", "20"),
            ("CLOSEKNIT_JOB_BACKOFF_MAX_MS", "200"),
            ("CLOSEKNIT_SHUTDOWN_GRACE_MS", "5000"),
            ("CLOSEKNIT_DB_ACQUIRE_TIMEOUT_MS", "2000"),
            ("CLOSEKNIT_LOG", "warn"),
            // A production-shaped key, so production-profile tests start.
            (
                "CLOSEKNIT_SECRETS_KEY",
                "dGVzdCBrZXk6IG5vdCBmb3IgYW55IHJlYWwgZGF0YSE=",
            ),
            ("CLOSEKNIT_PUBLIC_URL", "https://closeknit.test"),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
        TestAppBuilder {
            env,
            options: AppOptions::default(),
            db: None,
            shared_url: None,
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    pub fn extension(mut self, extension: impl ExtensionFactory) -> Self {
        self.options.extensions.push(Arc::new(extension));
        self
    }

    pub fn handler(mut self, kind: &str, handler: impl JobHandler) -> Self {
        self.options
            .handlers
            .push((kind.to_string(), Arc::new(handler)));
        self
    }

    /// Use this database instead of a new one (several apps on one database).
    pub fn database(mut self, db: TestDb) -> Self {
        self.db = Some(db);
        self
    }

    /// Share another running app's database (a second server instance).
    /// The first app keeps ownership and cleans it up.
    pub fn shared_database(mut self, other: &TestApp) -> Self {
        self.shared_url = Some(other.test_db().url.clone());
        self
    }

    pub async fn spawn(self) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            closeknit::telemetry::init(
                &std::env::var("TEST_LOG").unwrap_or_default(),
                closeknit::config::LogFormat::Pretty,
            );
        }
        let (db_url, owned_db) = match (self.shared_url, self.db) {
            (Some(url), _) => (url, None),
            (None, Some(db)) => (db.url.clone(), Some(db)),
            (None, None) => {
                let db = TestDb::new().await;
                (db.url.clone(), Some(db))
            }
        };
        let mail_dir = tempfile::tempdir().expect("mail dir");
        let mut env = self.env;
        env.insert("CLOSEKNIT_DATABASE_URL".into(), db_url);
        env.entry("CLOSEKNIT_MAIL_DIR".into())
            .or_insert_with(|| mail_dir.path().display().to_string());
        let config = Config::from_lookup(&|k| env.get(k).cloned()).expect("test config");
        let app = Application::build(config, self.options)
            .await
            .expect("build application");
        let addr = app.local_addr().unwrap();
        let metrics_addr = app.metrics_addr().unwrap();
        let shutdown = app.shutdown_token();
        let conn = app.db().clone();
        let server = tokio::spawn(app.run_until_stopped());
        TestApp {
            addr,
            metrics_addr,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            db: conn,
            shutdown,
            server: Some(server),
            test_db: owned_db,
            mail_dir,
        }
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `CLOSEKNIT_METRICS_LISTEN`'s address, when the test set one.
    pub metrics_addr: Option<SocketAddr>,
    pub client: reqwest::Client,
    /// The server's own pool.
    pub db: DatabaseConnection,
    pub shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    test_db: Option<TestDb>,
    pub mail_dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestAppBuilder::new().spawn().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::new()
    }

    /// A server whose mail goes to a new SMTP sink on loopback.
    pub async fn spawn_with_smtp() -> (TestApp, smtp::SmtpSink) {
        let smtp = smtp::SmtpSink::start().await;
        let app = TestAppBuilder::new()
            .env("CLOSEKNIT_SMTP_URL", &smtp.url())
            .spawn()
            .await;
        (app, smtp)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a GraphQL operation as `application/json`; returns status and body.
    pub async fn graphql(&self, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// POSTs an operation with `Authorization: Bearer <token>`.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// Runs the named mutation (`name(input: $input)`, its input type
    /// `<Name>Input!`) as `token`, selecting `selection` from its payload;
    /// returns the whole response body.
    pub async fn mutate(&self, token: &str, name: &str, input: Value, selection: &str) -> Value {
        let mut chars = name.chars();
        let input_type = chars
            .next()
            .map(|f| f.to_uppercase().collect::<String>() + chars.as_str())
            .unwrap_or_default();
        let (_, body) = self
            .graphql_as(
                token,
                &format!(
                    "mutation($input: {input_type}Input!) {{ {name}(input: $input) {{ {selection} }} }}"
                ),
                json!({"input": input}),
            )
            .await;
        body
    }

    /// The global id of a local authority, by ONS code (public reference data).
    pub async fn local_authority_id(&self, ons_code: &str) -> String {
        let (_, body) = self
            .graphql(
                "{ localAuthorities(first: 100) { edges { node { id onsCode } } } }",
                json!({}),
            )
            .await;
        body["data"]["localAuthorities"]["edges"]
            .as_array()
            .and_then(|edges| edges.iter().find(|e| e["node"]["onsCode"] == ons_code))
            .and_then(|e| e["node"]["id"].as_str())
            .unwrap_or_else(|| panic!("no local authority {ons_code}: {body}"))
            .to_string()
    }

    /// The person behind a demo account's email address.
    pub async fn person_id(&self, email: &str) -> uuid::Uuid {
        let email = closeknit::identity::model::Email::parse("email", email).expect("email");
        closeknit::identity::store::account_by_email(&self.db, &email)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no account {}", email.as_str()))
            .person_id
    }

    /// Signs in a demo staff account; returns its access token.
    pub async fn staff_token(&self, email: &str) -> String {
        let (_, body) = self
            .graphql(
                "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { accessToken } }",
                json!({"e": email, "p": closeknit::seed::DEMO_STAFF_PASSWORD}),
            )
            .await;
        body["data"]["signIn"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("sign-in of {email} failed: {body}"))
            .to_string()
    }

    /// Signs in a passwordless demo account the way its owner would: asks
    /// for a code, reads it from the email delivered to `smtp`, types it in.
    pub async fn code_token(&self, smtp: &smtp::SmtpSink, email: &str) -> String {
        let before = smtp.messages().len();
        let (_, body) = self
            .graphql(
                "mutation($e: String!) { requestSignInCode(input: {email: $e}) { message } }",
                json!({"e": email}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        // Other mail (reminders, notices) may arrive first: wait for this
        // person's code.
        let code_mail = || {
            smtp.messages()
                .into_iter()
                .skip(before)
                .find(|m| m.to.iter().any(|t| t == email) && m.data.contains("code is "))
        };
        assert!(
            eventually(Duration::from_secs(15), || async { code_mail().is_some() }).await,
            "no code email for {email}"
        );
        let message = code_mail().expect("code email");
        let code = code_in(&message.data);
        let (_, body) = self
            .graphql(
                "mutation($e: String!, $c: String!) { signInWithCode(input: {email: $e, code: $c}) { accessToken } }",
                json!({"e": email, "c": code}),
            )
            .await;
        body["data"]["signInWithCode"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("code sign-in of {email} failed: {body}"))
            .to_string()
    }

    /// Stops the server gracefully and waits for it (and its worker).
    pub async fn stop(mut self) -> TestDb {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
        self.test_db.take().expect("test database")
    }

    /// The test's database (for direct connections and fault injection).
    pub fn test_db(&self) -> &TestDb {
        self.test_db.as_ref().expect("test database")
    }

    /// The `/metrics` exposition text.
    pub async fn metrics_text(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Reads a counter or gauge from `/metrics` (sum over matching label sets).
    pub async fn metric(&self, name: &str, label_filter: &str) -> f64 {
        self.metrics_text()
            .await
            .lines()
            .filter(|l| l.starts_with(name) && l.contains(label_filter))
            .filter(|l| {
                let rest = &l[name.len()..];
                rest.starts_with('{') || rest.starts_with(' ')
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A global id, as the API encodes it (`Type:uuid`, base64url).
pub fn global_id(type_name: &str, id: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The uuid inside a global id (the inverse of [`global_id`]).
pub fn uuid_of(id: &str) -> uuid::Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

/// A Schedule 2 assessment judging every factor, suitable except these.
pub fn suitability_assessment(unsuitable: &[&str]) -> Value {
    const FACTORS: [&str; 8] = [
        "FACILITIES",
        "STATE_OF_REPAIR",
        "SAFETY",
        "LOCATION",
        "SUPPORT",
        "TENANCY",
        "AFFORDABILITY",
        "YOUNG_PERSONS_VIEWS",
    ];
    Value::Array(
        FACTORS
            .iter()
            .map(|f| json!({"factor": f, "suitable": !unsuitable.contains(f)}))
            .collect(),
    )
}

/// The `extensions.code` of each error in a GraphQL response body.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The six-digit code in a sign-in code email, read as a person would.
pub fn code_in(text: &str) -> String {
    let start = text.find("code is ").expect("code in email") + "code is ".len();
    text[start..start + 6].to_string()
}

/// An Ed25519 signing key as PKCS#8 PEM (`CLOSEKNIT_JWT_PRIVATE_KEY`), the
/// same for the same seed: servers given one seed accept each other's tokens.
pub fn signing_key_pem(seed: u8) -> String {
    use ed25519_dalek::{
        SigningKey,
        pkcs8::{EncodePrivateKey, spki::der::pem::LineEnding},
    };
    SigningKey::from_bytes(&[seed; 32])
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PKCS#8 PEM")
        .to_string()
}

/// Polls `check` until it returns true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
