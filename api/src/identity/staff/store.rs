//! SQL for an organisation's people: role grants, account status, the
//! staff list and the sign-in history (identity's own tables).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::SignInOutcome;
use crate::{
    db::raw::{exec, query},
    db::rows::{all, get},
    error::{AppError, AppResult},
    identity::{model::Role, organisations::store::like_escape},
    paging::PageRequest,
};

/// An account's roles and the organisations they are held in.
pub async fn grants(db: &impl ConnectionTrait, account: Uuid) -> AppResult<Vec<(Role, Uuid)>> {
    let rows = query(
        db,
        "SELECT role, organisation_id FROM role_grants WHERE account_id = $1 \
         ORDER BY created_at, id",
        vec![account.into()],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = get(r, "role")?;
            Ok((Role::parse(&role)?, get(r, "organisation_id")?))
        })
        .collect()
}

/// Removes a role (true when it was held).
pub async fn remove(
    db: &impl ConnectionTrait,
    account: Uuid,
    organisation: Uuid,
    role: Role,
) -> AppResult<bool> {
    let result = exec(
        db,
        "DELETE FROM role_grants WHERE account_id = $1 AND organisation_id = $2 AND role = $3",
        vec![account.into(), organisation.into(), role.as_str().into()],
    )
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Disables an account (its pushes stop with it: `set_status`).
pub async fn disable(
    db: &impl ConnectionTrait,
    account: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE accounts SET status = 'disabled', disabled_at = $2, updated_at = $2 WHERE id = $1",
        vec![account.into(), now.into()],
    )
    .await?;
    crate::push::store::remove_all_for_account(db, account).await?;
    Ok(())
}

/// Re-enables a disabled account, with a clean slate of failed sign-ins.
pub async fn enable(db: &impl ConnectionTrait, account: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    exec(
        db,
        "UPDATE accounts SET status = 'active', disabled_at = NULL, failed_sign_ins = 0, \
         locked_until = NULL, updated_at = $2 WHERE id = $1",
        vec![account.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Staff roles (not young people's or carers') held in organisation `$n`
/// by account `a.id`.
fn staff_grant(org: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM role_grants g WHERE g.account_id = a.id \
         AND g.organisation_id = ${org} AND g.role NOT IN ('young_person', 'kinship_carer'))"
    )
}

/// A member of staff as listed.
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub account_id: Uuid,
    pub person_id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub status: String,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Roles held in the organisation listed (filled in by [`staff_page`]).
    pub roles: Vec<Role>,
}

fn staff_row(r: &QueryResult) -> AppResult<StaffRow> {
    Ok(StaffRow {
        account_id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        email: get(r, "email")?,
        given_name: get(r, "given_name")?,
        family_name: get(r, "family_name")?,
        status: get(r, "status")?,
        last_sign_in_at: get(r, "last_sign_in_at")?,
        disabled_at: get(r, "disabled_at")?,
        roles: Vec::new(),
    })
}

/// Filters of the staff list.
#[derive(Debug, Default)]
pub struct StaffFilter<'a> {
    pub search: Option<&'a str>,
    pub role: Option<Role>,
    pub status: Option<&'a str>,
}

/// A page of an organisation's staff by email (the cursor key), with the
/// roles each holds there.
pub async fn staff_page(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    page: &PageRequest,
    filter: &StaffFilter<'_>,
) -> AppResult<Vec<StaffRow>> {
    let mut sql = format!(
        "SELECT a.id, a.person_id, a.email, p.given_name, p.family_name, a.status, \
         a.last_sign_in_at, a.disabled_at FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE {}",
        staff_grant(1)
    );
    let mut values: Vec<Value> = vec![organisation.into()];
    if let Some(search) = filter.search {
        values.push(format!("%{}%", like_escape(&search.to_lowercase())).into());
        let n = values.len();
        sql.push_str(&format!(
            " AND (LOWER(a.email) LIKE ${n} ESCAPE '\\' \
             OR LOWER(p.given_name || ' ' || p.family_name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(role) = filter.role {
        values.push(role.as_str().into());
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM role_grants r WHERE r.account_id = a.id \
             AND r.organisation_id = $1 AND r.role = ${})",
            values.len()
        ));
    }
    if let Some(status) = filter.status {
        values.push(status.into());
        sql.push_str(&format!(" AND a.status = ${}", values.len()));
    }
    if let Some(after) = &page.after {
        values.push(after.clone().into());
        sql.push_str(&format!(" AND a.email > ${}", values.len()));
    }
    values.push(page.sql_limit().into());
    sql.push_str(&format!(" ORDER BY a.email LIMIT ${}", values.len()));
    let mut rows = all(query(db, &sql, values).await?, staff_row)?;
    if rows.is_empty() {
        return Ok(rows);
    }
    // The page's roles there, in one query.
    let mut values: Vec<Value> = vec![organisation.into()];
    values.extend(rows.iter().map(|r| Value::from(r.account_id)));
    let placeholders: Vec<String> = (2..=values.len()).map(|i| format!("${i}")).collect();
    let held = query(
        db,
        &format!(
            "SELECT account_id, role FROM role_grants WHERE organisation_id = $1 \
             AND account_id IN ({}) ORDER BY created_at, id",
            placeholders.join(", ")
        ),
        values,
    )
    .await?;
    for grant in &held {
        let account: Uuid = get(grant, "account_id")?;
        let role: String = get(grant, "role")?;
        let role = Role::parse(&role)?;
        if let Some(row) = rows.iter_mut().find(|r| r.account_id == account)
            && role.is_staff()
        {
            row.roles.push(role);
        }
    }
    Ok(rows)
}

/// A sign-in event as listed.
#[derive(Debug, Clone)]
pub struct SignInRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: String,
    pub account_id: Uuid,
    pub person_id: Uuid,
    pub email: String,
    pub detail: String,
    pub method: Option<String>,
}

fn sign_in_row(r: &QueryResult) -> AppResult<SignInRow> {
    Ok(SignInRow {
        id: get(r, "id")?,
        occurred_at: get(r, "occurred_at")?,
        kind: get(r, "kind")?,
        account_id: get(r, "account_id")?,
        person_id: get(r, "person_id")?,
        email: get(r, "email")?,
        detail: get(r, "detail")?,
        method: get(r, "method")?,
    })
}

/// Filters of the sign-in history.
#[derive(Debug, Default)]
pub struct HistoryFilter {
    pub account: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub outcome: Option<SignInOutcome>,
}

/// A page of the sign-in history of an organisation's staff, newest first
/// (the event id is the cursor key).
pub async fn history_page(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    page: &PageRequest,
    filter: &HistoryFilter,
) -> AppResult<Vec<SignInRow>> {
    let kinds: Vec<&str> = match filter.outcome {
        Some(outcome) => outcome.kinds(),
        None => SignInOutcome::ALL
            .into_iter()
            .flat_map(SignInOutcome::kinds)
            .collect(),
    };
    let mut values: Vec<Value> = vec![organisation.into()];
    let mut placeholders = Vec::new();
    for kind in kinds {
        values.push(kind.into());
        placeholders.push(format!("${}", values.len()));
    }
    let mut sql = format!(
        "SELECT e.id, e.occurred_at, e.kind, e.account_id, a.person_id, a.email, e.detail, \
         e.method FROM security_events e JOIN accounts a ON a.id = e.account_id \
         WHERE e.kind IN ({}) AND {}",
        placeholders.join(", "),
        staff_grant(1)
    );
    if let Some(account) = filter.account {
        values.push(account.into());
        sql.push_str(&format!(" AND e.account_id = ${}", values.len()));
    }
    if let Some(from) = filter.from {
        values.push(from.into());
        sql.push_str(&format!(" AND e.occurred_at >= ${}", values.len()));
    }
    if let Some(to) = filter.to {
        values.push(to.into());
        sql.push_str(&format!(" AND e.occurred_at < ${}", values.len()));
    }
    if let Some(after) = page.after_key::<i64>()? {
        values.push(after.into());
        sql.push_str(&format!(" AND e.id < ${}", values.len()));
    }
    values.push(page.sql_limit().into());
    sql.push_str(&format!(" ORDER BY e.id DESC LIMIT ${}", values.len()));
    all(query(db, &sql, values).await?, sign_in_row)
}

/// Records why an account was disabled (a security event of its own).
pub async fn disabled_event(
    db: &impl ConnectionTrait,
    account: Uuid,
    reason: &str,
    request_id: &str,
) -> AppResult<()> {
    crate::identity::store::security_event(
        db,
        "account_disabled",
        Some(account),
        reason,
        request_id,
    )
    .await
}

/// `BAD_USER_INPUT` for a `to` not after `from`.
pub fn check_range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> AppResult<()> {
    match (from, to) {
        (Some(from), Some(to)) if to <= from => {
            Err(AppError::bad_input("to", "must be after from"))
        }
        _ => Ok(()),
    }
}
