//! Background jobs: a transactional outbox (`jobs` table) and workers that
//! claim due jobs without ever running one job twice at the same time.
//!
//! * [`enqueue`] takes any connection, so a job is written in the same
//!   transaction as the change that causes it.
//! * [`queue`] holds the SQL: claiming uses `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL; on SQLite the claim is one `UPDATE … RETURNING` statement,
//!   which SQLite serialises.
//! * [`worker::Worker`] runs handlers with a per-job timeout, retries with
//!   capped exponential backoff, dead-letters after the last attempt, rescues
//!   jobs whose lease expired (a crashed worker), and drains on shutdown.

pub mod graphql;
pub mod mail;
pub mod queue;
pub mod schema;
pub mod sweeps;
pub mod worker;

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use serde::Serialize;

pub use queue::{enqueue, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
        }
    }
}

/// A job to enqueue. Defaults: run now, 8 attempts, 60 s timeout.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub run_at_ms: Option<i64>,
    pub max_attempts: i32,
    pub timeout: Duration,
}

impl NewJob {
    pub fn new(kind: &'static str, payload: impl Serialize) -> Result<Self, DbErr> {
        let payload = serde_json::to_value(payload)
            .map_err(|e| DbErr::Custom(format!("job payload: {e}")))?;
        Ok(NewJob {
            kind,
            payload,
            run_at_ms: None,
            max_attempts: 8,
            timeout: Duration::from_secs(60),
        })
    }

    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn run_at_ms(mut self, at: i64) -> Self {
        self.run_at_ms = Some(at);
        self
    }
}

/// What a handler sees of the job it runs.
pub struct JobContext {
    pub id: i64,
    pub kind: String,
    pub attempt: i32,
    pub max_attempts: i32,
    pub payload: serde_json::Value,
    pub db: DatabaseConnection,
}

/// How a job failed: `Retry` is tried again after a backoff (until the last
/// attempt); `Permanent` goes straight to the dead-letter state.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Retry(String),
    #[error("{0}")]
    Permanent(String),
}

impl From<crate::error::AppError> for JobError {
    /// A failure of our own (the database, say) is worth retrying; its
    /// cause is logged here and only the code goes in the job's record.
    fn from(err: crate::error::AppError) -> Self {
        err.log();
        JobError::Retry(err.code().as_str().to_string())
    }
}

#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &JobContext) -> Result<(), JobError>;
}

/// The handlers a worker knows, by job kind.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, Arc<dyn JobHandler>>,
}

impl Handlers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(&mut self, kind: &str, handler: impl JobHandler) -> &mut Self {
        self.by_kind.insert(kind.to_string(), Arc::new(handler));
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.by_kind.get(kind).cloned()
    }
}

/// Counts of jobs by state, for `/metrics`.
pub async fn counts(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DbErr> {
    queue::counts(db).await
}
