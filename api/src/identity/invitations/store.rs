//! SQL for invitations.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{InvitationStatus, parse_roles};
use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
    identity::model::Role,
    paging::PageRequest,
};

/// An invitation as stored (never its token).
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub roles: Vec<Role>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, organisation_id, email, given_name, family_name, roles, created_at, \
                       expires_at, accepted_at, revoked_at";

fn row(r: &QueryResult) -> AppResult<InvitationRow> {
    let roles: String = get(r, "roles")?;
    Ok(InvitationRow {
        id: get(r, "id")?,
        organisation_id: get(r, "organisation_id")?,
        email: get(r, "email")?,
        given_name: get(r, "given_name")?,
        family_name: get(r, "family_name")?,
        roles: parse_roles(&roles)?,
        created_at: get(r, "created_at")?,
        expires_at: get(r, "expires_at")?,
        accepted_at: get(r, "accepted_at")?,
        revoked_at: get(r, "revoked_at")?,
    })
}

pub(super) async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<InvitationRow>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM invitations WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    rows.first().map(row).transpose()
}

/// The invitation a link's token (hashed) belongs to, whatever its state.
pub(super) async fn by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> AppResult<Option<InvitationRow>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1"),
        vec![token_hash.into()],
    )
    .await?;
    rows.first().map(row).transpose()
}

/// Revokes the pending invitations of `email` into an organisation (a new
/// invitation replaces them).
pub(super) async fn replace_pending(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE invitations SET revoked_at = $3 WHERE organisation_id = $1 AND email = $2 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
        vec![organisation_id.into(), email.into(), now.into()],
    )
    .await?;
    Ok(())
}

pub(super) async fn insert(
    db: &impl ConnectionTrait,
    row: &InvitationRow,
    placeholder: &str,
    invited_by: Uuid,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO invitations (id, organisation_id, email, given_name, family_name, roles, \
         token_hash, invited_by_account_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        vec![
            row.id.into(),
            row.organisation_id.into(),
            row.email.clone().into(),
            row.given_name.clone().into(),
            row.family_name.clone().into(),
            super::model::store_roles(&row.roles).into(),
            placeholder.into(),
            invited_by.into(),
            row.created_at.into(),
            row.expires_at.into(),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Starts an invitation's 7 days again with a token still to be made (the
/// earlier link stops working at once).
pub(super) async fn renew(
    db: &impl ConnectionTrait,
    id: Uuid,
    placeholder: &str,
    expires_at: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE invitations SET token_hash = $2, expires_at = $3 WHERE id = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
        vec![id.into(), placeholder.into(), expires_at.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores the hash of a token just made for sending, while the invitation
/// is still open.
pub(super) async fn set_hash(
    db: &impl ConnectionTrait,
    id: Uuid,
    token_hash: &str,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE invitations SET token_hash = $2 WHERE id = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL",
        vec![id.into(), token_hash.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Accepts an invitation: true only for the one request that got to it
/// first, while it is open and unexpired.
pub(super) async fn accept(
    db: &impl ConnectionTrait,
    id: Uuid,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE invitations SET accepted_at = $3, account_id = $2 WHERE id = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
        vec![id.into(), account_id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A page of an organisation's invitations, newest first, optionally of
/// one status at `now`.
pub(super) async fn page(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    status: Option<InvitationStatus>,
    now: DateTime<Utc>,
    page: &PageRequest,
) -> AppResult<Vec<InvitationRow>> {
    let mut params: Vec<Value> = vec![organisation_id.into()];
    let mut sql = format!("SELECT {COLUMNS} FROM invitations WHERE organisation_id = $1");
    let open = " AND accepted_at IS NULL AND revoked_at IS NULL";
    match status {
        None => {}
        Some(InvitationStatus::Pending) => {
            params.push(now.into());
            sql.push_str(&format!("{open} AND expires_at > $2"));
        }
        Some(InvitationStatus::Expired) => {
            params.push(now.into());
            sql.push_str(&format!("{open} AND expires_at <= $2"));
        }
        Some(InvitationStatus::Accepted) => sql.push_str(" AND accepted_at IS NOT NULL"),
        Some(InvitationStatus::Revoked) => {
            sql.push_str(" AND accepted_at IS NULL AND revoked_at IS NOT NULL");
        }
    }
    if let Some(after) = page.after_key::<Uuid>()? {
        params.push(after.into());
        sql.push_str(&format!(" AND id < ${}", params.len()));
    }
    params.push(page.sql_limit().into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", params.len()));
    let rows = query(db, &sql, params).await?;
    rows.iter().map(row).collect()
}
