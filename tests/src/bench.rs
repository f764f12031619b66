//! Shared pieces of the benchmark binaries (`src/bin/bench_*.rs`): finding
//! sibling release binaries, the `closeknit` command on a database, starting a server that prints its URL, and a
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

/// `closeknit <args>` on the database at `url`, listening on a free port,
/// with quiet logs, mail to a temporary folder and sign-in limits out of
/// the way (a benchmark signs many people in at once).
pub fn closeknit_on(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(sibling("closeknit"));
    command
        .args(args)
        .env_clear()
        .env("CLOSEKNIT_DATABASE_URL", url)
        .env("CLOSEKNIT_LISTEN", "127.0.0.1:0")
        .env("CLOSEKNIT_LOG", "error")
        .env(
            "CLOSEKNIT_MAIL_DIR",
            std::env::temp_dir().join("closeknit-bench-mail"),
        )
        .env("CLOSEKNIT_RATE_SIGN_IN_PER_IP", "100000/1m")
        .env("CLOSEKNIT_RATE_SIGN_IN_PER_ACCOUNT", "100000/1m");
    command
}

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

/// CPU time used so far (user + system, in seconds) by the processes a
/// benchmark compares: a server, PostgreSQL (all its processes), and this
/// process (the load generator). Linux only (`/proc`); zero elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub server: f64,
    pub postgres: f64,
    pub load: f64,
}

fn ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// utime + stime of a process (and its exited children), in seconds.
fn process_cpu(stat: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(stat).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let sum: f64 = fields
        .get(11..13)?
        .iter()
        .filter_map(|f| f.parse::<f64>().ok())
        .sum();
    Some(sum / ticks_per_second())
}

/// Reads [`Cpu`] for the server with process id `server`.
pub fn cpu(server: u32) -> Cpu {
    let mut postgres = 0.0;
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let path = entry.path();
            let is_postgres =
                std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == "postgres");
            if is_postgres {
                postgres += process_cpu(&path.join("stat").to_string_lossy()).unwrap_or(0.0);
            }
        }
    }
    Cpu {
        server: process_cpu(&format!("/proc/{server}/stat")).unwrap_or(0.0),
        postgres,
        load: process_cpu("/proc/self/stat").unwrap_or(0.0),
    }
}

impl Cpu {
    /// CPU microseconds per request between two readings.
    pub fn per_request(self, later: Cpu, requests: u64) -> Cpu {
        let per = |a: f64, b: f64| (b - a) * 1e6 / requests.max(1) as f64;
        Cpu {
            server: per(self.server, later.server),
            postgres: per(self.postgres, later.postgres),
            load: per(self.load, later.load),
        }
    }
}

/// Signs `email` in with `password` at the GraphQL endpoint `url`; the
/// access token.
pub async fn sign_in(client: &reqwest::Client, url: &str, email: &str, password: &str) -> String {
    let body: serde_json::Value = client
        .post(url)
        .json(&serde_json::json!({
            "query": "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { accessToken } }",
            "variables": {"e": email, "p": password},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in of {email} failed: {body}"))
        .to_string()
}

/// Whether a GraphQL response body holds no `"errors":`.
pub fn no_errors(bytes: &[u8]) -> bool {
    !bytes.windows(9).any(|w| w == b"\"errors\":")
}
