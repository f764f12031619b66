//! Shared pieces of the benchmark binaries (`src/bin/bench_*.rs`): finding
//! sibling release binaries, starting a server that prints its URL, and a
//! closed-loop load generator reporting throughput and latency.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // benchmark tooling

use std::{
    future::Future,
    io::{BufRead, BufReader},
    path::PathBuf,
    pin::Pin,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// A binary built next to the running one (`target/release/<name>`).
pub fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().join(name);
    if !path.exists() {
        eprintln!(
            "{} not found: run `cargo build --release --workspace --bins` first",
            path.display()
        );
        std::process::exit(2);
    }
    path
}

/// Starts a process that prints `http://ADDR/...` on its first stdout line.
pub fn spawn_printing_url(mut command: Command) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (child, url)
}

/// One round's figures.
pub struct Load {
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Sends one request (the n-th of its worker); `true` when it succeeded.
pub type Request =
    Arc<dyn Fn(reqwest::Client, usize) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// Runs `concurrency` workers sending requests back to back for `seconds`.
pub async fn load(concurrency: usize, seconds: u64, request: Request) -> Load {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let request = request.clone();
        let stop = stop.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(100_000);
            let mut n = worker;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                if request(client.clone(), n).await {
                    latencies.push(started.elapsed());
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                n += concurrency;
            }
            latencies
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    Load {
        requests: all.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        per_second: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

/// The round with the median throughput.
pub fn median(mut rounds: Vec<Load>) -> Load {
    rounds.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    rounds.swap_remove(rounds.len() / 2)
}
