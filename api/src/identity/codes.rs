//! Passwordless sign-in for young people and kinship carers: a 6-digit code
//! by email, valid 10 minutes, at most 5 attempts, single use, stored as a
//! keyed hash. Asking for a code always gets the same reply, whether or not
//! the address has an account.

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{model::Email, sessions, store};
use crate::{
    auth::{constant_time_eq, tokens::TokenService},
    db::{
        begin_write,
        raw::{exec, query},
    },
    error::{AppError, AppResult},
    jobs::{self, mail::EmailJob},
    notifications::templates,
};

pub const CODE_TTL: Duration = Duration::minutes(10);
pub const MAX_ATTEMPTS: i32 = 5;

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
pub async fn request_code(
    db: &DatabaseConnection,
    tokens: &TokenService,
    email: &str,
    request_id: &str,
) -> AppResult<()> {
    let email = Email::parse("email", email)?;
    let Some(account) = store::account_by_email(db, &email).await? else {
        store::security_event(db, "sign_in_code_unknown_email", None, "", request_id).await?;
        return Ok(());
    };
    let passwordless = account.password_hash.is_none() && account.status == "active";
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
    let code = new_code();
    let txn = begin_write(db).await?;
    // A new code replaces any earlier one.
    exec(
        &txn,
        "UPDATE sign_in_codes SET consumed_at = $2 WHERE account_id = $1 AND consumed_at IS NULL",
        vec![account.id.into(), now.into()],
    )
    .await?;
    exec(
        &txn,
        "INSERT INTO sign_in_codes (id, account_id, code_hash, attempts, expires_at, created_at) \
         VALUES ($1, $2, $3, 0, $4, $5)",
        vec![
            Uuid::now_v7().into(),
            account.id.into(),
            code_hash(tokens, account.id, &code).into(),
            (now + CODE_TTL).into(),
            now.into(),
        ],
    )
    .await?;
    let rendered = templates::render(
        "sign_in_code",
        serde_json::json!({ "code": code, "minutes": CODE_TTL.num_minutes() }),
    )?;
    let email_job = EmailJob {
        to: account.email.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: Some(rendered.html),
        attachments: Vec::new(),
    };
    jobs::enqueue(
        &txn,
        email_job
            .into_job()?
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
    let id: Uuid = row.try_get_by_index(0)?;
    let stored: String = row.try_get_by_index(1)?;
    let attempts: i32 = row.try_get_by_index(2)?;
    let expires_at: chrono::DateTime<Utc> = row.try_get_by_index(3)?;
    let usable = attempts < MAX_ATTEMPTS && expires_at > now && account.status == "active";
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
    let session = sessions::start(&txn, tokens, &account, now, request_id).await?;
    txn.commit().await?;
    Ok(session)
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
