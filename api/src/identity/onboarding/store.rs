//! Queries for onboarding: the authority's team, pending accounts of young
//! people and carers, and activating them.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::{first, get},
    },
    error::{AppError, AppResult, is_unique_violation},
    identity::model::{AccountStatus, Email, OrganisationKind, Role},
};

/// The authority's local authority team (the oldest, if it has several):
/// where its young people and carers hold their role.
pub async fn team_of(db: &impl ConnectionTrait, local_authority: Uuid) -> AppResult<Option<Uuid>> {
    let rows = query(
        db,
        "SELECT id FROM organisations WHERE kind = $1 AND local_authority_id = $2 \
         ORDER BY created_at, id LIMIT 1",
        vec![
            OrganisationKind::LocalAuthorityTeam.as_str().into(),
            local_authority.into(),
        ],
    )
    .await?;
    first(rows, |r| get(r, "id"))
}

/// An insert or update that met the unique address of another account
/// (taken between the check and the write): CONFLICT.
pub fn address_taken(err: sea_orm::DbErr) -> AppError {
    if is_unique_violation(&err) {
        AppError::conflict("An account already uses that email address.")
    } else {
        err.into()
    }
}

/// Whether an account already signs in with this address.
pub async fn email_taken(db: &impl ConnectionTrait, email: &Email) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT 1 AS one FROM accounts WHERE email = $1",
        vec![email.as_str().into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// A young person or carer to add, checked by the service.
pub struct NewMember<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub date_of_birth: Option<NaiveDate>,
    pub local_authority_id: Uuid,
    pub email: &'a Email,
    pub role: Role,
    pub organisation_id: Uuid,
    pub now: DateTime<Utc>,
}

/// Adds the person with a pending passwordless account holding `role` in
/// the organisation. Returns (person id, account id).
pub async fn insert_member(
    db: &impl ConnectionTrait,
    new: NewMember<'_>,
) -> AppResult<(Uuid, Uuid)> {
    let person = Uuid::now_v7();
    let account = Uuid::now_v7();
    exec(
        db,
        "INSERT INTO people (id, given_name, family_name, date_of_birth, local_authority_id, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        vec![
            person.into(),
            new.given_name.into(),
            new.family_name.into(),
            new.date_of_birth.into(),
            new.local_authority_id.into(),
            new.now.into(),
        ],
    )
    .await?;
    exec(
        db,
        "INSERT INTO accounts (id, person_id, email, password_hash, status, failed_sign_ins, \
         created_at, updated_at) VALUES ($1, $2, $3, NULL, $4, 0, $5, $5)",
        vec![
            account.into(),
            person.into(),
            new.email.as_str().into(),
            AccountStatus::Pending.as_str().into(),
            new.now.into(),
        ],
    )
    .await
    .map_err(address_taken)?;
    crate::identity::store::grant_role(db, account, new.organisation_id, new.role, new.now).await?;
    Ok((person, account))
}

/// A young person's account, as inviting them needs it.
#[derive(Debug, Clone)]
pub struct Member {
    pub person_id: Uuid,
    pub account_id: Uuid,
    pub local_authority_id: Option<Uuid>,
    pub status: String,
}

/// The account through which `person` holds `role`, if any.
pub async fn member(
    db: &impl ConnectionTrait,
    person: Uuid,
    role: Role,
) -> AppResult<Option<Member>> {
    let rows = query(
        db,
        "SELECT p.id AS person_id, a.id AS account_id, p.local_authority_id, a.status \
         FROM people p JOIN accounts a ON a.person_id = p.id \
         WHERE p.id = $1 AND EXISTS (SELECT 1 FROM role_grants g \
                                     WHERE g.account_id = a.id AND g.role = $2)",
        vec![person.into(), role.as_str().into()],
    )
    .await?;
    first(rows, |r| {
        Ok(Member {
            person_id: get(r, "person_id")?,
            account_id: get(r, "account_id")?,
            local_authority_id: get(r, "local_authority_id")?,
            status: get(r, "status")?,
        })
    })
}

/// Activates a pending account. False: it was not pending.
pub async fn activate(
    db: &impl ConnectionTrait,
    account: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE accounts SET status = $2, updated_at = $4 WHERE id = $1 AND status = $3",
        vec![
            account.into(),
            AccountStatus::Active.as_str().into(),
            AccountStatus::Pending.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who an app invitation email goes to.
pub struct Invitee {
    pub email: String,
    pub given_name: String,
    pub carer: bool,
}

/// The invitee of activation token `token`, while the token is unused and
/// unexpired and the account still pending.
pub async fn invitee(
    db: &impl ConnectionTrait,
    token: Uuid,
    purpose: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Invitee>> {
    let rows = query(
        db,
        "SELECT a.email, p.given_name, \
         EXISTS (SELECT 1 FROM role_grants g WHERE g.account_id = a.id AND g.role = $4) AS carer \
         FROM account_tokens t JOIN accounts a ON a.id = t.account_id \
         JOIN people p ON p.id = a.person_id \
         WHERE t.id = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3 \
           AND a.status = $5",
        vec![
            token.into(),
            purpose.into(),
            now.into(),
            Role::KinshipCarer.as_str().into(),
            AccountStatus::Pending.as_str().into(),
        ],
    )
    .await?;
    first(rows, |r| {
        Ok(Invitee {
            email: get(r, "email")?,
            given_name: get(r, "given_name")?,
            carer: get(r, "carer")?,
        })
    })
}
