//! The training bookings benchmark, on PostgreSQL and on SQLite. Build the
//! release binaries first, then run:
//!
//! ```sh
//! cargo build --release --workspace --bins && ./target/release/bench-training
//! ```
//!
//! (`bench-training postgres` or `bench-training sqlite` runs one.) For
//! each database it makes a fresh one (PostgreSQL: on the server named by
//! `CLOSEKNIT_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; SQLite: a temporary
//! file), migrates it, loads the demo data, adds 500 kinship carers and
//! signs them in, starts `closeknit serve` with its default settings, and
//! measures:
//! 1. the catalogue (a carer's first page of 20 upcoming sessions, the
//!    carers' app's `CarerCatalogue`) with 100 sessions held and again with
//!    10,000: p50 and p99 at concurrency 8 (medians of rounds);
//! 2. the burst: 500 booking requests sent at once for a session of 20
//!    places, in rounds: wall time, bookings per second, p50 and p99 of
//!    the requests, errors (a request refused for want of a connection or
//!    cut off by the request budget counts), and a check that exactly 20
//!    were booked and 480 waitlisted at positions 1-480;
//! 3. bookings spread over 200 sessions at concurrency 32 for a while:
//!    requests per second, p50, p99 (target on PostgreSQL: p99 under
//!    250 ms) and errors.
//!
//! The databases are removed at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark tool

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration as StdDuration, Instant},
};

use chrono::{Duration, Utc};
use closeknit::{
    identity::{
        model::{Email, Role},
        store::{NewAccount, insert_account, organisation_by_name},
    },
    seed::{DEMO_STAFF_PASSWORD, DEMO_STAFF_PASSWORD_HASH},
    training::catalogue::{
        model::Session,
        store::{NewSession, insert_session},
    },
};
use closeknit_tests::{
    bench::{Load, Request, closeknit_on, load, median, no_errors, sign_in, spawn_printing_url},
    global_id,
};
use futures::{StreamExt, stream};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

const CARERS: usize = 500;
const BURST_PLACES: i32 = 20;
const BURST_ROUNDS: usize = 3;
const SPREAD_SESSIONS: usize = 200;
const SPREAD_CONCURRENCY: usize = 32;
const CATALOGUE_CONCURRENCY: usize = 8;
const ROUNDS: usize = 3;
const ROUND_SECONDS: u64 = 4;

const CATALOGUE: &str = "query CarerCatalogue($first: Int, $after: String) { \
    trainingSessions(first: $first, after: $after) { nodes { id startsAt endsAt timeZone online \
    venue placesLeft waitingListLength state course { id title description audience \
    accessibilityNotes bookingPolicy cancellationCutoffHours } } \
    pageInfo { hasNextPage endCursor } } }";

const BOOK: &str = "mutation BookPlace($input: BookTrainingPlaceInput!) { \
    bookTrainingPlace(input: $input) { booking { id state waitlistPosition } } }";

/// One database under test.
struct Target {
    label: &'static str,
    url: String,
    /// PostgreSQL: the server's connection and the database to drop.
    server: Option<(DatabaseConnection, String)>,
    /// SQLite: the folder holding the file, removed when dropped.
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    async fn postgres() -> Target {
        let server = std::env::var("CLOSEKNIT_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("closeknit_bench_{}", Uuid::new_v4().simple());
        let admin = Database::connect(&server).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let base = server.rsplit_once('/').map(|(b, _)| b).unwrap();
        Target {
            label: "PostgreSQL",
            url: format!("{base}/{name}"),
            server: Some((admin, name)),
            _dir: None,
        }
    }

    fn sqlite() -> Target {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bench.sqlite");
        Target {
            label: "SQLite",
            url: format!("sqlite://{}?mode=rwc", file.display()),
            server: None,
            _dir: Some(dir),
        }
    }

    async fn remove(self) {
        if let Some((admin, name)) = &self.server {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
        }
    }
}

/// A value of the first row of `sql` with `values` for `$1`...
async fn one<T: sea_orm::TryGetable>(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> T {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    db.query_one_raw(statement)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row: {sql}"))
        .try_get_by_index(0)
        .unwrap()
}

/// The demo course and facilitator sessions are made with.
struct Demo {
    course: Uuid,
    facilitator: Uuid,
}

/// Adds `n` upcoming sessions of `places`, spread over the next year, in
/// one transaction; their ids.
async fn sessions(db: &DatabaseConnection, demo: &Demo, n: usize, places: i32) -> Vec<Uuid> {
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let starts_at = now + Duration::days(2 + (i % 360) as i64) + Duration::minutes(i as i64);
        let id = Uuid::now_v7();
        insert_session(
            &txn,
            NewSession {
                id,
                course_id: demo.course,
                session: &Session {
                    starts_at,
                    ends_at: starts_at + Duration::hours(2),
                    time_zone: "Europe/London".into(),
                    online_link: Some("https://meet.example/bench".into()),
                    venue: None,
                    capacity: places,
                    booking_opens_at: now - Duration::hours(1),
                    booking_closes_at: starts_at - Duration::hours(1),
                },
                facilitator_id: demo.facilitator,
                open_to: &[],
                occurrence: None,
                now,
            },
        )
        .await
        .unwrap();
        ids.push(id);
    }
    txn.commit().await.unwrap();
    ids
}

/// Adds the benchmark's kinship carers and signs them in; their tokens.
async fn carers(db: &DatabaseConnection, client: &reqwest::Client, url: &str) -> Vec<String> {
    let team = organisation_by_name(db, "Northmoor Children's Services")
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut emails = Vec::with_capacity(CARERS);
    for n in 0..CARERS {
        let email = format!("bench.carer.{n}@people.example");
        insert_account(
            db,
            NewAccount {
                given_name: "Bench",
                family_name: &format!("Carer{n}"),
                email: &Email::parse("email", &email).unwrap(),
                password_hash: Some(DEMO_STAFF_PASSWORD_HASH.to_string()),
                date_of_birth: None,
                local_authority_id: None,
                roles: &[(Role::KinshipCarer, team)],
            },
        )
        .await
        .unwrap();
        emails.push(email);
    }
    stream::iter(emails)
        .map(|email| async move { sign_in(client, url, &email, DEMO_STAFF_PASSWORD).await })
        .buffered(4)
        .collect()
        .await
}

/// Whether a response body is a success (no errors, and `wanted` in it);
/// the first failure of the run is printed, to say why.
fn succeeded(bytes: &[u8], wanted: &[u8]) -> bool {
    static TOLD: AtomicBool = AtomicBool::new(false);
    let ok = no_errors(bytes) && bytes.windows(wanted.len()).any(|w| w == wanted);
    if !ok && !TOLD.swap(true, Ordering::Relaxed) {
        eprintln!("first failure: {}", String::from_utf8_lossy(bytes));
    }
    ok
}

/// One booking request: whether it succeeded, and how long it took.
async fn book(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    session: Uuid,
) -> (bool, StdDuration) {
    let body = json!({"query": BOOK, "variables": {"input":
        {"sessionId": global_id("TrainingSession", session)}}});
    let started = Instant::now();
    let ok = match client.post(url).bearer_auth(token).json(&body).send().await {
        Ok(response) => response
            .bytes()
            .await
            .is_ok_and(|b| succeeded(&b, b"\"state\":")),
        Err(_) => false,
    };
    (ok, started.elapsed())
}

/// The milliseconds at quantile `q` of sorted `durations`.
fn quantile(durations: &[StdDuration], q: f64) -> f64 {
    let i = ((durations.len() as f64 * q) as usize).min(durations.len().saturating_sub(1));
    durations
        .get(i)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// The burst's figures for one round.
struct Burst {
    wall_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

/// 500 bookings sent at once for a new session of 20 places; checks the
/// outcome in the database.
async fn burst(
    db: &DatabaseConnection,
    demo: &Demo,
    client: &reqwest::Client,
    url: &str,
    tokens: &[String],
) -> Burst {
    let session = sessions(db, demo, 1, BURST_PLACES).await[0];
    let started = Instant::now();
    let results =
        futures::future::join_all(tokens.iter().map(|token| book(client, url, token, session)))
            .await;
    let wall_s = started.elapsed().as_secs_f64();
    let errors = results.iter().filter(|(ok, _)| !ok).count();
    let mut took: Vec<StdDuration> = results.iter().map(|(_, d)| *d).collect();
    took.sort();
    let count = "SELECT COUNT(*) FROM training_bookings WHERE session_id = $1 AND state = $2";
    let booked: i64 = one(db, count, vec![session.into(), "booked".into()]).await;
    let waiting: i64 = one(db, count, vec![session.into(), "waitlisted".into()]).await;
    let positions: i64 = one(
        db,
        "SELECT COUNT(DISTINCT waitlist_position) FROM training_bookings \
         WHERE session_id = $1 AND state = 'waitlisted' AND waitlist_position BETWEEN 1 AND $2",
        vec![session.into(), (CARERS as i32 - BURST_PLACES).into()],
    )
    .await;
    let wanted_waiting = (CARERS as i64) - i64::from(BURST_PLACES);
    if errors == 0 {
        assert_eq!(
            (booked, waiting, positions),
            (i64::from(BURST_PLACES), wanted_waiting, wanted_waiting),
            "the burst over- or under-booked"
        );
    }
    assert!(booked <= i64::from(BURST_PLACES), "overbooked: {booked}");
    Burst {
        wall_s,
        p50_ms: quantile(&took, 0.5),
        p99_ms: quantile(&took, 0.99),
        errors,
    }
}

/// The catalogue's first page as the first carer.
fn catalogue(url: String, token: String) -> Request {
    let body = Arc::new(json!({"query": CATALOGUE, "variables": {"first": 20}}));
    let (url, token) = (Arc::new(url), Arc::new(token));
    Arc::new(move |client: reqwest::Client, _| {
        let (url, token, body) = (url.clone(), token.clone(), body.clone());
        Box::pin(async move {
            match client
                .post(url.as_str())
                .bearer_auth(token.as_str())
                .json(&*body)
                .send()
                .await
            {
                Ok(response) => response
                    .bytes()
                    .await
                    .is_ok_and(|b| succeeded(&b, b"\"id\":\"")),
                Err(_) => false,
            }
        })
    })
}

/// Booking the next (carer, session) pair of the spread, across rounds:
/// every pair once, so each request books or joins a waiting list.
fn spread(url: String, tokens: Arc<Vec<String>>, sessions: Arc<Vec<Uuid>>) -> Request {
    let url = Arc::new(url);
    let next = Arc::new(AtomicUsize::new(0));
    Arc::new(move |client: reqwest::Client, _| {
        let (url, tokens, sessions) = (url.clone(), tokens.clone(), sessions.clone());
        let n = next.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let token = &tokens[n % tokens.len()];
            let session = sessions[(n / tokens.len()) % sessions.len()];
            book(&client, &url, token, session).await.0
        })
    })
}

fn row(database: &str, what: &str, m: &Load) -> String {
    format!(
        "| {database} | {what} | {:.0} | {:.1} | {:.1} | {} |",
        m.per_second, m.p50_ms, m.p99_ms, m.errors
    )
}

async fn run(target: &Target) -> Vec<String> {
    for args in [&["migrate", "up"][..], &["seed", "--demo"]] {
        let status = closeknit_on(&target.url, args).status().unwrap();
        assert!(status.success(), "closeknit {args:?} failed");
    }
    let db = Database::connect(&target.url).await.unwrap();
    let demo = Demo {
        course: one(
            &db,
            "SELECT id FROM training_courses WHERE title = 'Understanding kinship care'",
            vec![],
        )
        .await,
        facilitator: one(
            &db,
            "SELECT person_id FROM accounts WHERE email = 'facilitator@kinshiplearning.example'",
            vec![],
        )
        .await,
    };
    let (mut service, url) = spawn_printing_url(closeknit_on(&target.url, &["serve"]));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CARERS)
        .build()
        .unwrap();
    let setup = Instant::now();
    let tokens = carers(&db, &client, &url).await;
    println!(
        "{}: {CARERS} carers signed in after {:.1} s",
        target.label,
        setup.elapsed().as_secs_f64()
    );
    let mut lines = Vec::new();

    let mut held: i64 = one(&db, "SELECT COUNT(*) FROM training_sessions", vec![]).await;
    for size in [100_i64, 10_000] {
        sessions(&db, &demo, (size - held.min(size)) as usize, 12).await;
        held = size;
        db.execute_unprepared(if target.label == "SQLite" {
            "ANALYZE"
        } else {
            "ANALYZE training_sessions"
        })
        .await
        .unwrap();
        let request = catalogue(url.clone(), tokens[0].clone());
        load(CATALOGUE_CONCURRENCY, 1, request.clone()).await; // warm up
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            rounds.push(load(CATALOGUE_CONCURRENCY, ROUND_SECONDS, request.clone()).await);
        }
        lines.push(row(
            target.label,
            &format!("catalogue, {size} sessions (c={CATALOGUE_CONCURRENCY})"),
            &median(rounds),
        ));
    }

    let mut bursts = Vec::new();
    for _ in 0..BURST_ROUNDS {
        bursts.push(burst(&db, &demo, &client, &url, &tokens).await);
    }
    let errors: usize = bursts.iter().map(|b| b.errors).sum();
    bursts.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    let b = &bursts[bursts.len() / 2];
    lines.push(format!(
        "| {} | burst: {CARERS} at once for {BURST_PLACES} places (wall {:.2} s) | {:.0} | {:.1} | {:.1} | {} |",
        target.label,
        b.wall_s,
        CARERS as f64 / b.wall_s,
        b.p50_ms,
        b.p99_ms,
        errors
    ));

    let spread_sessions = Arc::new(sessions(&db, &demo, SPREAD_SESSIONS, 25).await);
    let request = spread(url.clone(), Arc::new(tokens.clone()), spread_sessions);
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        rounds.push(load(SPREAD_CONCURRENCY, ROUND_SECONDS, request.clone()).await);
    }
    lines.push(row(
        target.label,
        &format!("bookings over {SPREAD_SESSIONS} sessions (c={SPREAD_CONCURRENCY})"),
        &median(rounds),
    ));

    let _ = service.kill();
    let _ = service.wait();
    drop(db);
    lines
}

#[tokio::main]
async fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "both".into());
    let mut targets = Vec::new();
    if which == "both" || which == "postgres" {
        targets.push(Target::postgres().await);
    }
    if which == "both" || which == "sqlite" {
        targets.push(Target::sqlite());
    }
    assert!(
        !targets.is_empty(),
        "usage: bench-training [both|postgres|sqlite]"
    );
    let mut table = Vec::new();
    for target in targets {
        table.extend(run(&target).await);
        target.remove().await;
    }
    println!(
        "\ntraining bookings, default server settings; rounds of {ROUND_SECONDS} s, medians \
         ({BURST_ROUNDS} bursts: the median by wall time, errors of all):"
    );
    println!("| database | load | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    for line in table {
        println!("{line}");
    }
}
