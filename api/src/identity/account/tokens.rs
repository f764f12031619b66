//! `account_tokens`: single-use secrets given to an account's holder
//! (activation codes read out by a worker, email-change codes), stored only
//! as keyed hashes, with an attempt count. Only the latest unused token of
//! a purpose works: issuing one ends the earlier ones.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::{first, get},
    },
    error::AppResult,
};

/// The stored hash of a code not yet made (its email job makes it): no
/// code hashes to it.
pub const PENDING: &str = "pending";

/// A token as stored.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: Uuid,
    pub token_hash: String,
    pub new_email: Option<String>,
    pub attempts: i32,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, token_hash, new_email, attempts, expires_at";

fn row(r: &sea_orm::QueryResult) -> AppResult<TokenRow> {
    Ok(TokenRow {
        id: get(r, "id")?,
        token_hash: get(r, "token_hash")?,
        new_email: get(r, "new_email")?,
        attempts: get(r, "attempts")?,
        expires_at: get(r, "expires_at")?,
    })
}

/// A token to issue.
pub struct NewToken<'a> {
    pub account_id: Uuid,
    pub purpose: &'a str,
    pub token_hash: &'a str,
    pub new_email: Option<&'a str>,
    pub created_by: Option<Uuid>,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Ends the account's unused tokens of `purpose`.
pub async fn retire(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    purpose: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE account_tokens SET used_at = $3 \
         WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL",
        vec![account_id.into(), purpose.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Issues a token, ending the account's earlier unused ones of the same
/// purpose. Returns its id.
pub async fn issue(db: &impl ConnectionTrait, new: NewToken<'_>) -> AppResult<Uuid> {
    retire(db, new.account_id, new.purpose, new.now).await?;
    let id = Uuid::now_v7();
    exec(
        db,
        "INSERT INTO account_tokens (id, account_id, purpose, token_hash, new_email, attempts, \
         created_by_account_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)",
        vec![
            id.into(),
            new.account_id.into(),
            new.purpose.into(),
            new.token_hash.into(),
            new.new_email.map(str::to_string).into(),
            new.created_by.into(),
            new.now.into(),
            new.expires_at.into(),
        ],
    )
    .await?;
    Ok(id)
}

/// The account's latest unused token of `purpose`.
pub async fn outstanding(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    purpose: &str,
) -> AppResult<Option<TokenRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM account_tokens WHERE account_id = $1 AND purpose = $2 \
             AND used_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1"
        ),
        vec![account_id.into(), purpose.into()],
    )
    .await?;
    first(rows, row)
}

/// Counts a wrong try; the last allowed try uses the token up.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    token: &TokenRow,
    max_attempts: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE account_tokens SET attempts = attempts + 1, \
         used_at = CASE WHEN attempts + 1 >= $2 THEN $3 ELSE used_at END WHERE id = $1",
        vec![token.id.into(), max_attempts.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Uses the token, if nobody used it first. False: it was used already.
pub async fn use_token(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE account_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the hash of the code made for sending, if the token is still
/// unused. False: it was used or replaced meanwhile.
pub async fn set_hash(db: &impl ConnectionTrait, id: Uuid, hash: &str) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE account_tokens SET token_hash = $2 WHERE id = $1 AND used_at IS NULL",
        vec![id.into(), hash.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}
