//! The worker loop: claim due jobs up to the concurrency limit, run each with
//! its timeout, record the outcome, rescue abandoned jobs, and drain in-flight
//! jobs when asked to stop.

use std::{
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use futures::FutureExt;
use rand::Rng;
use sea_orm::DatabaseConnection;
use tokio::{
    sync::{Notify, Semaphore},
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{Handlers, JobContext, JobError, queue};
use crate::{config::JobSettings, metrics::Metrics};

/// How often abandoned jobs are looked for and old finished jobs purged.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(15);
/// Succeeded jobs are kept this long (for tracing a delivery), then deleted.
const KEEP_SUCCEEDED: Duration = Duration::from_secs(7 * 24 * 3600);

/// Wakes workers in this process as soon as a job is enqueued (after the
/// enqueuing transaction commits); other processes find it by polling.
#[derive(Clone, Default)]
pub struct JobSignal(Arc<Notify>);

impl JobSignal {
    /// Wakes the worker; if it is busy, its next wait returns at once.
    pub fn notify(&self) {
        self.0.notify_one();
    }
    async fn notified(&self) {
        self.0.notified().await
    }
}

pub struct Worker {
    db: DatabaseConnection,
    handlers: Arc<Handlers>,
    settings: JobSettings,
    metrics: Metrics,
    signal: JobSignal,
    name: String,
}

/// Delay before attempt `attempt + 1`: base·2^(attempt-1), capped, ±20% jitter.
pub fn backoff(settings: &JobSettings, attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let raw = settings
        .backoff_base
        .saturating_mul(2u32.saturating_pow(exponent));
    let capped = raw.min(settings.backoff_max);
    let jitter = rand::rng().random_range(0.8..=1.2);
    capped.mul_f64(jitter).min(settings.backoff_max)
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        handlers: Arc<Handlers>,
        settings: JobSettings,
        metrics: Metrics,
        signal: JobSignal,
    ) -> Self {
        let name = format!(
            "{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Worker {
            db,
            handlers,
            settings,
            metrics,
            signal,
            name,
        }
    }

    /// Runs until `shutdown` is cancelled, then waits up to `drain` for jobs
    /// in flight. Jobs still running after that keep their lease and are
    /// rescued by another worker once it expires.
    pub async fn run(self, shutdown: CancellationToken, drain: Duration) {
        let this = Arc::new(self);
        let permits = Arc::new(Semaphore::new(this.settings.concurrency));
        let mut tasks = JoinSet::new();
        let mut last_maintenance: Option<Instant> = None;
        let mut db_backoff = this.settings.poll_interval;
        tracing::info!(worker = %this.name, concurrency = this.settings.concurrency, "job worker started");

        while !shutdown.is_cancelled() {
            while tasks.try_join_next().is_some() {}
            if last_maintenance.is_none_or(|t| t.elapsed() >= MAINTENANCE_EVERY) {
                this.maintenance().await;
                last_maintenance = Some(Instant::now());
            }

            // Take the slots before claiming, so a worker never holds a claimed
            // job (whose lease is already running) without a slot to run it.
            let mut slots = Vec::new();
            while let Ok(permit) = permits.clone().try_acquire_owned() {
                slots.push(permit);
            }
            let free = slots.len();
            let mut claimed = 0;
            if free > 0 {
                let token = format!("{}:{}", this.name, uuid::Uuid::new_v4().simple());
                match queue::claim(&this.db, &token, free, this.settings.lease_grace).await {
                    Ok(jobs) => {
                        db_backoff = this.settings.poll_interval;
                        claimed = jobs.len();
                        for (job, permit) in jobs.into_iter().zip(slots.drain(..)) {
                            let worker = this.clone();
                            let token = token.clone();
                            tasks.spawn(async move {
                                worker.execute(job, &token).await;
                                drop(permit);
                            });
                        }
                        drop(slots);
                    }
                    Err(err) => {
                        drop(slots);
                        tracing::warn!(worker = %this.name, error = %err, "claiming jobs failed");
                        db_backoff = (db_backoff * 2).min(Duration::from_secs(30));
                        tokio::select! {
                            _ = shutdown.cancelled() => break,
                            _ = tokio::time::sleep(db_backoff) => {}
                        }
                        continue;
                    }
                }
            }
            if claimed > 0 && claimed == free {
                // There may be more due work; wait only for a free slot.
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    Some(_) = tasks.join_next() => {}
                }
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = this.signal.notified() => {}
                _ = tokio::time::sleep(this.settings.poll_interval) => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }

        let in_flight = tasks.len();
        if in_flight > 0 {
            tracing::info!(worker = %this.name, in_flight, "draining jobs before shutdown");
            let drained =
                tokio::time::timeout(drain, async { while tasks.join_next().await.is_some() {} })
                    .await;
            if drained.is_err() {
                tracing::warn!(worker = %this.name, left = tasks.len(), "drain timed out; unfinished jobs will be rescued when their lease expires");
                tasks.abort_all();
            }
        }
        tracing::info!(worker = %this.name, "job worker stopped");
    }

    async fn maintenance(&self) {
        match queue::rescue_expired(&self.db).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::warn!(worker = %self.name, rescued = n, "rescued jobs with expired leases")
            }
            Err(err) => tracing::warn!(worker = %self.name, error = %err, "rescuing jobs failed"),
        }
        let cutoff =
            queue::now_ms() - i64::try_from(KEEP_SUCCEEDED.as_millis()).unwrap_or(i64::MAX);
        if let Err(err) = queue::purge_succeeded(&self.db, cutoff).await {
            tracing::warn!(worker = %self.name, error = %err, "purging finished jobs failed");
        }
        if let Err(err) = crate::idempotency::purge_expired(&self.db).await {
            tracing::warn!(worker = %self.name, error = %err, "purging idempotency keys failed");
        }
        if let Err(err) = crate::identity::codes::purge(&self.db).await {
            tracing::warn!(worker = %self.name, error = ?err.code(), "purging sign-in codes failed");
        }
        let challenges = crate::identity::second_factor::store::purge_challenges;
        if let Err(err) = challenges(&self.db, chrono::Utc::now()).await {
            tracing::warn!(worker = %self.name, error = ?err.code(), "purging sign-in challenges failed");
        }
        if let Err(err) = crate::identity::sso::flow::purge(&self.db).await {
            tracing::warn!(worker = %self.name, error = ?err.code(), "purging single sign-ons failed");
        }
    }

    async fn execute(&self, job: queue::ClaimedJob, token: &str) {
        let span =
            tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
        self.execute_in_span(job, token).instrument(span).await
    }

    async fn execute_in_span(&self, job: queue::ClaimedJob, token: &str) {
        let outcome = self.run_handler(&job).await;
        let recorded = match &outcome {
            Ok(()) => {
                tracing::info!("job succeeded");
                self.metrics.job_finished(&job.kind, "succeeded");
                queue::complete(&self.db, job.id, token).await
            }
            Err(err) => {
                let permanent = matches!(err, JobError::Permanent(_));
                let retry_at = (!permanent && job.attempts < job.max_attempts).then(|| {
                    queue::now_ms()
                        + i64::try_from(backoff(&self.settings, job.attempts).as_millis())
                            .unwrap_or(i64::MAX / 2)
                });
                let outcome = if retry_at.is_some() {
                    "retried"
                } else {
                    "dead"
                };
                if retry_at.is_some() {
                    tracing::warn!(error = %err, "job failed; will retry");
                } else {
                    tracing::error!(error = %err, "job failed for the last time; dead-lettered");
                }
                self.metrics.job_finished(&job.kind, outcome);
                queue::fail(&self.db, job.id, token, &err.to_string(), retry_at).await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => tracing::warn!("job outcome not recorded: its lease had expired"),
            Err(err) => {
                tracing::error!(error = %err, "recording job outcome failed; the lease will expire and the job will be retried")
            }
        }
    }

    async fn run_handler(&self, job: &queue::ClaimedJob) -> Result<(), JobError> {
        let Some(handler) = self.handlers.get(&job.kind) else {
            return Err(JobError::Permanent(format!(
                "no handler for job kind `{}`",
                job.kind
            )));
        };
        let payload = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Permanent(format!("payload is not JSON: {e}")))?;
        let ctx = JobContext {
            id: job.id,
            kind: job.kind.clone(),
            attempt: job.attempts,
            max_attempts: job.max_attempts,
            payload,
            db: self.db.clone(),
        };
        let run = AssertUnwindSafe(tokio::time::timeout(job.timeout, handler.run(&ctx)));
        match run.catch_unwind().await {
            Ok(Ok(result)) => result,
            Ok(Err(_elapsed)) => Err(JobError::Retry(format!(
                "timed out after {} ms",
                job.timeout.as_millis()
            ))),
            Err(_panic) => Err(JobError::Retry("handler panicked".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> JobSettings {
        JobSettings {
            in_process_worker: true,
            concurrency: 1,
            poll_interval: Duration::from_millis(100),
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(60),
            lease_grace: Duration::from_secs(1),
        }
    }

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let s = settings();
        let first = backoff(&s, 1);
        assert!(first >= Duration::from_millis(1600) && first <= Duration::from_millis(2400));
        let third = backoff(&s, 3);
        assert!(third >= Duration::from_millis(6400) && third <= Duration::from_millis(9600));
        for attempt in [10, 31, 1000, i32::MAX] {
            assert!(backoff(&s, attempt) <= s.backoff_max);
        }
    }
}
