//! The job queue against a real database: outbox semantics, retries,
//! dead-lettering, timeouts, rescue of abandoned jobs, draining on shutdown,
//! several workers on one database, and mail over real SMTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use closeknit::{
    config::Config,
    jobs::{
        self, Handlers, JobContext, JobError, JobHandler, NewJob,
        mail::EmailJob,
        queue,
        worker::{JobSignal, Worker},
    },
    metrics::Metrics,
};
use closeknit_tests::{TestApp, TestDb, eventually, smtp::SmtpSink};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// Records every execution; optionally fails, sleeps or panics.
#[derive(Clone, Default)]
struct Recorder {
    runs: Arc<Mutex<HashMap<i64, usize>>>,
    running: Arc<Mutex<HashMap<i64, usize>>>,
    overlaps: Arc<AtomicUsize>,
    behaviour: Behaviour,
}

#[derive(Clone, Copy, Default)]
enum Behaviour {
    #[default]
    Succeed,
    Retry,
    Permanent,
    Sleep(u64),
    Panic,
}

impl Recorder {
    fn with(behaviour: Behaviour) -> Self {
        Recorder {
            behaviour,
            ..Default::default()
        }
    }
    fn runs(&self, id: i64) -> usize {
        self.runs.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
    fn total(&self) -> usize {
        self.runs.lock().unwrap().values().sum()
    }
}

#[async_trait::async_trait]
impl JobHandler for Recorder {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        {
            let mut running = self.running.lock().unwrap();
            let n = running.entry(job.id).or_default();
            *n += 1;
            if *n > 1 {
                self.overlaps.fetch_add(1, Ordering::SeqCst);
            }
        }
        *self.runs.lock().unwrap().entry(job.id).or_default() += 1;
        let result = match self.behaviour {
            Behaviour::Succeed => Ok(()),
            Behaviour::Retry => Err(JobError::Retry("provider said try later".into())),
            Behaviour::Permanent => Err(JobError::Permanent("recipient rejected".into())),
            Behaviour::Sleep(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(())
            }
            Behaviour::Panic => panic!("handler bug"),
        };
        *self.running.lock().unwrap().entry(job.id).or_default() -= 1;
        result
    }
}

async fn state(db: &DatabaseConnection, id: i64) -> (String, i32, Option<String>) {
    queue::status(db, id).await.unwrap().unwrap()
}

async fn wait_for_state(
    db: &DatabaseConnection,
    id: i64,
    wanted: &str,
) -> (String, i32, Option<String>) {
    let reached = eventually(Duration::from_secs(15), || async {
        state(db, id).await.0 == wanted
    })
    .await;
    let now = state(db, id).await;
    assert!(reached, "job {id} never reached {wanted}: {now:?}");
    now
}

#[tokio::test]
async fn jobs_are_written_with_the_transaction_that_causes_them() {
    let recorder = Recorder::default();
    let app = TestApp::builder()
        .handler("test.record", recorder.clone())
        .spawn()
        .await;

    let txn = app.db.begin().await.unwrap();
    jobs::enqueue(&txn, NewJob::new("test.record", json!({"n": 1})).unwrap())
        .await
        .unwrap();
    txn.rollback().await.unwrap();

    let txn = app.db.begin().await.unwrap();
    let id = jobs::enqueue(&txn, NewJob::new("test.record", json!({"n": 2})).unwrap())
        .await
        .unwrap();
    txn.commit().await.unwrap();

    wait_for_state(&app.db, id, "succeeded").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(recorder.total(), 1, "the rolled-back job never ran");
    assert_eq!(recorder.runs(id), 1);
    assert_eq!(
        app.metric("closeknit_jobs_processed_total", "outcome=\"succeeded\"")
            .await,
        1.0
    );
}

#[tokio::test]
async fn failing_jobs_are_retried_with_backoff_then_dead_lettered() {
    let recorder = Recorder::with(Behaviour::Retry);
    let app = TestApp::builder()
        .handler("test.flaky", recorder.clone())
        .spawn()
        .await;
    let id = jobs::enqueue(
        &app.db,
        NewJob::new("test.flaky", json!({}))
            .unwrap()
            .max_attempts(3),
    )
    .await
    .unwrap();
    let (_, attempts, error) = wait_for_state(&app.db, id, "dead").await;
    assert_eq!(attempts, 3);
    assert_eq!(recorder.runs(id), 3);
    assert_eq!(error.as_deref(), Some("provider said try later"));
    assert_eq!(
        app.metric("closeknit_jobs_processed_total", "outcome=\"retried\"")
            .await,
        2.0
    );
    assert_eq!(
        app.metric("closeknit_jobs_processed_total", "outcome=\"dead\"")
            .await,
        1.0
    );
    assert_eq!(app.metric("closeknit_jobs", "state=\"dead\"").await, 1.0);

    // An operator can put it back in the queue.
    assert!(queue::retry_dead(&app.db, id).await.unwrap());
    wait_for_state(&app.db, id, "dead").await;
    assert_eq!(recorder.runs(id), 6);
}

#[tokio::test]
async fn permanent_failures_and_unknown_kinds_go_straight_to_dead() {
    let recorder = Recorder::with(Behaviour::Permanent);
    let app = TestApp::builder()
        .handler("test.reject", recorder.clone())
        .spawn()
        .await;
    let id = jobs::enqueue(&app.db, NewJob::new("test.reject", json!({})).unwrap())
        .await
        .unwrap();
    let (_, attempts, _) = wait_for_state(&app.db, id, "dead").await;
    assert_eq!(attempts, 1);

    let unknown = jobs::enqueue(&app.db, NewJob::new("test.nobody", json!({})).unwrap())
        .await
        .unwrap();
    let (_, _, error) = wait_for_state(&app.db, unknown, "dead").await;
    assert!(error.unwrap().contains("no handler"));
}

#[tokio::test]
async fn slow_and_panicking_jobs_time_out_or_fail_without_harming_the_worker() {
    let slow = Recorder::with(Behaviour::Sleep(5_000));
    let panics = Recorder::with(Behaviour::Panic);
    let fine = Recorder::default();
    let app = TestApp::builder()
        .handler("test.slow", slow.clone())
        .handler("test.panic", panics.clone())
        .handler("test.fine", fine.clone())
        .spawn()
        .await;
    let slow_id = jobs::enqueue(
        &app.db,
        NewJob::new("test.slow", json!({}))
            .unwrap()
            .timeout(Duration::from_millis(100))
            .max_attempts(2),
    )
    .await
    .unwrap();
    let panic_id = jobs::enqueue(
        &app.db,
        NewJob::new("test.panic", json!({}))
            .unwrap()
            .max_attempts(2),
    )
    .await
    .unwrap();
    let (_, _, error) = wait_for_state(&app.db, slow_id, "dead").await;
    assert!(error.unwrap().contains("timed out"));
    let (_, _, error) = wait_for_state(&app.db, panic_id, "dead").await;
    assert_eq!(error.as_deref(), Some("handler panicked"));

    let fine_id = jobs::enqueue(&app.db, NewJob::new("test.fine", json!({})).unwrap())
        .await
        .unwrap();
    wait_for_state(&app.db, fine_id, "succeeded").await;
}

#[tokio::test]
async fn jobs_abandoned_by_a_crashed_worker_are_rescued() {
    let recorder = Recorder::default();
    let test_db = TestDb::new().await;
    let app = TestApp::builder()
        .database(test_db)
        .handler("test.record", recorder.clone())
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    // A worker claims the job and dies without finishing it.
    let id = jobs::enqueue(
        &app.db,
        NewJob::new("test.record", json!({}))
            .unwrap()
            .timeout(Duration::from_millis(10)),
    )
    .await
    .unwrap();
    let claimed = queue::claim(&app.db, "crashed-worker", 10, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;

    // A healthy worker starts, finds the expired lease and runs the job.
    let db_test = app.stop().await;
    let app = TestApp::builder()
        .database(db_test)
        .handler("test.record", recorder.clone())
        .spawn()
        .await;
    let (_, attempts, _) = wait_for_state(&app.db, id, "succeeded").await;
    assert_eq!(attempts, 2, "the abandoned attempt counts");
    assert_eq!(recorder.runs(id), 1);
    // The crashed worker's late report is ignored.
    assert!(
        !queue::complete(&app.db, id, "crashed-worker")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn shutdown_drains_jobs_in_flight() {
    let recorder = Recorder::with(Behaviour::Sleep(700));
    let app = TestApp::builder()
        .handler("test.slow", recorder.clone())
        .spawn()
        .await;
    let db = app.test_db().connect().await;
    let id = jobs::enqueue(&app.db, NewJob::new("test.slow", json!({})).unwrap())
        .await
        .unwrap();
    assert!(eventually(Duration::from_secs(10), || async { recorder.runs(id) == 1 }).await);
    let _test_db = app.stop().await;
    assert_eq!(
        state(&db, id).await.0,
        "succeeded",
        "stop waited for the job"
    );
}

fn worker_config(url: &str) -> Config {
    let url = url.to_string();
    Config::from_lookup(&move |k| match k {
        "CLOSEKNIT_DATABASE_URL" => Some(url.clone()),
        "CLOSEKNIT_WORKER_CONCURRENCY" => Some("4".into()),
        "CLOSEKNIT_JOB_POLL_MS" => Some("20".into()),
        _ => None,
    })
    .unwrap()
}

#[tokio::test]
async fn several_workers_never_run_one_job_twice() {
    let recorder = Recorder::with(Behaviour::Sleep(5));
    let app = TestApp::builder()
        .handler("test.record", recorder.clone())
        .env("CLOSEKNIT_WORKER_CONCURRENCY", "4")
        .spawn()
        .await;
    // Two more workers with their own pools, as separate processes would have.
    let stop = CancellationToken::new();
    let mut others = Vec::new();
    for _ in 0..2 {
        let config = worker_config(&app.test_db().url);
        let db = closeknit::db::connect(&config.database, None)
            .await
            .unwrap();
        let mut handlers = Handlers::new();
        handlers.register("test.record", recorder.clone());
        let worker = Worker::new(
            db,
            Arc::new(handlers),
            config.jobs.clone(),
            Metrics::new(),
            JobSignal::default(),
        );
        others.push(tokio::spawn(
            worker.run(stop.clone(), Duration::from_secs(5)),
        ));
    }
    let mut ids = Vec::new();
    let txn = app.db.begin().await.unwrap();
    for n in 0..300 {
        ids.push(
            jobs::enqueue(&txn, NewJob::new("test.record", json!({"n": n})).unwrap())
                .await
                .unwrap(),
        );
    }
    txn.commit().await.unwrap();
    assert!(
        eventually(Duration::from_secs(60), || async {
            recorder.total() >= 300
        })
        .await,
        "all jobs ran: {}",
        recorder.total()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    for worker in others {
        worker.await.unwrap();
    }
    assert_eq!(recorder.overlaps.load(Ordering::SeqCst), 0);
    for id in ids {
        assert_eq!(recorder.runs(id), 1, "job {id}");
    }
    // Runs are counted when a handler starts; completion is recorded after.
    let all_succeeded = eventually(Duration::from_secs(10), || async {
        jobs::counts(&app.db).await.unwrap() == vec![("succeeded".to_string(), 300)]
    })
    .await;
    assert!(all_succeeded, "{:?}", jobs::counts(&app.db).await.unwrap());
}

#[tokio::test]
async fn email_jobs_are_delivered_over_smtp_once_with_a_stable_message_id() {
    let smtp = SmtpSink::start().await;
    smtp.refuse_next(1);
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_MAIL_FROM", "Closeknit <no-reply@closeknit.test>")
        .spawn()
        .await;
    let email = EmailJob {
        to: "care.leaver@example.test".into(),
        subject: "Your next check-in".into(),
        text: "Hello, your key worker will see you on Friday.".into(),
        html: None,
        attachments: vec![],
    };
    let id = jobs::enqueue(&app.db, email.into_job().unwrap())
        .await
        .unwrap();
    let (_, attempts, _) = wait_for_state(&app.db, id, "succeeded").await;
    assert_eq!(attempts, 2, "the first attempt met a 451 and was retried");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.to, ["care.leaver@example.test"]);
    assert_eq!(
        message.header("Subject").as_deref(),
        Some("Your next check-in")
    );
    assert_eq!(
        message.header("Message-ID"),
        Some(format!("<job-{id}@closeknit.test>"))
    );
    assert!(
        message
            .data
            .contains("your key worker will see you on Friday")
    );
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox_folder() {
    let app = TestApp::spawn().await;
    let email = EmailJob {
        to: "carer@example.test".into(),
        subject: "Workshop booked".into(),
        text: "See you there.".into(),
        html: Some("<p>See you there.</p>".into()),
        attachments: vec![],
    };
    let id = jobs::enqueue(&app.db, email.into_job().unwrap())
        .await
        .unwrap();
    wait_for_state(&app.db, id, "succeeded").await;
    let files: Vec<_> = std::fs::read_dir(app.mail_dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(text.contains("Subject: Workshop booked") && text.contains("multipart/alternative"));
}
