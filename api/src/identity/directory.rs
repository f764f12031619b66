//! Look-ups of people, accounts, roles, organisations and sessions that
//! other domains need (who may hold a plan, whom to contact, which
//! children's homes an authority has). Identity owns these tables: other
//! domains ask here instead of reading them.
//!
//! Where another domain's statement must stay one statement (a join in a
//! list, a filter in one round trip), it embeds an SQL fragment exported
//! here (the `*_sql` functions and [`people_holding`]) instead of naming
//! identity's tables itself.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use super::model::Role;
use crate::{
    db::{
        entities::{accounts, role_grants},
        raw::query,
        rows::get,
    },
    error::AppResult,
};

/// Select-list columns `given_name`, `family_name` and `date_of_birth` of
/// the person `person` names (an SQL expression of the caller's statement,
/// such as `c.person_id`), as scalar subqueries aliased so: for a list
/// that must stay one statement (Staying Close's care leavers). `NULL`s
/// when there is no such person.
pub(crate) fn person_name_and_birth_columns_sql(person: &str) -> String {
    ["given_name", "family_name", "date_of_birth"]
        .map(|column| {
            format!(
                "(SELECT dir_p.{column} FROM people dir_p WHERE dir_p.id = {person}) AS {column}"
            )
        })
        .join(", ")
}

/// An organisation's name and kind.
pub async fn organisation(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<(String, String, Option<Uuid>)>> {
    let rows = query(
        db,
        "SELECT name, kind, local_authority_id FROM organisations WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    rows.first()
        .map(|r| {
            Ok((
                get(r, "name")?,
                get(r, "kind")?,
                get(r, "local_authority_id")?,
            ))
        })
        .transpose()
}

/// The names of these organisations, by id (one statement; ids that name
/// no organisation are absent).
pub async fn organisation_names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let rows = query(
        db,
        &format!(
            "SELECT id, name FROM organisations WHERE id IN ({})",
            placeholders.join(", ")
        ),
        ids.iter().map(|id| (*id).into()).collect(),
    )
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "id")?, get(r, "name")?)))
        .collect()
}

/// Whether the person holds `role` through an organisation that reaches
/// `la` (its own authority, or a commission for a provider).
pub async fn holds_role_in(
    db: &impl ConnectionTrait,
    person: Uuid,
    role: Role,
    la: Uuid,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT 1 FROM accounts a JOIN role_grants g ON g.account_id = a.id \
         JOIN organisations o ON o.id = g.organisation_id \
         WHERE a.person_id = $1 AND g.role = $2 AND a.status = 'active' AND (o.local_authority_id = $3 \
         OR EXISTS (SELECT 1 FROM commissions c WHERE c.organisation_id = o.id \
                    AND c.local_authority_id = $3))",
        vec![person.into(), role.as_str().into(), la.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// The local authorities the person belongs to through their active
/// account's roles (the authority of each organisation they hold a role
/// in), in order.
pub async fn authorities_of(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT DISTINCT o.local_authority_id FROM accounts a \
         JOIN role_grants g ON g.account_id = a.id \
         JOIN organisations o ON o.id = g.organisation_id \
         WHERE a.person_id = $1 AND a.status = 'active' AND o.local_authority_id IS NOT NULL \
         ORDER BY o.local_authority_id",
        vec![person.into()],
    )
    .await?;
    rows.iter().map(|r| get(r, "local_authority_id")).collect()
}

/// Whether the person holds `role` in `organisation` with an active
/// account (an advocate of this provider, say).
pub async fn holds_role_at(
    db: &impl ConnectionTrait,
    person: Uuid,
    role: Role,
    organisation: Uuid,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT 1 FROM accounts a JOIN role_grants g ON g.account_id = a.id \
         WHERE a.person_id = $1 AND g.role = $2 AND g.organisation_id = $3 AND a.status = 'active'",
        vec![person.into(), role.as_str().into(), organisation.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// The people holding `role` in `organisation` with an active account
/// (a provider's managers, say), in a stable order.
pub async fn role_holders_at(
    db: &impl ConnectionTrait,
    role: Role,
    organisation: Uuid,
) -> AppResult<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT DISTINCT a.person_id FROM accounts a JOIN role_grants g ON g.account_id = a.id \
         WHERE g.role = $1 AND g.organisation_id = $2 AND a.status = 'active' \
         ORDER BY a.person_id",
        vec![role.as_str().into(), organisation.into()],
    )
    .await?;
    rows.iter().map(|r| get(r, "person_id")).collect()
}

/// Whether the person has an active account (someone a notification can
/// reach; young children have none).
pub async fn has_active_account(db: &impl ConnectionTrait, person: Uuid) -> AppResult<bool> {
    let rows = query(
        db,
        &active_accounts_of_person_sql("$1"),
        vec![person.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// The providers commissioned by `la` for `service` on `on`, by name. A
/// period covers `starts_on` up to, not including, `ends_on` (the first day
/// without the provider), as the viewer's reach is read (`store::principal`).
pub async fn commissioned_providers(
    db: &impl ConnectionTrait,
    la: Uuid,
    service: &str,
    on: chrono::NaiveDate,
) -> AppResult<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT o.id FROM commissions c JOIN organisations o ON o.id = c.organisation_id \
         WHERE c.local_authority_id = $1 AND c.service = $2 AND c.starts_on <= $3 \
         AND (c.ends_on IS NULL OR c.ends_on > $3) ORDER BY o.name, o.id",
        vec![la.into(), service.into(), on.into()],
    )
    .await?;
    rows.iter().map(|r| get(r, "id")).collect()
}

/// A worker's name, email and organisation, for contact details.
#[derive(Debug, Clone)]
pub struct WorkerRow {
    pub person_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub organisation: Option<String>,
}

/// Contact details of these workers (people with accounts).
pub async fn workers(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<WorkerRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let rows = query(
        db,
        &format!(
            "SELECT p.id, p.given_name, p.family_name, a.email, \
             (SELECT MIN(o.name) FROM role_grants g JOIN organisations o ON o.id = g.organisation_id \
              WHERE g.account_id = a.id) AS organisation \
             FROM people p LEFT JOIN accounts a ON a.person_id = p.id WHERE p.id IN ({})",
            placeholders.join(", ")
        ),
        ids.iter().map(|id| (*id).into()).collect(),
    )
    .await?;
    rows.iter().map(worker_row).collect()
}

fn worker_row(r: &sea_orm::QueryResult) -> AppResult<WorkerRow> {
    Ok(WorkerRow {
        person_id: get(r, "id")?,
        given_name: get(r, "given_name")?,
        family_name: get(r, "family_name")?,
        email: get(r, "email")?,
        organisation: get(r, "organisation")?,
    })
}

/// Active workers holding one of `roles` through an organisation that
/// reaches `la`, with the role, ordered by role and name.
pub async fn workers_for(
    db: &impl ConnectionTrait,
    la: Uuid,
    roles: &[Role],
) -> AppResult<Vec<(Role, WorkerRow)>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (2..roles.len() + 2).map(|i| format!("${i}")).collect();
    let mut values: Vec<sea_orm::Value> = vec![la.into()];
    values.extend(roles.iter().map(|r| r.as_str().into()));
    let rows = query(
        db,
        &format!(
            "SELECT DISTINCT g.role, p.id, p.given_name, p.family_name, a.email, o.name AS organisation \
             FROM accounts a JOIN people p ON p.id = a.person_id \
             JOIN role_grants g ON g.account_id = a.id \
             JOIN organisations o ON o.id = g.organisation_id \
             WHERE a.status = 'active' AND g.role IN ({}) \
             AND (o.local_authority_id = $1 OR EXISTS (SELECT 1 FROM commissions c \
                  WHERE c.organisation_id = o.id AND c.local_authority_id = $1)) \
             ORDER BY g.role, p.family_name, p.given_name, p.id",
            placeholders.join(", ")
        ),
        values,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((Role::parse(&get::<String>(r, "role")?)?, worker_row(r)?)))
        .collect()
}

/// The children's homes in an authority.
pub async fn childrens_homes(
    db: &impl ConnectionTrait,
    la: Uuid,
) -> AppResult<Vec<(Uuid, String)>> {
    let rows = query(
        db,
        "SELECT id, name FROM organisations WHERE kind = 'childrens_home' AND local_authority_id = $1 ORDER BY name",
        vec![la.into()],
    )
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "id")?, get(r, "name")?)))
        .collect()
}

/// Where a person's emails go: their active account's address and their
/// given name (none without an active account).
pub async fn email_recipient(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> AppResult<Option<(String, String)>> {
    let rows = query(
        db,
        "SELECT a.email, p.given_name FROM people p JOIN accounts a ON a.person_id = p.id \
         WHERE p.id = $1 AND a.status = 'active'",
        vec![person_id.into()],
    )
    .await?;
    rows.first()
        .map(|r| Ok((get(r, "email")?, get(r, "given_name")?)))
        .transpose()
}

/// A session (refresh-token family) that was revoked.
#[derive(Debug, Clone, Copy)]
pub struct RevokedSession {
    pub account_id: Uuid,
    pub session_id: Uuid,
    pub revoked_at: DateTime<Utc>,
}

/// Sessions revoked after `since`, oldest revocation first, at most `limit`
/// rows (one per revoked refresh token of a family).
pub async fn sessions_revoked_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    limit: i64,
) -> AppResult<Vec<RevokedSession>> {
    let rows = query(
        db,
        "SELECT account_id, family_id, revoked_at FROM refresh_tokens \
         WHERE revoked_at > $1 ORDER BY revoked_at LIMIT $2",
        vec![since.into(), limit.into()],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RevokedSession {
                account_id: get(r, "account_id")?,
                session_id: get(r, "family_id")?,
                revoked_at: get(r, "revoked_at")?,
            })
        })
        .collect()
}

// ------------------------------------------------------------- fragments
//
// SQL for other domains' statements. Each takes an SQL expression from the
// caller's statement (a column such as `e.actor_account_id` or a `$n`
// placeholder: written by the caller, never user input) and uses aliases
// of its own (`dir_*`) so it cannot capture the caller's.

/// Subquery: the ids of the person's active accounts (at most one), for
/// `... IN (<this>)`.
pub(crate) fn active_accounts_of_person_sql(person: &str) -> String {
    format!(
        "SELECT dir_a.id FROM accounts dir_a WHERE dir_a.person_id = {person} AND dir_a.status = 'active'"
    )
}

/// Scalar subquery: the full name ("given family") of the person holding
/// the account; `NULL` for no account.
pub(crate) fn account_holder_name_sql(account: &str) -> String {
    format!(
        "(SELECT dir_p.given_name || ' ' || dir_p.family_name FROM accounts dir_a \
         JOIN people dir_p ON dir_p.id = dir_a.person_id WHERE dir_a.id = {account})"
    )
}

/// Scalar subquery: the account's first role granted (its stored code);
/// `NULL` when it has none.
pub(crate) fn account_first_role_sql(account: &str) -> String {
    format!(
        "(SELECT dir_g.role FROM role_grants dir_g WHERE dir_g.account_id = {account} \
         ORDER BY dir_g.created_at, dir_g.id LIMIT 1)"
    )
}

/// Scalar subquery: the name of the organisation of the account's first
/// role granted (the one [`account_first_role_sql`] gives).
pub(crate) fn account_first_role_organisation_sql(account: &str) -> String {
    format!(
        "(SELECT dir_o.name FROM role_grants dir_g \
         JOIN organisations dir_o ON dir_o.id = dir_g.organisation_id \
         WHERE dir_g.account_id = {account} ORDER BY dir_g.created_at, dir_g.id LIMIT 1)"
    )
}

/// Subquery (sea-query): the ids of people with an account holding `role`,
/// for `people.id IN (<this>)`.
pub(crate) fn people_holding(role: Role) -> SelectStatement {
    Query::select()
        .column((accounts::Entity, accounts::Column::PersonId))
        .from(accounts::Entity)
        .inner_join(
            role_grants::Entity,
            Expr::col((role_grants::Entity, role_grants::Column::AccountId))
                .equals((accounts::Entity, accounts::Column::Id)),
        )
        .and_where(Expr::col((role_grants::Entity, role_grants::Column::Role)).eq(role.as_str()))
        .to_owned()
}

/// Scalar subquery: the full name ("given family") of the person whose id
/// is `person`; `NULL` for no such person.
pub(crate) fn person_name_sql(person: &str) -> String {
    format!(
        "(SELECT dir_p.given_name || ' ' || dir_p.family_name FROM people dir_p \
         WHERE dir_p.id = {person})"
    )
}

/// Select-list columns: how to reach the worker whose person id is
/// `person`, as four scalar subqueries aliased `{prefix}_given_name`,
/// `{prefix}_family_name`, `{prefix}_email` (their account's) and
/// `{prefix}_organisation` (the first, by name, they hold a role through);
/// each `NULL` when there is none. Index look-ups per row on both backends
/// (PostgreSQL chose merge joins over whole indexes for outer joins).
pub(crate) fn worker_contact_columns_sql(person: &str, prefix: &str) -> String {
    format!(
        "(SELECT dir_p.given_name FROM people dir_p WHERE dir_p.id = {person}) \
         AS {prefix}_given_name, \
         (SELECT dir_p.family_name FROM people dir_p WHERE dir_p.id = {person}) \
         AS {prefix}_family_name, \
         (SELECT dir_a.email FROM accounts dir_a WHERE dir_a.person_id = {person}) \
         AS {prefix}_email, \
         (SELECT MIN(dir_o.name) FROM accounts dir_a \
          JOIN role_grants dir_g ON dir_g.account_id = dir_a.id \
          JOIN organisations dir_o ON dir_o.id = dir_g.organisation_id \
          WHERE dir_a.person_id = {person}) AS {prefix}_organisation"
    )
}

/// A person's role grants (through their active account, none without
/// one) and the authorities each reaches: for acting on their behalf.
pub async fn grants_of_person(
    db: &impl ConnectionTrait,
    person: Uuid,
) -> AppResult<Vec<crate::auth::viewer::Grant>> {
    super::store::person_grants(db, person).await
}
