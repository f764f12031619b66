//! Staying Close home-query benchmark (PostgreSQL). Build the release
//! binaries first, then run:
//!
//! ```sh
//! cargo build --release --workspace --bins && ./target/release/bench-home
//! ```
//!
//! Creates a fresh database on the server named by
//! `CLOSEKNIT_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), migrates it, loads the
//! demo data plus 10,000 young people with plans (3 goals, a planned and a
//! held check-in, a planned review, 2 claims each), signs in 64 of them,
//! then loads, at concurrency 8 in interleaved rounds:
//! * `closeknit serve`: the young person's home query over POST /graphql
//!   (plan, goals, next check-in, key worker, claims; authenticated,
//!   authorised and audited like any read);
//! * a minimal axum handler in a separate process fetching the same data
//!   with one SQL statement (no authentication, no audit);
//!
//! and reports requests per second, p50/p99 and the ratio. The database is
//! dropped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark tool

use std::{process::Command, sync::Arc, time::Instant};

use closeknit_tests::bench::{
    Cpu, Request, closeknit_on, cpu, load, median, sibling, spawn_printing_url,
};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};

const CONCURRENCY: usize = 8;
const ROUNDS: usize = 5;
const ROUND_SECONDS: u64 = 4;
const YOUNG_PEOPLE: i64 = 10_000;
const SIGNED_IN: usize = 64;

const HOME: &str = "{ myStayingClosePlan { id status version nextCheckInDue checkInOverdue \
    goals { id section title status targetDate } nextCheckIn { dueOn overdue } \
    keyWorker { givenName familyName email organisation } \
    claims { id kind amountPence status } } }";

/// The query to load: the home query, or `BENCH_HOME_QUERY` (to see what
/// each part costs, e.g. `{ myStayingClosePlan { id } }`).
fn query() -> &'static str {
    static QUERY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    QUERY.get_or_init(|| std::env::var("BENCH_HOME_QUERY").unwrap_or_else(|_| HOME.into()))
}

/// The same data in one statement.
const ONE_STATEMENT: &str = "SELECT json_build_object(
  'id', p.id, 'status', p.status, 'version', p.version,
  'nextCheckInDue', p.next_check_in_due,
  'checkInOverdue', p.next_check_in_due < CURRENT_DATE,
  'goals', (SELECT COALESCE(json_agg(json_build_object('id', g.id, 'section', g.section,
              'title', g.title, 'status', g.status, 'targetDate', g.target_date)
              ORDER BY g.created_at, g.id), '[]')
            FROM plan_goals g WHERE g.plan_id = p.id AND g.removed_at IS NULL),
  'nextCheckIn', (SELECT json_build_object('dueOn', c.due_on, 'overdue', c.due_on < CURRENT_DATE)
            FROM check_ins c WHERE c.plan_id = p.id AND c.status = 'planned'
            ORDER BY c.due_on, c.id LIMIT 1),
  'keyWorker', (SELECT json_build_object('givenName', w.given_name, 'familyName', w.family_name,
              'email', a.email, 'organisation', (SELECT MIN(o.name) FROM role_grants rg
                 JOIN organisations o ON o.id = rg.organisation_id WHERE rg.account_id = a.id))
            FROM people w LEFT JOIN accounts a ON a.person_id = w.id WHERE w.id = p.key_worker_id),
  'claims', (SELECT COALESCE(json_agg(json_build_object('id', cl.id, 'kind', cl.kind,
              'amountPence', cl.amount_pence, 'status', cl.status)
              ORDER BY cl.created_at DESC, cl.id DESC), '[]')
            FROM claims cl WHERE cl.person_id = p.person_id)
)::text FROM plans p WHERE p.person_id = $1
ORDER BY CASE WHEN p.status = 'ended' THEN 1 ELSE 0 END, p.start_date DESC, p.id DESC LIMIT 1";

/// Loads the young people in one transaction, set-based.
async fn load_young_people(db: &DatabaseConnection) {
    let txn = db.begin().await.unwrap();
    let hash = closeknit::seed::DEMO_STAFF_PASSWORD_HASH;
    let statements = [
        format!(
            "CREATE TEMP TABLE bench_yp ON COMMIT DROP AS SELECT n, gen_random_uuid() AS person, \
             gen_random_uuid() AS account, gen_random_uuid() AS plan, \
             (SELECT id FROM local_authorities WHERE ons_code = 'E06099001') AS la, \
             (SELECT o.id FROM organisations o WHERE o.name = 'Northmoor Children''s Services') AS team, \
             (SELECT a.person_id FROM accounts a WHERE a.email = 'key.worker@northmoor.example') AS kw, \
             (SELECT a.person_id FROM accounts a WHERE a.email = 'personal.adviser@northmoor.example') AS pa \
             FROM generate_series(1, {YOUNG_PEOPLE}) n"
        ),
        "INSERT INTO people (id, given_name, family_name, date_of_birth, local_authority_id, created_at, updated_at) \
         SELECT person, 'Bench', 'Person ' || n, DATE '2006-01-01' + (n % 1000), la, now(), now() FROM bench_yp".into(),
        format!(
            "INSERT INTO accounts (id, person_id, email, password_hash, status, failed_sign_ins, created_at, updated_at) \
             SELECT account, person, 'bench.' || n || '@northmoor.example', '{hash}', 'active', 0, now(), now() FROM bench_yp"
        ),
        "INSERT INTO role_grants (id, account_id, role, organisation_id, created_at) \
         SELECT gen_random_uuid(), account, 'young_person', team, now() FROM bench_yp".into(),
        "INSERT INTO care_leavers (person_id, local_authority_id, child_ref, category, left_care_on, created_at, updated_at) \
         SELECT person, la, 'B' || n, 'former_relevant', DATE '2025-01-01', now(), now() FROM bench_yp".into(),
        "INSERT INTO plans (id, person_id, local_authority_id, status, start_date, planned_end_date, key_worker_id, \
         personal_adviser_id, check_in_interval_days, version, next_check_in_due, next_review_due, created_at, updated_at) \
         SELECT plan, person, la, 'active', DATE '2026-01-01', DATE '2028-01-01', kw, pa, 56, 1, \
         CURRENT_DATE + 10, CURRENT_DATE + 60, now(), now() FROM bench_yp".into(),
        "INSERT INTO plan_goals (id, plan_id, section, title, helper, target_date, status, created_at, updated_at) \
         SELECT gen_random_uuid(), plan, (ARRAY['accommodation','employment','financial_support'])[g], \
         'Goal ' || g, 'Key worker', DATE '2026-12-31', 'in_progress', now(), now() \
         FROM bench_yp, generate_series(1, 3) g".into(),
        "INSERT INTO check_ins (id, plan_id, due_on, held_on, status, created_at, updated_at) \
         SELECT gen_random_uuid(), plan, CURRENT_DATE - 46, CURRENT_DATE - 46, 'held', now(), now() FROM bench_yp \
         UNION ALL SELECT gen_random_uuid(), plan, CURRENT_DATE + 10, NULL, 'planned', now(), now() FROM bench_yp".into(),
        "INSERT INTO reviews (id, plan_id, due_on, requested_by_young_person, status, created_at, updated_at) \
         SELECT gen_random_uuid(), plan, CURRENT_DATE + 60, FALSE, 'planned', now(), now() FROM bench_yp".into(),
        "INSERT INTO claims (id, person_id, local_authority_id, kind, amount_pence, purpose, basis_date, status, \
         created_at, updated_at) \
         SELECT gen_random_uuid(), person, la, 'setting_up_home', 100000, 'Furniture', DATE '2026-01-10', 'paid', now(), now() FROM bench_yp \
         UNION ALL SELECT gen_random_uuid(), person, la, 'setting_up_home', 50000, 'Cooker', DATE '2026-02-10', 'requested', now(), now() FROM bench_yp".into(),
    ];
    for sql in statements {
        txn.execute_unprepared(&sql).await.unwrap();
    }
    txn.commit().await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();
}

async fn sign_in(client: &reqwest::Client, url: &str, n: usize) -> String {
    let body: Value = client
        .post(url)
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { accessToken } }",
            "variables": {"e": format!("bench.{n}@northmoor.example"), "p": closeknit::seed::DEMO_STAFF_PASSWORD},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in failed: {body}"))
        .to_string()
}

/// The home query with the n-th token, or the minimal handler with the
/// n-th person's id. A GraphQL error or a missing plan counts as a failure.
fn home(target: Target) -> Request {
    let target = Arc::new(target);
    Arc::new(move |client: reqwest::Client, n| {
        let target = target.clone();
        Box::pin(async move {
            let response = match &*target {
                Target::Graphql { url, tokens } => {
                    client
                        .post(url)
                        .bearer_auth(&tokens[n % tokens.len()])
                        .json(&json!({ "query": query() }))
                        .send()
                        .await
                }
                Target::Plain { url, people } => {
                    client
                        .get(format!("{url}?person={}", people[n % people.len()]))
                        .send()
                        .await
                }
            };
            let Ok(response) = response else {
                return false;
            };
            if !response.status().is_success() {
                return false;
            }
            match response.bytes().await {
                Ok(bytes) => {
                    !bytes.windows(9).any(|w| w == b"\"errors\":")
                        && (bytes.len() > 200 || query() != HOME)
                }
                Err(_) => false,
            }
        })
    })
}

enum Target {
    Graphql { url: String, tokens: Vec<String> },
    Plain { url: String, people: Vec<String> },
}

/// `bench-home --plain-server URL`: the baseline, one SQL statement per
/// request on a pool the size of closeknit's default.
async fn plain_server(database_url: &str) {
    let mut options = sea_orm::ConnectOptions::new(database_url.to_string());
    options.max_connections(10).sqlx_logging(false);
    let db = Database::connect(options).await.unwrap();
    let app = axum::Router::new()
        .route(
            "/home",
            axum::routing::get(
                |axum::extract::State(db): axum::extract::State<DatabaseConnection>,
                 axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| async move {
                    let person: uuid::Uuid = q
                        .get("person")
                        .and_then(|p| p.parse().ok())
                        .unwrap_or_default();
                    let rows = closeknit::db::raw::query(&db, ONE_STATEMENT, vec![person.into()])
                        .await
                        .unwrap();
                    let plan: String = rows
                        .first()
                        .map(|r| r.try_get_by_index(0).unwrap())
                        .unwrap_or_else(|| "null".into());
                    (
                        [("content-type", "application/json")],
                        format!(r#"{{"data":{{"myStayingClosePlan":{plan}}}}}"#),
                    )
                },
            ),
        )
        .with_state(db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("plain http://{}/home", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--plain-server") {
        plain_server(&args[2]).await;
        return;
    }
    let server = std::env::var("CLOSEKNIT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    assert!(
        server.starts_with("postgres"),
        "bench-home runs on PostgreSQL"
    );
    let name = format!("closeknit_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&server).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    if std::env::var("BENCH_ASYNC_COMMIT").is_ok() {
        // Exploration only: what the commit's WAL flush costs.
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
            ))
            .await
            .unwrap();
    }
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap();
    let url = format!("{base}/{name}");

    let setup = Instant::now();
    for args in [&["migrate", "up"][..], &["seed", "--demo"]] {
        let status = closeknit_on(&url, args).status().unwrap();
        assert!(status.success(), "closeknit {args:?} failed");
    }
    let db = Database::connect(&url).await.unwrap();
    load_young_people(&db).await;
    let people: Vec<String> = closeknit::db::raw::query(
        &db,
        "SELECT a.person_id::text FROM accounts a WHERE a.email LIKE 'bench.%' \
         ORDER BY a.email LIMIT $1",
        vec![i64::try_from(SIGNED_IN).unwrap().into()],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect();
    println!(
        "loaded {YOUNG_PEOPLE} young people with plans in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let (mut service, graphql_url) = spawn_printing_url(closeknit_on(&url, &["serve"]));
    let (mut plain, plain_url) = spawn_printing_url({
        let mut c = Command::new(sibling("bench-home"));
        c.arg("--plain-server").arg(&url);
        c
    });
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for n in 1..=SIGNED_IN {
        tokens.push(sign_in(&client, &graphql_url, n).await);
    }
    let mut ids: Vec<String> = people;
    ids.truncate(SIGNED_IN);
    let graphql = home(Target::Graphql {
        url: graphql_url,
        tokens,
    });
    let baseline = home(Target::Plain {
        url: plain_url,
        people: ids,
    });
    // Warm both (pools, caches, plans).
    load(CONCURRENCY, 2, graphql.clone()).await;
    load(CONCURRENCY, 2, baseline.clone()).await;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut ours_cpu, mut theirs_cpu) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for (target, pid, rounds, cpus) in [
            (&graphql, service.id(), &mut ours, &mut ours_cpu),
            (&baseline, plain.id(), &mut theirs, &mut theirs_cpu),
        ] {
            let before = cpu(pid);
            let round = load(CONCURRENCY, ROUND_SECONDS, target.clone()).await;
            cpus.push(before.per_request(cpu(pid), round.requests));
            rounds.push(round);
        }
    }
    let ratios: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| format!("{:.2}", a.per_second / b.per_second))
        .collect();
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "\nhome query, concurrency {CONCURRENCY}, {ROUNDS} interleaved rounds of {ROUND_SECONDS} s, medians:"
    );
    println!("| server | req/s | p50 ms | p99 ms | requests | errors |");
    println!("|---|---|---|---|---|---|");
    for (label, l) in [
        ("closeknit GraphQL (auth, policy, audit)", &ours),
        ("one SQL statement, minimal handler", &theirs),
    ] {
        println!(
            "| {label} | {:.0} | {:.2} | {:.2} | {} | {} |",
            l.per_second, l.p50_ms, l.p99_ms, l.requests, l.errors
        );
    }
    println!("\nCPU per request (µs, median of rounds): server / PostgreSQL / load generator");
    for (label, cpus) in [("closeknit", ours_cpu), ("minimal", theirs_cpu)] {
        let m = |f: fn(&Cpu) -> f64| {
            let mut v: Vec<f64> = cpus.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "  {label}: {:.0} / {:.0} / {:.0}",
            m(|c| c.server),
            m(|c| c.postgres),
            m(|c| c.load)
        );
    }
    println!(
        "\nratio closeknit / minimal: {:.2} (per round: {}; target ≥ 0.8)",
        ours.per_second / theirs.per_second,
        ratios.join(", ")
    );

    let _ = service.kill();
    let _ = plain.kill();
    let _ = service.wait();
    let _ = plain.wait();
    drop(db);
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
