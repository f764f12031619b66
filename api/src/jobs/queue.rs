//! The job queue's SQL. Statements are written once with `$n` placeholders
//! and rewritten to SQLite's `?n`; only the claim differs between backends.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

use super::{JobState, NewJob};
use crate::db::{
    claim::Claim,
    raw::{exec, query},
};

/// Milliseconds since the Unix epoch, the queue's clock.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Writes a job. Pass the transaction of the change that causes the job so
/// that both commit or neither does. Returns the job id.
pub async fn enqueue(db: &impl ConnectionTrait, job: NewJob) -> Result<i64, DbErr> {
    let now = now_ms();
    let rows = query(
        db,
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, timeout_ms, run_at_ms, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6, $6) RETURNING id",
        vec![
            job.kind.into(),
            job.payload.to_string().into(),
            job.max_attempts.into(),
            millis(job.timeout).into(),
            job.run_at_ms.unwrap_or(now).into(),
            now.into(),
        ],
    )
    .await?;
    rows.first()
        .ok_or_else(|| DbErr::RecordNotInserted)?
        .try_get::<i64>("", "id")
}

/// A claimed job as the claim's `RETURNING` list gives it.
#[derive(FromQueryResult)]
struct ClaimRow {
    id: i64,
    kind: String,
    payload: String,
    attempts: i32,
    max_attempts: i32,
    timeout_ms: i64,
}

impl From<ClaimRow> for ClaimedJob {
    fn from(row: ClaimRow) -> Self {
        let timeout_ms = u64::try_from(row.timeout_ms).unwrap_or_else(|_| {
            // Never written (enqueue stores a Duration's milliseconds): a
            // data bug. Logged; the job then times out at once, so it fails
            // and ends dead where operators see it, without holding up the
            // other jobs claimed with it.
            tracing::error!(
                job = row.id,
                timeout_ms = row.timeout_ms,
                "job has a negative timeout"
            );
            0
        });
        ClaimedJob {
            id: row.id,
            kind: row.kind,
            payload: row.payload,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            timeout: Duration::from_millis(timeout_ms),
        }
    }
}

/// A job claimed by a worker.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub timeout: Duration,
}

/// Claims up to `limit` due jobs for `claim_token`, marking them running
/// with a lease of the job's timeout plus `grace`.
pub async fn claim(
    db: &impl ConnectionTrait,
    claim_token: &str,
    limit: usize,
    grace: Duration,
) -> Result<Vec<ClaimedJob>, DbErr> {
    let sql = Claim {
        table: "jobs",
        key: &["id"],
        due: "SELECT id FROM jobs WHERE state = 'queued' AND run_at_ms <= $2 \
              ORDER BY run_at_ms, id LIMIT $4",
        lock_of: None,
        set: "state = 'running', attempts = attempts + 1, locked_by = $1, \
              locked_at_ms = $2, lease_until_ms = $2 + timeout_ms + $3, updated_at_ms = $2",
        returning: "id, kind, payload, attempts, max_attempts, timeout_ms",
    }
    .sql(db.get_database_backend());
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = query(
        db,
        &sql,
        vec![
            claim_token.into(),
            now_ms().into(),
            millis(grace).into(),
            limit.into(),
        ],
    )
    .await?;
    rows.iter()
        .map(|row| Ok(ClaimRow::from_query_result(row, "")?.into()))
        .collect()
}

/// Marks a claimed job succeeded and drops its payload: a payload can carry
/// personal data (an email's address and body, a sign-in code) that is not
/// needed once the work is done. Dead jobs keep theirs for inspection and
/// retry. False when the claim was lost (the lease expired and another
/// worker took the job).
pub async fn complete(
    db: &impl ConnectionTrait,
    id: i64,
    claim_token: &str,
) -> Result<bool, DbErr> {
    let now = now_ms();
    let result = exec(
        db,
        "UPDATE jobs SET state = 'succeeded', payload = '{}', finished_at_ms = $1, updated_at_ms = $1, \
         locked_by = NULL, lease_until_ms = NULL, last_error = NULL \
         WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        vec![now.into(), id.into(), claim_token.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records a failure: back to `queued` at `retry_at_ms`, or `dead` when
/// `retry_at_ms` is `None`. False when the claim was lost.
pub async fn fail(
    db: &impl ConnectionTrait,
    id: i64,
    claim_token: &str,
    error: &str,
    retry_at_ms: Option<i64>,
) -> Result<bool, DbErr> {
    let now = now_ms();
    let (state, run_at, finished) = match retry_at_ms {
        Some(at) => (JobState::Queued, Some(at), None),
        None => (JobState::Dead, None, Some(now)),
    };
    let error: String = error.chars().take(2000).collect();
    let result = exec(
        db,
        "UPDATE jobs SET state = $1, run_at_ms = COALESCE($2, run_at_ms), last_error = $3, \
         locked_by = NULL, locked_at_ms = NULL, lease_until_ms = NULL, updated_at_ms = $4, \
         finished_at_ms = $5 WHERE id = $6 AND locked_by = $7 AND state = 'running'",
        vec![
            state.as_str().into(),
            run_at.into(),
            error.into(),
            now.into(),
            finished.into(),
            id.into(),
            claim_token.into(),
        ],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Returns jobs whose lease expired (their worker crashed or was killed) to
/// the queue, or to `dead` when they have no attempts left. Returns how many.
pub async fn rescue_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let now = now_ms();
    let result = exec(
        db,
        "UPDATE jobs SET \
         state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
         finished_at_ms = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, \
         last_error = 'lease expired: the worker running this job stopped or crashed', \
         locked_by = NULL, locked_at_ms = NULL, lease_until_ms = NULL, run_at_ms = $1, updated_at_ms = $1 \
         WHERE state = 'running' AND lease_until_ms < $1",
        vec![now.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

/// Puts a dead job back in the queue with fresh attempts (an operator's retry).
pub async fn retry_dead(db: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    let now = now_ms();
    let result = exec(
        db,
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at_ms = $1, updated_at_ms = $1, \
         finished_at_ms = NULL WHERE id = $2 AND state = 'dead'",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes succeeded jobs finished before `before_ms`. Dead jobs are kept
/// for operators to inspect.
pub async fn purge_succeeded(db: &impl ConnectionTrait, before_ms: i64) -> Result<u64, DbErr> {
    let result = exec(
        db,
        "DELETE FROM jobs WHERE state = 'succeeded' AND finished_at_ms < $1",
        vec![before_ms.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

pub async fn counts(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DbErr> {
    let rows = query(
        db,
        "SELECT state, COUNT(*) AS jobs FROM jobs GROUP BY state",
        vec![],
    )
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "state")?, row.try_get("", "jobs")?)))
        .collect()
}

/// A dead job as operators see it (never its payload: it may hold
/// personal data).
#[derive(Debug, Clone, FromQueryResult)]
pub struct DeadJob {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub failed_at_ms: Option<i64>,
}

/// Dead jobs, newest first, optionally of one kind.
pub async fn dead_page(
    db: &impl ConnectionTrait,
    before_id: Option<i64>,
    limit: u64,
    kind: Option<&str>,
) -> Result<Vec<DeadJob>, DbErr> {
    let rows = query(
        db,
        "SELECT id, kind, attempts, max_attempts, last_error, created_at_ms, \
         finished_at_ms AS failed_at_ms FROM jobs WHERE state = 'dead' AND ($1 IS NULL OR id < $1) AND ($2 IS NULL OR kind = $2) \
         ORDER BY id DESC LIMIT $3",
        vec![
            before_id.into(),
            kind.map(str::to_string).into(),
            i64::try_from(limit).unwrap_or(i64::MAX).into(),
        ],
    )
    .await?;
    rows.iter()
        .map(|r| DeadJob::from_query_result(r, ""))
        .collect()
}

/// One job's state, attempts and last error (for tests and operators).
pub async fn status(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<(String, i32, Option<String>)>, DbErr> {
    let rows = query(
        db,
        "SELECT state, attempts, last_error FROM jobs WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    rows.first()
        .map(|row| {
            Ok((
                row.try_get("", "state")?,
                row.try_get("", "attempts")?,
                row.try_get("", "last_error")?,
            ))
        })
        .transpose()
}
