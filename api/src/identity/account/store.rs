//! Queries for a person's own account: their sessions (refresh-token
//! families) and their sign-in address.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
    identity::model::{Email, SignInMethod},
};

/// Records how a session began, on its first refresh token (called by
/// `sessions::start`).
pub async fn mark_sign_in_method(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    method: SignInMethod,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE refresh_tokens SET sign_in_method = $2 WHERE family_id = $1",
        vec![session_id.into(), method.as_str().into()],
    )
    .await?;
    Ok(())
}

/// A live session of an account.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: Uuid,
    pub signed_in_at: DateTime<Utc>,
    /// When its tokens were last refreshed (or issued).
    pub last_used_at: DateTime<Utc>,
    pub method: Option<SignInMethod>,
}

/// The account's live sessions (a token neither revoked nor expired),
/// newest first.
pub async fn live_sessions(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<SessionRow>> {
    let rows = query(
        db,
        "SELECT family_id, MIN(issued_at) AS signed_in_at, MAX(issued_at) AS last_used_at, \
         MAX(sign_in_method) AS method FROM refresh_tokens \
         WHERE account_id = $1 \
         GROUP BY family_id \
         HAVING SUM(CASE WHEN revoked_at IS NULL AND expires_at > $2 THEN 1 ELSE 0 END) > 0 \
         ORDER BY MIN(issued_at) DESC, family_id",
        vec![account_id.into(), now.into()],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let method: Option<String> = get(r, "method")?;
            Ok(SessionRow {
                id: get(r, "family_id")?,
                signed_in_at: get(r, "signed_in_at")?,
                last_used_at: get(r, "last_used_at")?,
                method: method.as_deref().map(SignInMethod::parse).transpose()?,
            })
        })
        .collect()
}

/// Moves the account to a new sign-in address.
pub async fn set_email(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    email: &Email,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE accounts SET email = $2, updated_at = $3 WHERE id = $1",
        vec![account_id.into(), email.as_str().into(), now.into()],
    )
    .await
    .map_err(crate::identity::onboarding::store::address_taken)?;
    Ok(())
}

/// Where an email-change email goes: the address asked for, the account's
/// current one, and whether the account is active.
pub struct ChangeAddresses {
    pub account_id: Uuid,
    pub current: String,
    pub new_email: String,
    pub expires_at: DateTime<Utc>,
}

/// The addresses of email-change token `token`, while it is unused and the
/// account active.
pub async fn change_addresses(
    db: &impl ConnectionTrait,
    token: Uuid,
    purpose: &str,
) -> AppResult<Option<ChangeAddresses>> {
    let rows = query(
        db,
        "SELECT t.account_id, a.email, t.new_email, t.expires_at FROM account_tokens t \
         JOIN accounts a ON a.id = t.account_id \
         WHERE t.id = $1 AND t.purpose = $2 AND t.used_at IS NULL AND a.status = 'active' \
           AND t.new_email IS NOT NULL",
        vec![token.into(), purpose.into()],
    )
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(ChangeAddresses {
        account_id: get(r, "account_id")?,
        current: get(r, "email")?,
        new_email: get(r, "new_email")?,
        expires_at: get(r, "expires_at")?,
    }))
}
