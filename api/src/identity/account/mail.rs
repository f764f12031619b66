//! Email-change emails. The code to the new address is made when its email
//! is sent (as sign-in codes are: the job holds only the token's id, and a
//! retry makes a fresh code); the notice to the current address holds no
//! code. A request replaced, used or expired before its email went is not
//! sent.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{service, store, tokens};
use crate::{
    auth::tokens::TokenService,
    db::begin_write,
    error::AppResult,
    jobs::{
        JobContext, JobError, JobHandler,
        mail::{EmailJob, SendEmail},
    },
    notifications::templates,
};

/// The job that makes and emails an email-change code to the new address.
pub const EMAIL_CHANGE_CODE: &str = "email_change.code";
/// The job that tells the current address a change was asked for.
pub const EMAIL_CHANGE_NOTICE: &str = "email_change.notice";
/// A code with less time than this left is not worth sending.
const MIN_USEFUL: Duration = Duration::minutes(2);

/// Payload of both jobs: which request. Never a code or an address.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailChangeJob {
    pub token_id: Uuid,
}

fn payload(job: &JobContext) -> Result<EmailChangeJob, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Permanent(format!("bad email change payload: {e}")))
}

async fn send(
    sender: &SendEmail,
    job: &JobContext,
    template: &str,
    to: String,
    context: serde_json::Value,
) -> Result<(), JobError> {
    let rendered = templates::render(template, context).map_err(|e| {
        e.log();
        JobError::Permanent(format!("rendering {template} failed"))
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

/// A code made for the new address: in clear only here and in the email.
struct CodeToSend {
    to: String,
    code: String,
    minutes: i64,
}

async fn make_code(
    db: &sea_orm::DatabaseConnection,
    tokens_: &TokenService,
    token: Uuid,
) -> AppResult<Option<CodeToSend>> {
    let txn = begin_write(db).await?;
    let Some(found) = store::change_addresses(&txn, token, service::PURPOSE).await? else {
        return Ok(None);
    };
    let left = found.expires_at - Utc::now();
    if left < MIN_USEFUL {
        return Ok(None);
    }
    let code = service::new_code();
    let hash = service::code_hash(tokens_, found.account_id, &code);
    if !tokens::set_hash(&txn, token, &hash).await? {
        return Ok(None);
    }
    txn.commit().await?;
    Ok(Some(CodeToSend {
        to: found.new_email,
        code,
        minutes: (left.num_seconds() + 30) / 60,
    }))
}

/// The [`EMAIL_CHANGE_CODE`] job.
pub struct EmailChangeCode {
    pub sender: SendEmail,
    pub tokens: Arc<TokenService>,
}

#[async_trait]
impl JobHandler for EmailChangeCode {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let request = payload(job)?;
        let Some(made) = make_code(&job.db, &self.tokens, request.token_id).await? else {
            tracing::info!(
                job = job.id,
                "email change request used, replaced or expired; code not sent"
            );
            return Ok(());
        };
        send(
            &self.sender,
            job,
            "email_change_code",
            made.to,
            serde_json::json!({ "code": made.code, "minutes": made.minutes }),
        )
        .await
    }
}

/// The [`EMAIL_CHANGE_NOTICE`] job.
pub struct EmailChangeNotice {
    pub sender: SendEmail,
}

#[async_trait]
impl JobHandler for EmailChangeNotice {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let request = payload(job)?;
        let Some(found) =
            store::change_addresses(&job.db, request.token_id, service::PURPOSE).await?
        else {
            tracing::info!(
                job = job.id,
                "email change request no longer open; notice not sent"
            );
            return Ok(());
        };
        send(
            &self.sender,
            job,
            "email_change_notice",
            found.current,
            serde_json::json!({}),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::EmailChangeJob;
    use crate::notifications::templates;

    #[test]
    fn the_jobs_hold_the_request_id_only() {
        let payload = serde_json::to_value(EmailChangeJob {
            token_id: uuid::Uuid::nil(),
        })
        .unwrap();
        let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["token_id"]);
    }

    #[test]
    fn the_code_goes_in_the_code_email_and_the_notice_holds_none() {
        let email = templates::render(
            "email_change_code",
            serde_json::json!({"code": "123456", "minutes": 30}),
        )
        .unwrap();
        for part in [&email.text, &email.html] {
            assert!(
                part.contains("123456") && part.contains("30 minutes"),
                "{part}"
            );
        }
        let notice = templates::render("email_change_notice", serde_json::json!({})).unwrap();
        assert_eq!(
            notice.subject,
            "Someone asked to change your Closeknit email address"
        );
        assert!(!notice.text.contains("code is") && notice.text.contains("key worker"));
    }
}
