//! Emailing links (password reset here, invitations in
//! `identity::invitations::email`): the job holds only the row's id; it
//! makes the token when it sends, storing only its hash, so a retry after
//! a failed send makes a fresh token (the earlier one was never delivered)
//! and no token is ever in a job payload or at rest in clear.

use async_trait::async_trait;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{links, store};
use crate::{
    db::begin_write,
    error::AppError,
    jobs::{
        JobContext, JobError, JobHandler,
        mail::{EmailJob, SendEmail},
    },
    notifications::templates,
};

/// The job that makes and emails a password reset link.
pub const PASSWORD_RESET_EMAIL: &str = "password_reset.email";
/// A link with less time than this left is not worth sending.
const MIN_USEFUL: Duration = Duration::minutes(5);

/// Payload of a [`PASSWORD_RESET_EMAIL`] job: which link to send. Never
/// the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetEmailJob {
    pub token_id: Uuid,
}

/// Renders template `name` with `context` and sends it to `to` (each
/// attempt a Message-ID of its own: it carries a different token).
pub async fn send_rendered(
    sender: &SendEmail,
    job: &JobContext,
    to: String,
    name: &str,
    context: serde_json::Value,
) -> Result<(), JobError> {
    let rendered = templates::render(name, context).map_err(|e| {
        e.log();
        JobError::Permanent(format!("rendering the {name} email failed"))
    })?;
    let email = EmailJob {
        to,
        subject: rendered.subject,
        text: rendered.text,
        html: Some(rendered.html),
        attachments: Vec::new(),
    };
    let message = sender.message_with_id(&format!("job-{}-{}", job.id, job.attempt), &email)?;
    sender.mailer.send(message).await
}

/// The [`PASSWORD_RESET_EMAIL`] job.
pub struct PasswordResetEmail {
    pub sender: SendEmail,
    /// Where links point (`CLOSEKNIT_PUBLIC_URL`).
    pub public_url: String,
}

#[async_trait]
impl JobHandler for PasswordResetEmail {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let request: ResetEmailJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad password reset payload: {e}")))?;
        let txn = begin_write(&job.db).await.map_err(AppError::from)?;
        let Some((row, to)) = store::to_send(&txn, request.token_id).await? else {
            tracing::info!(
                job = job.id,
                "password reset link used or replaced; not sent"
            );
            return Ok(());
        };
        let left = row.expires_at - Utc::now();
        if left < MIN_USEFUL {
            tracing::info!(
                job = job.id,
                "password reset link about to expire; not sent"
            );
            return Ok(());
        }
        let (token, hash) = links::new_token();
        if !crate::identity::account::tokens::set_hash(&txn, row.id, &hash).await? {
            return Ok(());
        }
        txn.commit().await.map_err(AppError::from)?;
        let minutes = (left.num_seconds() + 30) / 60;
        send_rendered(
            &self.sender,
            job,
            to,
            "password_reset",
            serde_json::json!({
                "link": links::link(&self.public_url, "reset-password", &token),
                "minutes": minutes,
            }),
        )
        .await
    }
}
