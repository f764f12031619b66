//! Foundation benchmark. Build the release binaries first, then run:
//!
//! ```sh
//! cargo build --release --workspace --bins && ./target/release/bench-foundation
//! ```
//!
//! Reports, for this machine:
//! * cold start to ready: spawn `closeknit serve` on a fresh SQLite file and
//!   poll `/readyz` until 200 (median of 5);
//! * trivial query throughput (`{ __typename }` over POST /graphql) against a
//!   plain axum JSON handler serving the same bytes, both as separate
//!   processes loaded by the same client in the same run, as a ratio;
//! * idle and loaded RSS of the closeknit process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark tool

use std::{
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use closeknit_tests::bench::{Request, load, median, sibling, spawn_printing_url};

const CONCURRENCY: usize = 8;
const ROUNDS: usize = 7;
const ROUND_SECONDS: u64 = 3;
const QUERY: &str = r#"{"query":"{ __typename }"}"#;

fn closeknit(dir: &std::path::Path) -> Command {
    let mut command = Command::new(sibling("closeknit"));
    command
        .arg("serve")
        .env_clear()
        .env(
            "CLOSEKNIT_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        )
        .env("CLOSEKNIT_LISTEN", "127.0.0.1:0")
        .env("CLOSEKNIT_MAIL_DIR", dir.join("mail"))
        .env("CLOSEKNIT_LOG", "error");
    command
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// POSTs the trivial query.
fn typename(url: &str) -> Request {
    let url = url.to_string();
    Arc::new(move |client: reqwest::Client, _| {
        let url = url.clone();
        Box::pin(async move {
            client
                .post(&url)
                .header("content-type", "application/json")
                .body(QUERY)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
        })
    })
}

/// `bench-foundation --plain-server`: the baseline, a plain axum handler.
async fn plain_server() {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(|| async {
            (
                [("content-type", "application/json")],
                r#"{"data":{"__typename":"QueryRoot"}}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("plain http://{}/graphql", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--plain-server") {
        return plain_server().await;
    }
    println!(
        "Closeknit foundation benchmark ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    // Cold start to ready on a fresh SQLite database (migrations + demo data).
    let client = reqwest::Client::new();
    let mut starts = Vec::new();
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (mut child, url) = spawn_printing_url(closeknit(dir.path()));
        let ready = url.replace("/graphql", "/readyz");
        loop {
            if let Ok(r) = client.get(&ready).send().await
                && r.status() == 200
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        starts.push(started.elapsed());
        child.kill().ok();
        child.wait().ok();
    }
    starts.sort();
    let cold = starts[starts.len() / 2];

    // Throughput and memory.
    let dir = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn_printing_url(closeknit(dir.path()));
    let ready = url.replace("/graphql", "/readyz");
    while client
        .get(&ready)
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = server.id();
    let idle_rss = rss_kib(pid, "VmRSS:");

    let mut plain_command = Command::new(std::env::current_exe().unwrap());
    plain_command.arg("--plain-server");
    let (mut plain, plain_url) = spawn_printing_url(plain_command);

    load(CONCURRENCY, 2, typename(&url)).await; // warm-up
    load(CONCURRENCY, 2, typename(&plain_url)).await;
    // Interleaved rounds, so background noise on a shared machine hits both
    // servers alike; medians of the rounds are reported.
    let mut closeknit_rounds = Vec::new();
    let mut plain_rounds = Vec::new();
    for _ in 0..ROUNDS {
        closeknit_rounds.push(load(CONCURRENCY, ROUND_SECONDS, typename(&url)).await);
        plain_rounds.push(load(CONCURRENCY, ROUND_SECONDS, typename(&plain_url)).await);
    }
    let loaded_rss = rss_kib(pid, "VmHWM:");
    server.kill().ok();
    plain.kill().ok();
    server.wait().ok();
    plain.wait().ok();
    let ratios: Vec<f64> = closeknit_rounds
        .iter()
        .zip(&plain_rounds)
        .map(|(c, p)| c.per_second / p.per_second)
        .collect();
    let closeknit_load = median(closeknit_rounds);
    let plain_load = median(plain_rounds);
    let ratio = closeknit_load.per_second / plain_load.per_second;
    let (low, high) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    println!();
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!(
        "| cold start to ready (fresh SQLite, migrations + demo data), median of 5 | {:.0} ms | |",
        cold.as_secs_f64() * 1000.0
    );
    println!(
        "| closeknit `{{ __typename }}`, concurrency {CONCURRENCY}, median round | {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms, {} requests, {} errors) | |",
        closeknit_load.per_second,
        closeknit_load.p50_ms,
        closeknit_load.p99_ms,
        closeknit_load.requests,
        closeknit_load.errors
    );
    println!(
        "| plain axum JSON handler, concurrency {CONCURRENCY}, median round | {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms, {} requests, {} errors) | |",
        plain_load.per_second,
        plain_load.p50_ms,
        plain_load.p99_ms,
        plain_load.requests,
        plain_load.errors
    );
    println!(
        "| throughput ratio closeknit / plain (medians of {ROUNDS} interleaved rounds; per-round range {low:.2}-{high:.2}) | {ratio:.2} | >= 0.5 |"
    );
    println!(
        "| idle RSS | {:.1} MB | < 40 MB |",
        idle_rss as f64 / 1024.0
    );
    println!(
        "| loaded RSS (peak) | {:.1} MB | < 120 MB |",
        loaded_rss as f64 / 1024.0
    );
}
