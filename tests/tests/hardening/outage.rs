//! The database made unreachable mid-traffic (PostgreSQL only: the test's
//! own database behind a loopback proxy that is cut, then stalled; the shared
//! server is never touched). Every answer is a success or
//! `SERVICE_UNAVAILABLE`, none waits past the request timeout, `/readyz`
//! follows, and the service recovers without a restart.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use closeknit_tests::{
    TestApp, TestDb, error_codes, eventually, on_postgres,
    proxy::{Link, Proxy, through},
};
use serde_json::{Value, json};

const REQUEST_TIMEOUT_MS: u64 = 3000;

/// What one answer was, for the tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Outcome {
    Ok,
    Unavailable,
}

fn classify(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
) -> Result<Outcome, String> {
    let codes = error_codes(body);
    if status == 200 && body["errors"].is_null() {
        return Ok(Outcome::Ok);
    }
    if !codes.is_empty() && codes.iter().all(|c| c == "SERVICE_UNAVAILABLE") {
        if status == 503 && headers.get("retry-after").is_none() {
            return Err(format!("503 without Retry-After: {body}"));
        }
        if status == 200 || status == 503 {
            return Ok(Outcome::Unavailable);
        }
    }
    Err(format!("status {status}: {body}"))
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
) -> Result<Outcome, String> {
    let started = Instant::now();
    let sent = client
        .post(url)
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .json(&json!({"query": query}))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => {
            return Err(format!("no answer after {:?}: {err}", started.elapsed()));
        }
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    classify(status, &headers, &body)
}

async fn ready(app: &TestApp) -> u16 {
    app.client
        .get(app.url("/readyz"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

const QUERIES: [&str; 4] = [
    "{ me { email roles { role } } }",
    "{ stayingClosePlans(first: 5) { edges { node { id version } } } }",
    "mutation { updateNotificationSettings(input: {timeZone: \"Europe/London\"}) { timeZone } }",
    "{ localAuthorities(first: 3) { nodes { id name } } }",
];

/// A server whose database link runs through a proxy the test controls.
async fn spawn_behind_proxy() -> (TestApp, Proxy) {
    let mut db = TestDb::new().await;
    let (_, upstream) = through(&db.url, "127.0.0.1:1".parse().unwrap());
    let proxy = Proxy::start(&upstream).await;
    db.url = through(&db.url, proxy.addr).0;
    let app = TestApp::builder()
        .env("CLOSEKNIT_DB_ACQUIRE_TIMEOUT_MS", "1000")
        .env("CLOSEKNIT_DB_STATEMENT_TIMEOUT_MS", "2000")
        .env(
            "CLOSEKNIT_REQUEST_TIMEOUT_MS",
            &REQUEST_TIMEOUT_MS.to_string(),
        )
        .database(db)
        .spawn()
        .await;
    (app, proxy)
}

/// Four clients sending [`QUERIES`] until stopped, tallying the answers
/// and keeping every one that is neither a success nor unavailable.
struct Traffic {
    stop: Arc<AtomicBool>,
    failures: Arc<Mutex<Vec<String>>>,
    tally: Arc<Mutex<HashMap<Outcome, u32>>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Traffic {
    fn start(client: &reqwest::Client, url: String, token: &str) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(Mutex::new(Vec::<String>::new()));
        let tally = Arc::new(Mutex::new(HashMap::<Outcome, u32>::new()));
        let mut workers = Vec::new();
        for worker in 0..4 {
            let (client, url, token) = (client.clone(), url.clone(), token.to_string());
            let (stop, failures, tally) = (stop.clone(), failures.clone(), tally.clone());
            let query = QUERIES[worker % QUERIES.len()];
            workers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match send(&client, &url, &token, query).await {
                        Ok(outcome) => *tally.lock().unwrap().entry(outcome).or_default() += 1,
                        Err(failure) => {
                            failures.lock().unwrap().push(format!("{query}: {failure}"))
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
        Traffic {
            stop,
            failures,
            tally,
            workers,
        }
    }

    /// Stops the clients; returns the tally and the failures.
    async fn finish(self) -> (HashMap<Outcome, u32>, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            worker.await.unwrap();
        }
        let tally = self.tally.lock().unwrap().clone();
        let failures = self.failures.lock().unwrap().clone();
        (tally, failures)
    }
}

#[tokio::test]
async fn a_database_outage_is_retryable_and_the_service_recovers() {
    if !on_postgres() {
        eprintln!("outage test: PostgreSQL only (set CLOSEKNIT_TEST_DATABASE_URL)");
        return;
    }
    let (app, proxy) = spawn_behind_proxy().await;
    let token = app.staff_token("personal.adviser@northmoor.example").await;
    // The client gives up well after the server should have answered.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(REQUEST_TIMEOUT_MS + 2000))
        .build()
        .unwrap();
    let traffic = Traffic::start(&client, app.url("/graphql"), &token);

    let phases = [(Link::Cut, "cut"), (Link::Stalled, "stalled")];
    let mut recoveries = Vec::new();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (link, name) in phases {
        proxy.set(link);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(ready(&app).await, 503, "/readyz while the link is {name}");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.set(Link::Up);
        let healed = Instant::now();
        let recovered = eventually(Duration::from_secs(15), || async {
            ready(&app).await == 200
                && send(&client, &app.url("/graphql"), &token, QUERIES[0]).await == Ok(Outcome::Ok)
        })
        .await;
        assert!(
            recovered,
            "no recovery within 15 s after the link was {name}"
        );
        recoveries.push((name, healed.elapsed()));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (tally, failures) = traffic.finish().await;
    eprintln!("outage test: answers {tally:?}; recovered after {recoveries:?}");
    assert!(
        failures.is_empty(),
        "{} answers were neither a success nor SERVICE_UNAVAILABLE:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        tally.get(&Outcome::Unavailable).copied().unwrap_or(0) > 0,
        "the outage was never seen: {tally:?}"
    );
}
