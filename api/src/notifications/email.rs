//! The `notification.email` job: renders and sends one notification by
//! email when the job runs, reading the notification, the recipient's
//! address and their current choices at that moment.

use async_trait::async_trait;

use super::{
    model::{self, Channel},
    service::Delivery,
    store, templates,
};
use crate::jobs::{
    JobContext, JobError, JobHandler,
    mail::{EmailJob, SendEmail},
};

pub struct EmailNotification {
    pub sender: SendEmail,
}

fn retry(err: crate::error::AppError) -> JobError {
    err.log();
    JobError::Retry(err.code().as_str().to_string())
}

#[async_trait]
impl JobHandler for EmailNotification {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let delivery: Delivery = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad delivery payload: {e}")))?;
        let Some(notification) = store::get(&job.db, delivery.notification_id)
            .await
            .map_err(retry)?
        else {
            tracing::debug!(
                job = job.id,
                "notification replaced or removed; nothing to send"
            );
            return Ok(());
        };
        if notification.read_at.is_some() && !notification.urgent {
            tracing::debug!(job = job.id, "already read in the app; email not needed");
            return Ok(());
        }
        // Honour the person's choice as it is now, not as it was when queued.
        let chosen = store::chosen_channels(&job.db, notification.person_id, notification.kind)
            .await
            .map_err(retry)?;
        if !model::effective_channels(notification.kind, &chosen).contains(&Channel::Email) {
            tracing::debug!(job = job.id, "email switched off for this kind; not sent");
            return Ok(());
        }
        let Some((address, given_name)) = store::recipient(&job.db, notification.person_id)
            .await
            .map_err(retry)?
        else {
            tracing::info!(
                job = job.id,
                "recipient has no active account; email not sent"
            );
            return Ok(());
        };
        let rendered = templates::render(
            "notification",
            serde_json::json!({
                "given_name": given_name,
                "title": notification.title,
                "body": notification.body,
                "urgent": notification.urgent,
            }),
        )
        .map_err(|e| {
            e.log();
            JobError::Permanent("rendering the notification email failed".into())
        })?;
        let email = EmailJob {
            to: address,
            subject: rendered.subject,
            text: rendered.text,
            html: Some(rendered.html),
            attachments: Vec::new(),
        };
        let message = self.sender.message(job.id, &email)?;
        self.sender.mailer.send(message).await
    }
}
