//! The `notification.email` job: renders and sends one notification by
//! email when the job runs, reading the notification, the recipient's
//! address and their current choices at that moment, and any calendar
//! entry its subject carries as it stands then.

use async_trait::async_trait;

use super::{
    calendar::{self, CalendarSources, Invite},
    model::Channel,
    service::{self, Delivery},
    templates,
};
use crate::{
    identity::directory,
    jobs::{
        JobContext, JobError, JobHandler,
        mail::{EmailJob, SendEmail},
    },
};

pub struct EmailNotification {
    pub sender: SendEmail,
    /// Domains' calendar entries, attached as `.ics` invitations.
    pub calendars: CalendarSources,
}

#[async_trait]
impl JobHandler for EmailNotification {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let delivery: Delivery = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad delivery payload: {e}")))?;
        let Some(notification) =
            service::still_wanted(&job.db, delivery.notification_id, Channel::Email).await?
        else {
            tracing::debug!(
                job = job.id,
                "replaced, read in the app or email switched off; not sent"
            );
            return Ok(());
        };
        let Some((address, given_name)) =
            directory::email_recipient(&job.db, notification.person_id).await?
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
        let attachments = match self.calendars.entry(&job.db, &notification).await? {
            Some(entry) => vec![calendar::attachment(&Invite {
                entry: &entry,
                organizer: (
                    self.sender.from.email.as_ref(),
                    self.sender.from.name.as_deref().unwrap_or("Closeknit"),
                ),
                attendee: &address,
                stamp: chrono::Utc::now(),
            })],
            None => Vec::new(),
        };
        let email = EmailJob {
            to: address,
            subject: rendered.subject,
            text: rendered.text,
            html: Some(rendered.html),
            attachments,
        };
        let message = self.sender.message(job.id, &email)?;
        self.sender.mailer.send(message).await
    }
}
