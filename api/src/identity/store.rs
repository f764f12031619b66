//! Queries for identity: accounts, people, roles and refresh tokens.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, Set,
};
use uuid::Uuid;

use super::model::{AccountStatus, Email, LOCKOUT, MAX_FAILED_SIGN_INS, Role};
use crate::auth::viewer::{AccountViewer, Grant};
use crate::{
    db::{
        entities::{accounts, organisations, people, refresh_tokens, role_grants},
        raw::{exec, query},
        rows::{get, unique},
    },
    error::AppResult,
};

pub async fn account_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> AppResult<Option<accounts::Model>> {
    Ok(accounts::Entity::find()
        .filter(accounts::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

pub async fn account(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<accounts::Model>> {
    Ok(accounts::Entity::find_by_id(id).one(db).await?)
}

pub async fn person(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<people::Model>> {
    Ok(people::Entity::find_by_id(id).one(db).await?)
}

/// Counts a failed sign-in atomically; locks the account when the limit is
/// reached. Returns true when this failure locked it.
pub async fn record_failed_sign_in(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let rows = query(
        db,
        "UPDATE accounts SET failed_sign_ins = failed_sign_ins + 1, updated_at = $2 \
         WHERE id = $1 RETURNING failed_sign_ins",
        vec![account_id.into(), now.into()],
    )
    .await?;
    let failures: i32 = match rows.first() {
        Some(row) => get(row, "failed_sign_ins")?,
        None => return Ok(false),
    };
    if failures >= MAX_FAILED_SIGN_INS {
        exec(
            db,
            "UPDATE accounts SET locked_until = $2, failed_sign_ins = 0 WHERE id = $1",
            vec![account_id.into(), (now + LOCKOUT).into()],
        )
        .await?;
        return Ok(true);
    }
    Ok(false)
}

pub async fn record_sign_in(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE accounts SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = $2, \
         updated_at = $2 WHERE id = $1",
        vec![account_id.into(), now.into()],
    )
    .await?;
    Ok(())
}

pub async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    account_id: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        account_id: Set(account_id),
        token_hash: Set(token_hash.to_string()),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn refresh_token_by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> AppResult<Option<refresh_tokens::Model>> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

/// Marks a refresh token used, only if it is still unused and unrevoked.
/// False means someone else used it first (a replay).
pub async fn use_refresh_token(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let result = exec(
        db,
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        vec![family_id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

pub async fn revoke_all_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let result = exec(
        db,
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
        vec![account_id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

/// An account's grants, the organisations' own authorities and the
/// authorities that commission them on `today` (a placeholder). A
/// commission's period runs from `starts_on` up to, not including,
/// `ends_on`: its end date is the first day the provider no longer reaches
/// the authority (as `directory::commissioned_providers` reads it).
fn grants_select(today: &str) -> String {
    format!(
        "SELECT a.person_id, g.role, g.organisation_id, \
         o.local_authority_id AS own_authority_id, \
         c.local_authority_id AS commissioned_authority_id, c.service \
         FROM accounts a \
         LEFT JOIN role_grants g ON g.account_id = a.id \
         LEFT JOIN organisations o ON o.id = g.organisation_id \
         LEFT JOIN commissions c ON c.organisation_id = o.id AND c.starts_on <= {today} \
              AND (c.ends_on IS NULL OR c.ends_on > {today})"
    )
}

/// The signed-in viewer behind an access token: `None` unless the account
/// is active and the session (refresh-token family) not revoked. Each grant
/// reaches its organisation's own authority and, for a provider, the
/// authorities with a current commission for the role's service.
pub async fn principal(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    session_id: Uuid,
) -> AppResult<Option<AccountViewer>> {
    let today = Utc::now().date_naive();
    let rows = query(
        db,
        &format!(
            "{} WHERE a.id = $1 AND a.status = 'active' AND EXISTS \
             (SELECT 1 FROM refresh_tokens r WHERE r.family_id = $2 AND r.account_id = $1 \
             AND r.revoked_at IS NULL)",
            grants_select("$3")
        ),
        vec![account_id.into(), session_id.into(), today.into()],
    )
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let person_id: Uuid = get(first, "person_id")?;
    Ok(Some(AccountViewer {
        account_id,
        session_id,
        person_id,
        grants: grants(&rows)?,
    }))
}

/// The role grants of a person's active account (none without one), with
/// the authorities each reaches, as a signed-in viewer of theirs would
/// hold them: for acting on their behalf (an app booking for a carer).
pub async fn person_grants(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Vec<Grant>> {
    let today = Utc::now().date_naive();
    let rows = query(
        db,
        &format!(
            "{} WHERE a.person_id = $1 AND a.status = 'active'",
            grants_select("$2")
        ),
        vec![person.into(), today.into()],
    )
    .await?;
    grants(&rows)
}

/// Grants and the authorities they reach, from rows of [`grants_select`].
fn grants(rows: &[QueryResult]) -> AppResult<Vec<Grant>> {
    let mut grants: Vec<Grant> = Vec::new();
    for row in rows {
        let role: Option<String> = get(row, "role")?;
        let organisation_id: Option<Uuid> = get(row, "organisation_id")?;
        let (Some(role), Some(organisation_id)) = (role, organisation_id) else {
            continue;
        };
        let role = Role::parse(&role)?;
        let own_authority: Option<Uuid> = get(row, "own_authority_id")?;
        let commissioned: Option<Uuid> = get(row, "commissioned_authority_id")?;
        let service: Option<String> = get(row, "service")?;
        let index = match grants
            .iter()
            .position(|g| g.role == role && g.organisation_id == organisation_id)
        {
            Some(index) => index,
            None => {
                grants.push(Grant {
                    role,
                    organisation_id,
                    local_authorities: Vec::new(),
                });
                grants.len() - 1
            }
        };
        let grant = &mut grants[index];
        let mut reach = |la: Uuid| {
            if !grant.local_authorities.contains(&la) {
                grant.local_authorities.push(la);
            }
        };
        if let Some(la) = own_authority {
            reach(la);
        }
        if let (Some(la), Some(service)) = (commissioned, service)
            && role.commissioned_service() == Some(service.as_str())
        {
            reach(la);
        }
    }
    Ok(grants)
}

/// An organisation by id.
pub async fn organisation(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<organisations::Model>> {
    Ok(organisations::Entity::find_by_id(id).one(db).await?)
}

/// An account's roles with the organisations they are held in.
pub async fn roles(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> AppResult<Vec<(Role, organisations::Model)>> {
    let grants = role_grants::Entity::find()
        .filter(role_grants::Column::AccountId.eq(account_id))
        .order_by_asc(role_grants::Column::CreatedAt)
        .all(db)
        .await?;
    let org_ids: Vec<Uuid> = grants.iter().map(|g| g.organisation_id).collect();
    let orgs = organisations::Entity::find()
        .filter(organisations::Column::Id.is_in(org_ids))
        .all(db)
        .await?;
    let mut held = Vec::with_capacity(grants.len());
    for grant in grants {
        let role = Role::parse(&grant.role)?;
        // A grant's organisation is kept by a foreign key.
        if let Some(org) = orgs.iter().find(|o| o.id == grant.organisation_id) {
            held.push((role, org.clone()));
        }
    }
    Ok(held)
}

/// Everything needed to create an account (used by the demo seed and admin tools).
pub struct NewAccount<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub email: &'a Email,
    pub password_hash: Option<String>,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub local_authority_id: Option<Uuid>,
    pub roles: &'a [(Role, Uuid)],
}

pub async fn insert_account(db: &impl ConnectionTrait, new: NewAccount<'_>) -> AppResult<Uuid> {
    let now = Utc::now();
    let person_id = Uuid::now_v7();
    people::ActiveModel {
        id: Set(person_id),
        given_name: Set(new.given_name.to_string()),
        family_name: Set(new.family_name.to_string()),
        date_of_birth: Set(new.date_of_birth),
        local_authority_id: Set(new.local_authority_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let account_id = Uuid::now_v7();
    accounts::ActiveModel {
        id: Set(account_id),
        person_id: Set(person_id),
        email: Set(new.email.as_str().to_string()),
        password_hash: Set(new.password_hash),
        status: Set(AccountStatus::Active.as_str().to_string()),
        failed_sign_ins: Set(0),
        locked_until: Set(None),
        last_sign_in_at: Set(None),
        disabled_at: Set(None),
        password_changed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    for (role, organisation_id) in new.roles {
        role_grants::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(account_id),
            role: Set(role.as_str().to_string()),
            organisation_id: Set(*organisation_id),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(account_id)
}

pub async fn insert_organisation(
    db: &impl ConnectionTrait,
    name: &str,
    kind: &str,
    local_authority_id: Option<Uuid>,
) -> AppResult<Uuid> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    organisations::ActiveModel {
        id: Set(id),
        name: Set(name.to_string()),
        kind: Set(kind.to_string()),
        local_authority_id: Set(local_authority_id),
        requires_second_factor: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Whether an organisation has ever been commissioned for a service by an
/// authority (whatever the dates).
pub async fn commission_exists(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    local_authority_id: Uuid,
    service: &str,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT 1 FROM commissions WHERE organisation_id = $1 AND local_authority_id = $2 \
         AND service = $3",
        vec![
            organisation_id.into(),
            local_authority_id.into(),
            service.into(),
        ],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Records that an organisation provides a service to an authority from a date.
pub async fn insert_commission(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    local_authority_id: Uuid,
    service: &str,
    starts_on: chrono::NaiveDate,
) -> AppResult<()> {
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO commissions (id, organisation_id, local_authority_id, service, starts_on, \
         ends_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $6)",
        vec![
            Uuid::now_v7().into(),
            organisation_id.into(),
            local_authority_id.into(),
            service.into(),
            starts_on.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_status(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    status: AccountStatus,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE accounts SET status = $2, updated_at = $3 WHERE id = $1",
        vec![account_id.into(), status.as_str().into(), Utc::now().into()],
    )
    .await?;
    if status == AccountStatus::Disabled {
        crate::push::store::remove_all_for_account(db, account_id).await?;
    }
    Ok(())
}

/// Appends a security event (failed sign-ins, lockouts, token reuse).
pub async fn security_event(
    db: &impl ConnectionTrait,
    kind: &str,
    account_id: Option<Uuid>,
    detail: &str,
    request_id: &str,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO security_events (occurred_at, kind, account_id, detail, request_id) \
         VALUES ($1, $2, $3, $4, $5)",
        vec![
            Utc::now().into(),
            kind.into(),
            account_id.into(),
            detail.into(),
            request_id.chars().take(64).collect::<String>().into(),
        ],
    )
    .await?;
    Ok(())
}

/// Records a successful sign-in and how it was made (the sign-in history
/// reads `signed_in` events beside failed ones).
pub async fn signed_in_event(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    method: super::model::SignInMethod,
    request_id: &str,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO security_events (occurred_at, kind, account_id, detail, request_id, method) \
         VALUES ($1, 'signed_in', $2, $3, $4, $3)",
        vec![
            Utc::now().into(),
            account_id.into(),
            method.as_str().into(),
            request_id.chars().take(64).collect::<String>().into(),
        ],
    )
    .await?;
    Ok(())
}

/// Security events of a kind (for operators and tests).
pub async fn security_events(
    db: &impl ConnectionTrait,
    kind: &str,
) -> AppResult<Vec<(Option<Uuid>, String)>> {
    let rows = query(
        db,
        "SELECT account_id, detail FROM security_events WHERE kind = $1 ORDER BY id",
        vec![kind.into()],
    )
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "account_id")?, get(r, "detail")?)))
        .collect()
}

/// The organisation with this exact name, if any.
pub async fn organisation_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> AppResult<Option<organisations::Model>> {
    Ok(organisations::Entity::find()
        .filter(organisations::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// Grants a role unless it is held already (true when it was added).
pub async fn grant_role(
    db: &impl ConnectionTrait,
    account: Uuid,
    organisation: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let held = query(
        db,
        "SELECT 1 FROM role_grants WHERE account_id = $1 AND organisation_id = $2 AND role = $3",
        vec![account.into(), organisation.into(), role.as_str().into()],
    )
    .await?;
    if !held.is_empty() {
        return Ok(false);
    }
    // Granted meanwhile by someone else (`role_grants_unique`): the same.
    unique(
        exec(
            db,
            "INSERT INTO role_grants (id, account_id, role, organisation_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Uuid::now_v7().into(),
                account.into(),
                role.as_str().into(),
                organisation.into(),
                now.into(),
            ],
        )
        .await,
    )
}
