//! Passwordless sign-in for young people and kinship carers: a 6-digit code
//! by email, valid 10 minutes from the request, at most 5 attempts, single
//! use, stored as a keyed hash. Asking for a code always gets the same reply,
//! whether or not the address has an account.
//!
//! The code exists in clear only in memory and in the email: the request
//! stores a code row (a placeholder hash) and queues a
//! [`SIGN_IN_CODE_EMAIL`] job holding that row's id; the job makes the code
//! when it sends, storing its hash then. A retry after a failed send makes a
//! fresh code (the earlier one was never delivered; only the latest works),
//! keeping the request's expiry and attempt count. A request that expired,
//! was used up or was replaced before the email went is not sent at all.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{model::Email, sessions, store};
use crate::identity::model::AccountStatus;
use crate::{
    auth::{constant_time_eq, tokens::TokenService},
    db::{
        begin_write,
        raw::{exec, query},
        rows::get,
    },
    error::{AppError, AppResult},
    jobs::{
        self, JobContext, JobError, JobHandler,
        mail::{EmailJob, SendEmail},
    },
    notifications::templates,
};

pub const CODE_TTL: Duration = Duration::minutes(10);
pub const MAX_ATTEMPTS: i32 = 5;
/// The job that makes and emails a requested code.
pub const SIGN_IN_CODE_EMAIL: &str = "sign_in_code.email";
/// The stored hash of a code not yet made: no code hashes to it.
const PENDING: &str = "pending";
/// A code with less time than this left is not worth sending.
const MIN_USEFUL: Duration = Duration::minutes(2);

fn code_hash(tokens: &TokenService, account_id: Uuid, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tokens.derived_secret("sign-in-code"));
    hasher.update(account_id.as_bytes());
    hasher.update(code.as_bytes());
    format!("{:x}", hasher.finalize())
}

fn new_code() -> String {
    format!("{:06}", rand::random_range(0..1_000_000u32))
}

/// Sends a code if the address belongs to an active passwordless account.
/// The caller always tells the user the same thing.
pub async fn request_code(db: &DatabaseConnection, email: &str, request_id: &str) -> AppResult<()> {
    let email = Email::parse("email", email)?;
    let Some(account) = store::account_by_email(db, &email).await? else {
        store::security_event(db, "sign_in_code_unknown_email", None, "", request_id).await?;
        return Ok(());
    };
    // Staff who sign in through their organisation's identity provider
    // (no password either) do not get codes: that would go round it.
    let passwordless = account.password_hash.is_none()
        && account.status == AccountStatus::Active.as_str()
        && !super::sso::store::has_external_identity(db, account.id).await?;
    if !passwordless {
        store::security_event(
            db,
            "sign_in_code_refused",
            Some(account.id),
            "not an active passwordless account",
            request_id,
        )
        .await?;
        return Ok(());
    }
    let now = Utc::now();
    let code_id = Uuid::now_v7();
    let txn = begin_write(db).await?;
    // A new request replaces any earlier code (sent or not yet sent).
    exec(
        &txn,
        "UPDATE sign_in_codes SET consumed_at = $2 WHERE account_id = $1 AND consumed_at IS NULL",
        vec![account.id.into(), now.into()],
    )
    .await?;
    // The code itself is made when the email is sent (see [`SignInCodeEmail`]):
    // until then the row holds a placeholder no code matches, and the job
    // holds only this row's id.
    exec(
        &txn,
        "INSERT INTO sign_in_codes (id, account_id, code_hash, attempts, expires_at, created_at) \
         VALUES ($1, $2, $3, 0, $4, $5)",
        vec![
            code_id.into(),
            account.id.into(),
            PENDING.into(),
            (now + CODE_TTL).into(),
            now.into(),
        ],
    )
    .await?;
    jobs::enqueue(
        &txn,
        jobs::NewJob::new(SIGN_IN_CODE_EMAIL, CodeEmailJob { code_id })?
            .max_attempts(5)
            .timeout(std::time::Duration::from_secs(30)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Exchanges a code for a session. Wrong, expired, used or exhausted codes
/// are all the same `UNAUTHENTICATED`.
pub async fn sign_in_with_code(
    db: &DatabaseConnection,
    tokens: &TokenService,
    email: &str,
    code: &str,
    request_id: &str,
) -> AppResult<sessions::Session> {
    let email = Email::parse("email", email)?;
    let code = code.trim();
    let Some(account) = store::account_by_email(db, &email).await? else {
        return Err(AppError::Unauthenticated);
    };
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let rows = query(
        &txn,
        "SELECT id, code_hash, attempts, expires_at FROM sign_in_codes \
         WHERE account_id = $1 AND consumed_at IS NULL ORDER BY created_at DESC LIMIT 1",
        vec![account.id.into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        store::security_event(
            &txn,
            "sign_in_code_failed",
            Some(account.id),
            "no outstanding code",
            request_id,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    let id: Uuid = get(row, "id")?;
    let stored: String = get(row, "code_hash")?;
    let attempts: i32 = get(row, "attempts")?;
    let expires_at: chrono::DateTime<Utc> = get(row, "expires_at")?;
    let usable = attempts < MAX_ATTEMPTS
        && expires_at > now
        && account.status == AccountStatus::Active.as_str();
    if !usable
        || !constant_time_eq(
            stored.as_bytes(),
            code_hash(tokens, account.id, code).as_bytes(),
        )
    {
        let attempts = attempts + 1;
        exec(
            &txn,
            "UPDATE sign_in_codes SET attempts = $2, consumed_at = CASE WHEN $2 >= $3 THEN $4 ELSE consumed_at END \
             WHERE id = $1",
            vec![id.into(), attempts.into(), MAX_ATTEMPTS.into(), now.into()],
        )
        .await?;
        store::security_event(
            &txn,
            "sign_in_code_failed",
            Some(account.id),
            "",
            request_id,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    exec(
        &txn,
        "UPDATE sign_in_codes SET consumed_at = $2 WHERE id = $1",
        vec![id.into(), now.into()],
    )
    .await?;
    let session = sessions::start(
        &txn,
        tokens,
        &account,
        now,
        request_id,
        super::model::SignInMethod::EmailCode,
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Payload of a [`SIGN_IN_CODE_EMAIL`] job: which request to send a code
/// for. Never the code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeEmailJob {
    pub code_id: Uuid,
}

/// A code made for sending: in clear only here and in the email.
struct CodeToSend {
    to: String,
    code: String,
    minutes: i64,
}

/// Makes a fresh code for request `code_id` and stores its hash, if the
/// request is still the account's outstanding one, has time left and the
/// account is still an active passwordless one. Any code made earlier for
/// the request (an attempt whose email failed) stops working.
async fn make_code_for_sending(
    db: &DatabaseConnection,
    tokens: &TokenService,
    code_id: Uuid,
) -> AppResult<Option<CodeToSend>> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let rows = query(
        &txn,
        "SELECT c.account_id, c.expires_at, a.email FROM sign_in_codes c \
         JOIN accounts a ON a.id = c.account_id \
         WHERE c.id = $1 AND c.consumed_at IS NULL \
           AND a.status = 'active' AND a.password_hash IS NULL",
        vec![code_id.into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let account_id: Uuid = get(row, "account_id")?;
    let expires_at: DateTime<Utc> = get(row, "expires_at")?;
    let to: String = get(row, "email")?;
    let left = expires_at - now;
    if left < MIN_USEFUL {
        return Ok(None);
    }
    let code = new_code();
    let updated = exec(
        &txn,
        "UPDATE sign_in_codes SET code_hash = $2 WHERE id = $1 AND consumed_at IS NULL",
        vec![code_id.into(), code_hash(tokens, account_id, &code).into()],
    )
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(None);
    }
    txn.commit().await?;
    // Rounded to the nearest minute: a code sent at once says "10 minutes".
    let minutes = (left.num_seconds() + 30) / 60;
    Ok(Some(CodeToSend { to, code, minutes }))
}

/// The [`SIGN_IN_CODE_EMAIL`] job: makes the code and emails it.
pub struct SignInCodeEmail {
    pub sender: SendEmail,
    /// Keys the stored hash (every instance sharing the signing key agrees).
    pub tokens: Arc<TokenService>,
}

#[async_trait]
impl JobHandler for SignInCodeEmail {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let request: CodeEmailJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad sign-in code payload: {e}")))?;
        let Some(made) = make_code_for_sending(&job.db, &self.tokens, request.code_id).await?
        else {
            tracing::info!(
                job = job.id,
                code_request = %request.code_id,
                "sign-in code request expired, used up or replaced; email not sent"
            );
            return Ok(());
        };
        let rendered = templates::render(
            "sign_in_code",
            serde_json::json!({ "code": made.code, "minutes": made.minutes }),
        )
        .map_err(|e| {
            e.log();
            JobError::Permanent("rendering the sign-in code email failed".into())
        })?;
        let email = EmailJob {
            to: made.to,
            subject: rendered.subject,
            text: rendered.text,
            html: Some(rendered.html),
            attachments: Vec::new(),
        };
        // Each attempt carries a different code, so a different Message-ID:
        // a mail system that drops duplicates must not drop the retry.
        let message = self
            .sender
            .message_with_id(&format!("job-{}-{}", job.id, job.attempt), &email)?;
        self.sender.mailer.send(message).await
    }
}

/// Deletes codes that can no longer be used (kept a day for investigations).
pub async fn purge(db: &impl ConnectionTrait) -> AppResult<u64> {
    let cutoff = Utc::now() - Duration::days(1);
    let result = exec(
        db,
        "DELETE FROM sign_in_codes WHERE expires_at < $1",
        vec![cutoff.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn the_email_says_what_to_do_in_plain_words() {
        let email = templates::render(
            "sign_in_code",
            serde_json::json!({ "code": "123456", "minutes": CODE_TTL.num_minutes() }),
        )
        .unwrap();
        assert_eq!(email.subject, "Your Closeknit sign-in code");
        for part in [&email.text, &email.html] {
            assert!(part.contains("123456") && part.contains("10 minutes"));
        }
    }
}
