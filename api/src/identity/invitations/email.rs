//! The invitation email: the job holds the invitation's id and the end of
//! the period it was queued for, never a token. It makes the token when it
//! sends and stores only its hash; a retry makes a fresh one (the earlier
//! was never delivered). An invitation accepted, revoked, or resent since
//! (a newer period, with its own job) is not sent.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{model::words, store};
use crate::{
    db::begin_write,
    error::AppError,
    identity::{
        passwords::{email::send_rendered, links},
        store as identity,
    },
    jobs::{JobContext, JobError, JobHandler, mail::SendEmail},
};

/// The job that makes and emails an invitation link.
pub const INVITATION_EMAIL: &str = "invitation.email";

/// Payload of an [`INVITATION_EMAIL`] job. Never the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvitationEmailJob {
    pub invitation_id: Uuid,
    /// When the period this email is for ends.
    pub expires_at: DateTime<Utc>,
}

/// The [`INVITATION_EMAIL`] job.
pub struct InvitationEmail {
    pub sender: SendEmail,
    /// Where links point (`CLOSEKNIT_PUBLIC_URL`).
    pub public_url: String,
}

#[async_trait]
impl JobHandler for InvitationEmail {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let request: InvitationEmailJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad invitation payload: {e}")))?;
        let txn = begin_write(&job.db).await.map_err(AppError::from)?;
        let row = store::by_id(&txn, request.invitation_id).await?;
        let Some(row) = row.filter(|r| {
            r.accepted_at.is_none()
                && r.revoked_at.is_none()
                && r.expires_at > Utc::now()
                // Stored timestamps may lose sub-microsecond precision.
                && (r.expires_at - request.expires_at).num_milliseconds().abs() < 1
        }) else {
            tracing::info!(
                job = job.id,
                "invitation accepted, revoked, expired or resent; not sent"
            );
            return Ok(());
        };
        let organisation = identity::organisation(&txn, row.organisation_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let (token, hash) = links::new_token();
        if !store::set_hash(&txn, row.id, &hash).await? {
            return Ok(());
        }
        txn.commit().await.map_err(AppError::from)?;
        let roles: Vec<String> = row.roles.iter().map(|r| words(r.as_str())).collect();
        send_rendered(
            &self.sender,
            job,
            row.email,
            "invitation",
            serde_json::json!({
                "link": links::link(&self.public_url, "invitation", &token),
                "organisation": organisation,
                "given_name": row.given_name,
                "roles": roles.join(", "),
                "expires": row.expires_at.format("%-d %B %Y at %H:%M UTC").to_string(),
            }),
        )
        .await
    }
}
