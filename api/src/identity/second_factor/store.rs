//! SQL for second factors, recovery codes and sign-in challenges (identity's
//! own tables), and the organisation's requirement.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::model::{self, Purpose};
use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
    identity::model::Role,
};

/// An account's second factor as stored (the seed sealed).
#[derive(Debug, Clone)]
pub struct Factor {
    pub account_id: Uuid,
    pub secret_ciphertext: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_used_step: Option<i64>,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

pub async fn factor(db: &impl ConnectionTrait, account: Uuid) -> AppResult<Option<Factor>> {
    let rows = query(
        db,
        "SELECT account_id, secret_ciphertext, confirmed_at, last_used_step, failed_attempts, \
         locked_until FROM second_factors WHERE account_id = $1",
        vec![account.into()],
    )
    .await?;
    rows.first()
        .map(|row| {
            Ok(Factor {
                account_id: get(row, "account_id")?,
                secret_ciphertext: get(row, "secret_ciphertext")?,
                confirmed_at: get(row, "confirmed_at")?,
                last_used_step: get(row, "last_used_step")?,
                failed_attempts: get(row, "failed_attempts")?,
                locked_until: get(row, "locked_until")?,
            })
        })
        .transpose()
}

/// Stores a new, unconfirmed seed for `account` (replacing an unconfirmed
/// one; a confirmed one is left alone: returns false).
pub async fn put_unconfirmed(
    db: &impl ConnectionTrait,
    account: Uuid,
    sealed: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    exec(
        db,
        "DELETE FROM second_factors WHERE account_id = $1 AND confirmed_at IS NULL",
        vec![account.into()],
    )
    .await?;
    let rows = query(
        db,
        "INSERT INTO second_factors (account_id, secret_ciphertext, failed_attempts, created_at, \
         updated_at) VALUES ($1, $2, 0, $3, $3) ON CONFLICT (account_id) DO NOTHING \
         RETURNING account_id",
        vec![account.into(), sealed.into(), now.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Records `step` as used, if it is later than the last one used (so two
/// requests racing with one code cannot both pass). Clears wrong-code
/// counts; confirms the factor when `confirm`.
pub async fn use_step(
    db: &impl ConnectionTrait,
    account: Uuid,
    step: i64,
    confirm: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE second_factors SET last_used_step = $2, failed_attempts = 0, locked_until = NULL, \
         confirmed_at = CASE WHEN $3 THEN COALESCE(confirmed_at, $4) ELSE confirmed_at END, \
         updated_at = $4 \
         WHERE account_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)",
        vec![account.into(), step.into(), confirm.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Counts a wrong code given by a signed-in person; locks code changes
/// for a while when the limit is reached.
pub async fn record_wrong_code(
    db: &impl ConnectionTrait,
    account: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE second_factors SET failed_attempts = failed_attempts + 1, updated_at = $2, \
         locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN $4 ELSE locked_until END \
         WHERE account_id = $1",
        vec![
            account.into(),
            now.into(),
            model::FACTOR_ATTEMPTS.into(),
            (now + model::FACTOR_LOCKOUT).into(),
        ],
    )
    .await?;
    Ok(())
}

/// Removes the factor and its recovery codes. Returns whether there was one.
pub async fn remove(db: &impl ConnectionTrait, account: Uuid) -> AppResult<bool> {
    exec(
        db,
        "DELETE FROM recovery_codes WHERE account_id = $1",
        vec![account.into()],
    )
    .await?;
    let result = exec(
        db,
        "DELETE FROM second_factors WHERE account_id = $1",
        vec![account.into()],
    )
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Replaces the account's recovery codes with new ones (hashed).
pub async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    account: Uuid,
    codes: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "DELETE FROM recovery_codes WHERE account_id = $1",
        vec![account.into()],
    )
    .await?;
    for code in codes {
        exec(
            db,
            "INSERT INTO recovery_codes (id, account_id, code_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
            vec![
                Uuid::now_v7().into(),
                account.into(),
                model::recovery_code_hash(account, code).into(),
                now.into(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Uses one of the account's unused recovery codes. Returns whether `code`
/// was one.
pub async fn use_recovery_code(
    db: &impl ConnectionTrait,
    account: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
        vec![
            account.into(),
            model::recovery_code_hash(account, code).into(),
            now.into(),
        ],
    )
    .await?;
    Ok(result.rows_affected() > 0)
}

/// How many unused recovery codes the account has.
pub async fn recovery_codes_left(db: &impl ConnectionTrait, account: Uuid) -> AppResult<i64> {
    let rows = query(
        db,
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        vec![account.into()],
    )
    .await?;
    rows.first().map_or(Ok(0), |row| get(row, "n"))
}

/// Whether one of the account's roles reads case records in an
/// organisation that requires a second factor.
pub async fn required_for(db: &impl ConnectionTrait, account: Uuid) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT g.role FROM role_grants g JOIN organisations o ON o.id = g.organisation_id \
         WHERE g.account_id = $1 AND o.requires_second_factor = $2",
        vec![account.into(), true.into()],
    )
    .await?;
    for row in &rows {
        let role: String = get(row, "role")?;
        if Role::parse(&role).is_ok_and(Role::reads_case_records) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The organisations the account holds a role in.
pub async fn organisations_of(db: &impl ConnectionTrait, account: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT DISTINCT organisation_id FROM role_grants WHERE account_id = $1",
        vec![account.into()],
    )
    .await?;
    rows.iter().map(|row| get(row, "organisation_id")).collect()
}

pub async fn set_requirement(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    required: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE organisations SET requires_second_factor = $2, updated_at = $3 WHERE id = $1",
        vec![organisation.into(), required.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A sign-in challenge as stored.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: Uuid,
    pub account_id: Uuid,
    pub purpose: String,
    pub attempts: i32,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn insert_challenge(
    db: &impl ConnectionTrait,
    account: Uuid,
    hash: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    let expires_at = now + model::CHALLENGE_TTL;
    exec(
        db,
        "INSERT INTO sign_in_challenges (id, account_id, token_hash, purpose, attempts, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, 0, $5, $6)",
        vec![
            Uuid::now_v7().into(),
            account.into(),
            hash.into(),
            purpose.as_str().into(),
            now.into(),
            expires_at.into(),
        ],
    )
    .await?;
    Ok(expires_at)
}

pub async fn challenge_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> AppResult<Option<Challenge>> {
    let rows = query(
        db,
        "SELECT id, account_id, purpose, attempts, expires_at, used_at FROM sign_in_challenges \
         WHERE token_hash = $1",
        vec![hash.into()],
    )
    .await?;
    rows.first()
        .map(|row| {
            Ok(Challenge {
                id: get(row, "id")?,
                account_id: get(row, "account_id")?,
                purpose: get(row, "purpose")?,
                attempts: get(row, "attempts")?,
                expires_at: get(row, "expires_at")?,
                used_at: get(row, "used_at")?,
            })
        })
        .transpose()
}

/// Counts a wrong code against a challenge; it is used up at the limit.
pub async fn challenge_wrong_code(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE sign_in_challenges SET attempts = attempts + 1, \
         used_at = CASE WHEN attempts + 1 >= $2 THEN $3 ELSE used_at END WHERE id = $1",
        vec![id.into(), model::CHALLENGE_ATTEMPTS.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Uses a challenge up. Returns false when it was used already (a race).
pub async fn use_challenge(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE sign_in_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes challenges that ended more than a day ago.
pub async fn purge_challenges(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let result = exec(
        db,
        "DELETE FROM sign_in_challenges WHERE expires_at < $1",
        vec![(now - chrono::Duration::days(1)).into()],
    )
    .await?;
    Ok(result.rows_affected())
}
