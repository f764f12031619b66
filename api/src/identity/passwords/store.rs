//! SQL for password reset links (`account_tokens`, purpose
//! `password_reset`) and for setting a password.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
};

pub(super) const PURPOSE: &str = "password_reset";

/// A reset link as stored.
pub(super) struct ResetRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// An unused, unexpired reset link by its token's hash.
pub(super) async fn usable_by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<ResetRow>> {
    let rows = query(
        db,
        "SELECT id, account_id, expires_at FROM account_tokens \
         WHERE purpose = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3",
        vec![PURPOSE.into(), token_hash.into(), now.into()],
    )
    .await?;
    rows.first()
        .map(|row| {
            Ok(ResetRow {
                id: get(row, "id")?,
                account_id: get(row, "account_id")?,
                expires_at: get(row, "expires_at")?,
            })
        })
        .transpose()
}

/// A reset link still waiting to be sent (unused), with its account's
/// address, if the account is still an active one with a password.
pub(super) async fn to_send(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<(ResetRow, String)>> {
    let rows = query(
        db,
        "SELECT t.id, t.account_id, t.expires_at, a.email FROM account_tokens t \
         JOIN accounts a ON a.id = t.account_id \
         WHERE t.id = $1 AND t.purpose = $2 AND t.used_at IS NULL \
           AND a.status = 'active' AND a.password_hash IS NOT NULL",
        vec![id.into(), PURPOSE.into()],
    )
    .await?;
    rows.first()
        .map(|row| {
            Ok((
                ResetRow {
                    id: get(row, "id")?,
                    account_id: get(row, "account_id")?,
                    expires_at: get(row, "expires_at")?,
                },
                get(row, "email")?,
            ))
        })
        .transpose()
}

/// Sets an account's password hash, records when, and clears failed
/// sign-ins and any lock.
pub async fn set_password(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    password_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE accounts SET password_hash = $2, password_changed_at = $3, failed_sign_ins = 0, \
         locked_until = NULL, updated_at = $3 WHERE id = $1",
        vec![account_id.into(), password_hash.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// The names of the organisations an account holds roles in (words a
/// guesser would try in its password).
pub async fn organisation_names(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> AppResult<Vec<String>> {
    let rows = query(
        db,
        "SELECT DISTINCT o.name FROM role_grants g JOIN organisations o ON o.id = g.organisation_id \
         WHERE g.account_id = $1",
        vec![account_id.into()],
    )
    .await?;
    rows.iter().map(|r| get(r, "name")).collect()
}
