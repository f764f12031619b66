//! The email inviting a young person or carer to the app. It holds no
//! code: it says how to get the app and that the person who added them
//! has a code for them. Its job holds only the activation token's id; an
//! invitation replaced, used or expired before the email went is not sent.

use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{model, store};
use crate::{
    jobs::{
        JobContext, JobError, JobHandler,
        mail::{EmailJob, SendEmail},
    },
    notifications::templates,
};

/// The job that emails an app invitation.
pub const APP_INVITE_EMAIL: &str = "app_invite.email";

/// Payload of an [`APP_INVITE_EMAIL`] job: which activation token the
/// invitation is for. Never the code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteEmailJob {
    pub token_id: Uuid,
}

/// The [`APP_INVITE_EMAIL`] job.
pub struct AppInviteEmail {
    pub sender: SendEmail,
}

#[async_trait]
impl JobHandler for AppInviteEmail {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let request: InviteEmailJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad app invitation payload: {e}")))?;
        let Some(invitee) =
            store::invitee(&job.db, request.token_id, model::PURPOSE, Utc::now()).await?
        else {
            tracing::info!(
                job = job.id,
                token = %request.token_id,
                "app invitation replaced, used or expired; email not sent"
            );
            return Ok(());
        };
        let rendered = templates::render(
            "app_invite",
            serde_json::json!({
                "given_name": invitee.given_name,
                "carer": invitee.carer,
                "days": model::ACTIVATION_TTL.num_days(),
            }),
        )
        .map_err(|e| {
            e.log();
            JobError::Permanent("rendering the app invitation email failed".into())
        })?;
        let email = EmailJob {
            to: invitee.email,
            subject: rendered.subject,
            text: rendered.text,
            html: Some(rendered.html),
            attachments: Vec::new(),
        };
        let message = self
            .sender
            .message_with_id(&format!("job-{}", job.id), &email)?;
        self.sender.mailer.send(message).await
    }
}

#[cfg(test)]
mod tests {
    use super::InviteEmailJob;
    use crate::notifications::templates;

    #[test]
    fn the_job_holds_the_token_id_only() {
        let payload = serde_json::to_value(InviteEmailJob {
            token_id: uuid::Uuid::nil(),
        })
        .unwrap();
        let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["token_id"]);
    }

    #[test]
    fn the_invitation_says_who_has_the_code_and_holds_none() {
        for carer in [false, true] {
            let email = templates::render(
                "app_invite",
                serde_json::json!({"given_name": "Sam", "carer": carer, "days": 7}),
            )
            .unwrap();
            assert_eq!(email.subject, "You have been invited to the Closeknit app");
            for part in [&email.text, &email.html] {
                assert!(part.contains("Sam") && part.contains("7 days"), "{part}");
                assert!(part.contains("activation code"), "{part}");
                assert!(!part.contains("code is "), "{part}");
            }
            let who = if carer {
                "the person who added you"
            } else {
                "your key worker or personal adviser"
            };
            assert!(email.text.contains(who), "{}", email.text);
        }
    }
}
