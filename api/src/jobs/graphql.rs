//! GraphQL for operators: inspect dead jobs and put them back in the queue
//! (platform admins). Payloads are never shown: they may hold personal data.

use async_graphql::{Context, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::queue::{self, DeadJob};
use crate::audit::AuditAction;
use crate::paging::PageRequest;
use crate::{
    audit::{self, AuditEntry},
    db::begin_write,
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost},
    },
    policy::{self, Action, Target},
};

/// A background job that used up its attempts (or failed permanently).
#[derive(SimpleObject)]
pub struct DeadJobInfo {
    /// The job's number in the queue.
    pub job_id: String,
    /// e.g. `email.send`, `notification.email`.
    pub kind: String,
    pub attempts: i32,
    pub max_attempts: i32,
    /// The last failure, as the handler reported it.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// A stored time in milliseconds; one no date can hold is a data bug.
fn at(ms: i64) -> AppResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("stored job time {ms} ms is out of range"))
    })
}

impl TryFrom<DeadJob> for DeadJobInfo {
    type Error = AppError;

    fn try_from(job: DeadJob) -> AppResult<Self> {
        Ok(DeadJobInfo {
            job_id: job.id.to_string(),
            kind: job.kind,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error,
            created_at: at(job.created_at_ms)?,
            failed_at: job.failed_at_ms.map(at).transpose()?,
        })
    }
}

#[derive(InputObject)]
pub struct RetryDeadJobInput {
    pub job_id: String,
}

#[derive(SimpleObject)]
pub struct RetryDeadJobPayload {
    pub job_id: String,
    /// `queued` again, with fresh attempts.
    pub state: String,
}

fn job_id(raw: &str) -> AppResult<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::bad_input("jobId", "is not a job number"))
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// Dead jobs, newest first, optionally of one kind (platform admins).
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn dead_jobs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kind: Option<String>,
    ) -> async_graphql::Result<Connection<String, DeadJobInfo>> {
        let request = RequestCtx::get(ctx)?;
        policy::authorize(&request.viewer, Action::ManageJobs, &Target::platform())?;
        let page = PageRequest::new(first, after)?;
        let before = page.after_key::<i64>()?;
        let rows = queue::dead_page(&request.db, before, page.fetch_limit(), kind.as_deref())
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(DeadJobInfo::try_from)
            .collect::<AppResult<Vec<_>>>()?;
        Ok(connection(&page, rows, |j| j.job_id.clone(), |j| j))
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Puts a dead job back in the queue with fresh attempts (platform
    /// admins). A job that is not dead is a CONFLICT.
    async fn retry_dead_job(
        &self,
        ctx: &Context<'_>,
        input: RetryDeadJobInput,
    ) -> async_graphql::Result<RetryDeadJobPayload> {
        let request = RequestCtx::get(ctx)?;
        policy::authorize(&request.viewer, Action::ManageJobs, &Target::platform())?;
        let (admin, _) = request.viewer.account()?;
        let id = job_id(&input.job_id)?;
        let txn = begin_write(&request.db).await?;
        if !queue::retry_dead(&txn, id).await.map_err(AppError::from)? {
            return Err(
                match queue::status(&txn, id).await.map_err(AppError::from)? {
                    None => AppError::NotFound { entity: "Job" },
                    Some((state, _, _)) => {
                        AppError::conflict(format!("The job is {state}, not dead."))
                    }
                }
                .into(),
            );
        }
        let field = format!("job:{id}");
        audit::record(
            &txn,
            AuditEntry {
                actor_account: Some(admin),
                record_type: "Job",
                fields: &[field.as_str()],
                ..AuditEntry::new(AuditAction::JobRetry, &request.request_id)
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(RetryDeadJobPayload {
            job_id: id.to_string(),
            state: "queued".into(),
        })
    }
}
