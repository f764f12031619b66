//! The advocacy manager's queue benchmark (PostgreSQL): the first page of
//! 25 requests with their timescale states, with 1,000 requests held and
//! again with 100,000. Build the release binaries first, then run:
//!
//! ```sh
//! cargo build --release --workspace --bins && ./target/release/bench-advocacy
//! ```
//!
//! Creates a fresh database on the server named by
//! `CLOSEKNIT_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), migrates it, loads the
//! demo data and then requests for the demo provider in both authorities
//! (every state, both kinds, clocks pending, at risk, met and breached),
//! signs in the provider's manager, and for each size loads `closeknit
//! serve` at concurrency 8 in rounds with two queries: the queue's first
//! page, and the first page of those at risk or breached. Reports
//! requests per second, p50 and p99 (medians of rounds) and SQL statements
//! per request (from `/metrics`, over a serial run). The database is
//! dropped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark tool

use std::{sync::Arc, time::Instant};

use closeknit_tests::bench::{
    Request, closeknit_on, load, median, no_errors, sign_in, spawn_printing_url,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};

const CONCURRENCY: usize = 8;
const ROUNDS: usize = 3;
const ROUND_SECONDS: u64 = 4;
const SIZES: [i64; 2] = [1_000, 100_000];
const SERIAL: usize = 50;

const PAGE: &str = "query Queue($f: AdvocacyRequestFilter) { advocacyQueue(first: 25, filter: $f) { \
    edges { node { id version kind status urgency submittedAt \
      child { givenName familyName age } advocate { givenName familyName } \
      timescales { timescale state dueAt atRiskAt } } } pageInfo { hasNextPage endCursor } } }";

/// Adds requests numbered `from..to` (set-based, one transaction): eight
/// states in turn, every fifth a non-instructed referral, every seventh
/// urgent, split between the two authorities, made over the last 60 days.
async fn load_requests(db: &DatabaseConnection, from: i64, to: i64) {
    let txn = db.begin().await.unwrap();
    let statements = [
        format!(
            "CREATE TEMP TABLE bench_req ON COMMIT DROP AS SELECT n, gen_random_uuid() AS id, \
             gen_random_uuid() AS child, \
             CASE WHEN n % 2 = 0 THEN (SELECT id FROM local_authorities WHERE ons_code = 'E06099001') \
                ELSE (SELECT id FROM local_authorities WHERE ons_code = 'E10099002') END AS la, \
             (SELECT id FROM organisations WHERE name = 'Brightvoice Advocacy') AS provider, \
             (SELECT person_id FROM accounts WHERE email = CASE WHEN n % 2 = 0 \
                THEN 'advocate@brightvoice.example' ELSE 'advocate.two@brightvoice.example' END) AS advocate, \
             (SELECT person_id FROM accounts WHERE email = 'social.worker@northmoor.example') AS worker, \
             (ARRAY['submitted','accepted','assigned','first_contact_made','in_progress','closed','declined','withdrawn'])[1 + n % 8] AS state, \
             CASE WHEN n % 5 = 0 THEN 'non_instructed' ELSE 'instructed' END AS kind, \
             CASE WHEN n % 7 = 0 THEN 'urgent' ELSE 'standard' END AS urgency, \
             now() - make_interval(mins => (n * 37 % 86400)::int) AS at \
             FROM generate_series({from}, {to} - 1) n"
        ),
        "INSERT INTO people (id, given_name, family_name, date_of_birth, local_authority_id, created_at, updated_at) \
         SELECT child, 'Bench', 'Child ' || n, DATE '2010-01-01' + (n % 4000)::int, la, now(), now() FROM bench_req".into(),
        "INSERT INTO advocacy_requests (id, person_id, local_authority_id, provider_id, kind, state, urgency, \
         referrer_person_id, referrer_relationship, referrer_told_progress, advocate_person_id, decline_reason, \
         outcome, version, submitted_at, triaged_at, assigned_at, first_contact_at, ended_at, last_activity_at, updated_at) \
         SELECT id, child, la, provider, kind, state, urgency, \
         CASE WHEN kind = 'instructed' THEN child ELSE worker END, \
         CASE WHEN kind = 'instructed' THEN 'young_person' ELSE 'social_worker' END, TRUE, \
         CASE WHEN state IN ('assigned','first_contact_made','in_progress','closed') THEN advocate END, \
         CASE WHEN state = 'declined' THEN 'not_eligible' END, \
         CASE WHEN state = 'closed' THEN 'resolved' END, 1, at, \
         CASE WHEN state <> 'submitted' THEN at + interval '2 hours' END, \
         CASE WHEN state IN ('assigned','first_contact_made','in_progress','closed') THEN at + interval '1 day' END, \
         CASE WHEN state IN ('first_contact_made','in_progress','closed') THEN at + interval '3 days' END, \
         CASE WHEN state IN ('closed','declined','withdrawn') THEN at + interval '5 days' END, at, at \
         FROM bench_req".into(),
        "INSERT INTO advocacy_request_details (request_id, subject, eligibility_groups, in_their_words, \
         contact_methods, contact_times, communication_needs, language, interpreter_needed, why_not_instructed, \
         knows_child_best, upcoming_decisions, referral_basis, what_changed, child_view, updated_at) \
         SELECT id, 'complaint', 'care_leaver', 'Synthetic words', 'app', NULL, '', NULL, FALSE, NULL, NULL, '[]', \
         NULL, NULL, NULL, at FROM bench_req".into(),
        "INSERT INTO advocacy_request_events (request_id, version, at, actor_person_id, event, state, kind, \
         advocate_person_id, reason, note) SELECT id, 1, at, NULL, 'submitted', 'submitted', kind, NULL, NULL, NULL \
         FROM bench_req".into(),
        "INSERT INTO advocacy_request_timescales (request_id, timescale, amount, unit, started_at, at_risk_at, \
         due_at, provisional, met_at, stopped_at) \
         SELECT id, 'allocation', 3, 'working_days', at, at + interval '3 days', at + interval '4 days', FALSE, \
           CASE WHEN state IN ('assigned','first_contact_made','in_progress','closed') THEN at + interval '1 day' END, \
           CASE WHEN state IN ('declined','withdrawn') THEN at + interval '5 days' END FROM bench_req \
         UNION ALL \
         SELECT id, 'first_contact', 5, 'working_days', at, at + interval '5 days', at + interval '7 days', FALSE, \
           CASE WHEN state IN ('first_contact_made','in_progress','closed') THEN at + interval '3 days' END, \
           CASE WHEN state IN ('declined','withdrawn') THEN at + interval '5 days' END FROM bench_req".into(),
        // A service that has been running: the managers were told of each
        // alarm when it went off (otherwise the watcher would be sending
        // thousands of notices while the queue is measured).
        "UPDATE advocacy_request_timescales SET \
         at_risk_told_at = CASE WHEN at_risk_at <= now() THEN now() END, \
         breached_told_at = CASE WHEN due_at < now() THEN now() END \
         WHERE request_id IN (SELECT id FROM bench_req)".into(),
    ];
    for sql in statements {
        txn.execute_unprepared(&sql).await.unwrap();
    }
    txn.commit().await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();
}

/// The queue's first page (with `filter`) as the manager; a GraphQL error
/// or an empty page counts as a failure.
fn queue(url: String, token: String, filter: Value) -> Request {
    let body = Arc::new(json!({"query": PAGE, "variables": {"f": filter}}));
    let (url, token) = (Arc::new(url), Arc::new(token));
    Arc::new(move |client: reqwest::Client, _| {
        let (url, token, body) = (url.clone(), token.clone(), body.clone());
        Box::pin(async move {
            let Ok(response) = client
                .post(url.as_str())
                .bearer_auth(token.as_str())
                .json(&*body)
                .send()
                .await
            else {
                return false;
            };
            match response.bytes().await {
                Ok(bytes) => no_errors(&bytes) && bytes.windows(7).any(|w| w == b"\"node\":"),
                Err(_) => false,
            }
        })
    })
}

/// SQL statements the server has run so far (from `/metrics`).
async fn statements(client: &reqwest::Client, base: &str) -> f64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("closeknit_db_statements_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::main]
async fn main() {
    let server = std::env::var("CLOSEKNIT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    assert!(
        server.starts_with("postgres"),
        "bench-advocacy runs on PostgreSQL"
    );
    let name = format!("closeknit_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&server).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap();
    let url = format!("{base}/{name}");
    for args in [&["migrate", "up"][..], &["seed", "--demo"]] {
        let status = closeknit_on(&url, args).status().unwrap();
        assert!(status.success(), "closeknit {args:?} failed");
    }
    let db = Database::connect(&url).await.unwrap();
    let (mut service, graphql_url) = spawn_printing_url(closeknit_on(&url, &["serve"]));
    let root = graphql_url.trim_end_matches("/graphql").to_string();
    let client = reqwest::Client::new();
    let token = sign_in(
        &client,
        &graphql_url,
        "advocacy.manager@brightvoice.example",
        closeknit::seed::DEMO_STAFF_PASSWORD,
    )
    .await;

    let mut table = Vec::new();
    let mut held = 0;
    for size in SIZES {
        let setup = Instant::now();
        load_requests(&db, held, size).await;
        held = size;
        println!(
            "holding {size} requests (+ the demo's) after {:.1} s of loading",
            setup.elapsed().as_secs_f64()
        );
        for (label, filter) in [
            ("first page", json!(null)),
            (
                "at risk or breached",
                json!({"timescaleStates": ["AT_RISK", "BREACHED"]}),
            ),
        ] {
            let request = queue(graphql_url.clone(), token.clone(), filter);
            load(CONCURRENCY, 2, request.clone()).await; // warm up
            let before = statements(&client, &root).await;
            for n in 0..SERIAL {
                assert!(request(client.clone(), n).await, "{label} failed");
            }
            let per_request = (statements(&client, &root).await - before) / SERIAL as f64;
            let mut rounds = Vec::new();
            for _ in 0..ROUNDS {
                rounds.push(load(CONCURRENCY, ROUND_SECONDS, request.clone()).await);
            }
            let m = median(rounds);
            table.push(format!(
                "| {size} | {label} | {:.0} | {:.2} | {:.2} | {per_request:.1} | {} |",
                m.per_second, m.p50_ms, m.p99_ms, m.errors
            ));
        }
    }
    println!(
        "\nmanager's queue (advocacyQueue, 25 with timescales), concurrency {CONCURRENCY}, \
         {ROUNDS} rounds of {ROUND_SECONDS} s, medians:"
    );
    println!("| requests held | page | req/s | p50 ms | p99 ms | statements/request | errors |");
    println!("|---|---|---|---|---|---|---|");
    for line in table {
        println!("{line}");
    }

    let _ = service.kill();
    let _ = service.wait();
    drop(db);
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
