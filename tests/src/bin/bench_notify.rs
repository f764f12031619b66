//! Email throughput benchmark: how many emails per second the job workers
//! send through a real SMTP server on loopback, with one and with two
//! workers on the same database, and whether any message was sent twice.
//!
//! ```sh
//! cargo run --release -p closeknit-tests --bin bench-notify            # SQLite
//! CLOSEKNIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p closeknit-tests --bin bench-notify          # PostgreSQL
//! ```
//!
//! Each run: a fresh database (migrated), N `email.send` jobs enqueued in
//! one transaction, then W workers (each with the default concurrency (32)
//! and its own pooled SMTP transport) started together; the clock stops
//! when every job has succeeded. Duplicates are counted by `Message-ID` at
//! the SMTP server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark tool

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use closeknit::{
    config::Config,
    db,
    jobs::{
        self,
        mail::EmailJob,
        worker::{JobSignal, Worker},
    },
    metrics::Metrics,
    push::sender::PushSenders,
    startup,
};
use closeknit_tests::{TestDb, smtp::SmtpSink};
use sea_orm::TransactionTrait;
use tokio_util::sync::CancellationToken;

const JOBS: usize = 3000;

async fn run(workers: usize) -> (f64, usize, usize) {
    let test_db = TestDb::new().await;
    let smtp = SmtpSink::start().await;
    let mut env: std::collections::HashMap<&str, String> = [
        ("CLOSEKNIT_DATABASE_URL", test_db.url.clone()),
        ("CLOSEKNIT_SMTP_URL", smtp.url()),
        (
            "CLOSEKNIT_MAIL_FROM",
            "Closeknit <no-reply@closeknit.test>".into(),
        ),
        ("CLOSEKNIT_JOB_POLL_MS", "20".into()),
        ("CLOSEKNIT_LOG", "warn".into()),
    ]
    .into_iter()
    .collect();
    if let Ok(n) = std::env::var("CLOSEKNIT_WORKER_CONCURRENCY") {
        env.insert("CLOSEKNIT_WORKER_CONCURRENCY", n);
    }
    let config = Config::from_lookup(&|k| env.get(k).cloned()).unwrap();
    let conn = db::connect(&config.database, None).await.unwrap();
    db::migrate(&conn).await.unwrap();

    let txn = conn.begin().await.unwrap();
    for n in 0..JOBS {
        let email = EmailJob {
            to: format!("carer{n}@bench.example"),
            subject: "Your workshop is tomorrow".into(),
            text: "Hello,\n\nYour kinship carers' workshop is tomorrow at 10:00.\n".into(),
            html: Some(
                "<p>Hello,</p><p>Your kinship carers' workshop is tomorrow at 10:00.</p>".into(),
            ),
            attachments: vec![],
        };
        jobs::enqueue(&txn, email.into_job().unwrap())
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();

    let stop = CancellationToken::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let push = Arc::new(PushSenders::from_settings(&config.push).unwrap());
        let tokens = closeknit::auth::token_service(&config.auth, config.profile).unwrap();
        let handlers = Arc::new(startup::handlers(&config, push, tokens, Vec::new()).unwrap());
        let worker = Worker::new(
            conn.clone(),
            handlers,
            config.jobs.clone(),
            Metrics::new(),
            JobSignal::default(),
        );
        tasks.push(tokio::spawn(
            worker.run(stop.clone(), Duration::from_secs(10)),
        ));
    }
    loop {
        let counts = jobs::counts(&conn).await.unwrap();
        let done = counts
            .iter()
            .find(|(s, _)| s == "succeeded")
            .map(|(_, n)| *n)
            .unwrap_or(0);
        if usize::try_from(done).unwrap() >= JOBS {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "too slow: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.cancel();
    for task in tasks {
        task.await.unwrap();
    }
    let messages = smtp.messages();
    let ids: HashSet<String> = messages
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    conn.close().await.ok();
    (
        JOBS as f64 / elapsed,
        messages.len(),
        messages.len() - ids.len(),
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let backend = if closeknit_tests::on_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("bench-notify: {JOBS} emails per run over SMTP on loopback ({backend})");
    println!("| workers | emails/s | per worker | delivered | duplicates |");
    println!("|---|---|---|---|---|");
    for workers in [1, 2] {
        let (rate, delivered, duplicates) = run(workers).await;
        println!(
            "| {workers} | {rate:.0} | {:.0} | {delivered} | {duplicates} |",
            rate / workers as f64
        );
    }
}
