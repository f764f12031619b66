//! SQL for single sign-on: identity providers, sign-ins in flight, linked
//! external identities, one-time results, and the few reads and writes of
//! invitations and role grants a first sign-in needs.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
};

/// The purpose of a single sign-on's one-time result in `account_tokens`.
pub const RESULT_PURPOSE: &str = "sso_result";

/// An organisation's identity provider as stored.
#[derive(Debug, Clone)]
pub struct ProviderRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_ciphertext: Option<String>,
    /// Comma-separated.
    pub email_domains: String,
    /// Comma-separated role codes.
    pub new_account_roles: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const PROVIDER_COLUMNS: &str = "id, organisation_id, issuer, client_id, client_secret_ciphertext, \
     email_domains, new_account_roles, CASE WHEN enabled THEN 1 ELSE 0 END AS enabled, \
     created_at, updated_at";

fn provider_row(row: &QueryResult) -> AppResult<ProviderRow> {
    Ok(ProviderRow {
        id: get(row, "id")?,
        organisation_id: get(row, "organisation_id")?,
        issuer: get(row, "issuer")?,
        client_id: get(row, "client_id")?,
        client_secret_ciphertext: get(row, "client_secret_ciphertext")?,
        email_domains: get(row, "email_domains")?,
        new_account_roles: get(row, "new_account_roles")?,
        enabled: get::<i32>(row, "enabled")? != 0,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// The organisation's provider, if it has one (enabled or not).
pub async fn provider(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> AppResult<Option<ProviderRow>> {
    let rows = query(
        db,
        &format!("SELECT {PROVIDER_COLUMNS} FROM identity_providers WHERE organisation_id = $1"),
        vec![organisation_id.into()],
    )
    .await?;
    rows.first().map(provider_row).transpose()
}

/// Every provider (a handful: one per organisation using single sign-on).
pub async fn providers(db: &impl ConnectionTrait) -> AppResult<Vec<ProviderRow>> {
    let rows = query(
        db,
        &format!("SELECT {PROVIDER_COLUMNS} FROM identity_providers ORDER BY created_at"),
        vec![],
    )
    .await?;
    rows.iter().map(provider_row).collect()
}

/// Inserts or replaces the organisation's provider.
pub async fn save_provider(db: &impl ConnectionTrait, p: &ProviderRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO identity_providers (id, organisation_id, issuer, client_id, \
         client_secret_ciphertext, email_domains, new_account_roles, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (organisation_id) DO UPDATE SET issuer = excluded.issuer, \
         client_id = excluded.client_id, client_secret_ciphertext = excluded.client_secret_ciphertext, \
         email_domains = excluded.email_domains, new_account_roles = excluded.new_account_roles, \
         enabled = excluded.enabled, updated_at = excluded.updated_at",
        vec![
            p.id.into(),
            p.organisation_id.into(),
            p.issuer.clone().into(),
            p.client_id.clone().into(),
            p.client_secret_ciphertext.clone().into(),
            p.email_domains.clone().into(),
            p.new_account_roles.clone().into(),
            p.enabled.into(),
            p.created_at.into(),
            p.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// A sign-in in flight.
#[derive(Debug, Clone)]
pub struct LoginRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub nonce: String,
    pub pkce_verifier_ciphertext: String,
    pub return_to: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn insert_login(
    db: &impl ConnectionTrait,
    row: &LoginRow,
    state_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO sso_logins (id, state_hash, organisation_id, nonce, pkce_verifier_ciphertext, \
         return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        vec![
            row.id.into(),
            state_hash.into(),
            row.organisation_id.into(),
            row.nonce.clone().into(),
            row.pkce_verifier_ciphertext.clone().into(),
            row.return_to.clone().into(),
            now.into(),
            row.expires_at.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn login_by_state(
    db: &impl ConnectionTrait,
    state_hash: &str,
) -> AppResult<Option<LoginRow>> {
    let rows = query(
        db,
        "SELECT id, organisation_id, nonce, pkce_verifier_ciphertext, return_to, expires_at, used_at \
         FROM sso_logins WHERE state_hash = $1",
        vec![state_hash.into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(LoginRow {
        id: get(row, "id")?,
        organisation_id: get(row, "organisation_id")?,
        nonce: get(row, "nonce")?,
        pkce_verifier_ciphertext: get(row, "pkce_verifier_ciphertext")?,
        return_to: get(row, "return_to")?,
        expires_at: get(row, "expires_at")?,
        used_at: get(row, "used_at")?,
    }))
}

/// Marks a sign-in used; false when it already was (a replay racing).
pub async fn use_login(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE sso_logins SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The account linked to an issuer's subject.
pub async fn linked_account(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> AppResult<Option<(Uuid, Uuid)>> {
    let rows = query(
        db,
        "SELECT id, account_id FROM external_identities WHERE issuer = $1 AND subject = $2",
        vec![issuer.into(), subject.into()],
    )
    .await?;
    rows.first()
        .map(|r| Ok((get(r, "id")?, get(r, "account_id")?)))
        .transpose()
}

/// Whether the account is linked to some subject of this issuer already.
pub async fn linked_to_issuer(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    issuer: &str,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT id FROM external_identities WHERE account_id = $1 AND issuer = $2",
        vec![account_id.into(), issuer.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Whether the account signs in through an identity provider at all.
pub async fn has_external_identity(db: &impl ConnectionTrait, account_id: Uuid) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT id FROM external_identities WHERE account_id = $1",
        vec![account_id.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

pub async fn link(
    db: &impl ConnectionTrait,
    id: Uuid,
    account_id: Uuid,
    issuer: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO external_identities (id, account_id, issuer, subject, created_at, last_sign_in_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
        vec![
            id.into(),
            account_id.into(),
            issuer.into(),
            subject.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn touch_link(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    exec(
        db,
        "UPDATE external_identities SET last_sign_in_at = $2 WHERE id = $1",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// A pending invitation (the invitations table is the invitations part's;
/// single sign-on reads and accepts it through these two functions only).
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: Uuid,
    pub given_name: String,
    pub family_name: String,
    /// Comma-separated role codes.
    pub roles: String,
}

/// The newest invitation of the organisation for the email that is neither
/// accepted, revoked nor expired.
pub async fn pending_invitation(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<InvitationRow>> {
    let rows = query(
        db,
        "SELECT id, given_name, family_name, roles FROM invitations \
         WHERE organisation_id = $1 AND email = $2 AND accepted_at IS NULL \
           AND revoked_at IS NULL AND expires_at > $3 \
         ORDER BY created_at DESC LIMIT 1",
        vec![organisation_id.into(), email.into(), now.into()],
    )
    .await?;
    rows.first()
        .map(|r| {
            Ok(InvitationRow {
                id: get(r, "id")?,
                given_name: get(r, "given_name")?,
                family_name: get(r, "family_name")?,
                roles: get(r, "roles")?,
            })
        })
        .transpose()
}

/// Accepts an invitation for the account; false when it was accepted or
/// revoked meanwhile.
pub async fn accept_invitation(
    db: &impl ConnectionTrait,
    id: Uuid,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE invitations SET accepted_at = $3, account_id = $2 \
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
        vec![id.into(), account_id.into(), now.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the account holds any role in the organisation.
pub async fn holds_role_in(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    organisation_id: Uuid,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT id FROM role_grants WHERE account_id = $1 AND organisation_id = $2",
        vec![account_id.into(), organisation_id.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Stores a one-time result (its hash) for the account.
pub async fn insert_result(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO account_tokens (id, account_id, purpose, token_hash, attempts, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $6)",
        vec![
            Uuid::now_v7().into(),
            account_id.into(),
            RESULT_PURPOSE.into(),
            hash.into(),
            now.into(),
            expires_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Uses a one-time result: the account it was for, if it is unused and
/// unexpired (marking it used).
pub async fn take_result(
    db: &impl ConnectionTrait,
    hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Uuid>> {
    let rows = query(
        db,
        "SELECT id, account_id FROM account_tokens \
         WHERE purpose = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3",
        vec![RESULT_PURPOSE.into(), hash.into(), now.into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let id: Uuid = get(row, "id")?;
    let account_id: Uuid = get(row, "account_id")?;
    let done = exec(
        db,
        "UPDATE account_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok((done.rows_affected() == 1).then_some(account_id))
}

/// Deletes sign-ins in flight and one-time results that can no longer be
/// used (kept a day for investigations).
pub async fn purge(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> AppResult<u64> {
    let logins = exec(
        db,
        "DELETE FROM sso_logins WHERE expires_at < $1",
        vec![cutoff.into()],
    )
    .await?;
    let results = exec(
        db,
        "DELETE FROM account_tokens WHERE purpose = $1 AND expires_at < $2",
        vec![RESULT_PURPOSE.into(), cutoff.into()],
    )
    .await?;
    Ok(logins.rows_affected() + results.rows_affected())
}
