//! The mail transport and the `email.send` job. With an SMTP URL the worker
//! sends over SMTP (lettre, pooled connections); without one each message is
//! written as an `.eml` file to the outbox folder and logged, so a fresh
//! machine works with nothing installed.

use std::{path::PathBuf, time::Duration};

use async_trait::async_trait;
use lettre::transport::smtp::PoolConfig;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
};
use serde::{Deserialize, Serialize};

use super::{JobContext, JobError, JobHandler, NewJob};
use crate::config::MailSettings;

pub const SEND_EMAIL: &str = "email.send";

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files { dir, .. } => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

impl Mailer {
    /// `connections` bounds the SMTP pool: one per job a worker runs at once.
    pub fn from_settings(settings: &MailSettings, connections: usize) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("CLOSEKNIT_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .pool_config(
                        PoolConfig::new()
                            .max_size(u32::try_from(connections.max(1)).unwrap_or(u32::MAX)),
                    )
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                    anyhow::anyhow!(
                        "CLOSEKNIT_MAIL_DIR: cannot create {}: {e}",
                        settings.outbox_dir.display()
                    )
                })?;
                Ok(Mailer::Files {
                    transport: AsyncFileTransport::new(&settings.outbox_dir),
                    dir: settings.outbox_dir.clone(),
                })
            }
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), JobError> {
        match self {
            Mailer::Smtp(transport) => match transport.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(JobError::Permanent(format!("smtp: {e}"))),
                Err(e) => Err(JobError::Retry(format!("smtp: {e}"))),
            },
            Mailer::Files { transport, dir } => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|e| JobError::Retry(format!("writing mail file: {e}")))?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "mail written to the outbox folder (no SMTP configured)");
                Ok(())
            }
        }
    }
}

/// Payload of an `email.send` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailJob {
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EmailAttachment>,
}

/// A file attached to an email (a calendar invitation, say).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmailAttachment {
    pub filename: String,
    /// e.g. `text/calendar; charset=utf-8; method=PUBLISH`.
    pub content_type: String,
    pub content: String,
}

impl EmailJob {
    pub fn into_job(self) -> Result<NewJob, sea_orm::DbErr> {
        NewJob::new(SEND_EMAIL, self)
    }
}

pub struct SendEmail {
    pub mailer: Mailer,
    pub from: Mailbox,
    /// Domain part of generated `Message-ID`s.
    pub message_id_domain: String,
}

impl SendEmail {
    pub fn new(mailer: Mailer, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("CLOSEKNIT_MAIL_FROM: {e}"))?;
        let message_id_domain = from.email.domain().to_string();
        Ok(SendEmail {
            mailer,
            from,
            message_id_domain,
        })
    }

    /// The message for a job. Its `Message-ID` is derived from the job id, so
    /// a retried delivery carries the same id and duplicates are detectable.
    pub fn message(&self, job_id: i64, email: &EmailJob) -> Result<Message, JobError> {
        self.message_with_id(&format!("job-{job_id}"), email)
    }

    /// The message with `Message-ID` `<{local}@{sender's domain}>`.
    pub fn message_with_id(&self, local: &str, email: &EmailJob) -> Result<Message, JobError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| JobError::Permanent(format!("bad recipient address: {e}")))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{local}@{}>", self.message_id_domain)));
        let body = match &email.html {
            Some(html) => MultiPart::alternative_plain_html(email.text.clone(), html.clone()),
            None => MultiPart::mixed().singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.text.clone()),
            ),
        };
        let built = if email.attachments.is_empty() && email.html.is_none() {
            builder
                .header(ContentType::TEXT_PLAIN)
                .body(email.text.clone())
        } else if email.attachments.is_empty() {
            builder.multipart(body)
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for file in &email.attachments {
                let content_type = ContentType::parse(&file.content_type)
                    .map_err(|e| JobError::Permanent(format!("attachment content type: {e}")))?;
                mixed = mixed.singlepart(
                    Attachment::new(file.filename.clone()).body(file.content.clone(), content_type),
                );
            }
            builder.multipart(mixed)
        };
        built.map_err(|e| JobError::Permanent(format!("building message: {e}")))
    }
}

#[async_trait]
impl JobHandler for SendEmail {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let email: EmailJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad email payload: {e}")))?;
        let message = self.message(job.id, &email)?;
        self.mailer.send(message).await
    }
}
