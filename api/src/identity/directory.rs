//! Look-ups of people, accounts, roles and organisations that other
//! domains need (who may hold a plan, whom to contact, which children's
//! homes an authority has). Identity owns these tables: other domains ask
//! here instead of reading them.

use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::Role;
use crate::{db::raw::query, error::AppResult};

fn get<T: sea_orm::TryGetable>(r: &QueryResult, col: &str) -> AppResult<T> {
    Ok(r.try_get::<T>("", col)?)
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
    rows.iter()
        .map(|r| {
            Ok(WorkerRow {
                person_id: get(r, "id")?,
                given_name: get(r, "given_name")?,
                family_name: get(r, "family_name")?,
                email: get(r, "email")?,
                organisation: get(r, "organisation")?,
            })
        })
        .collect()
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
        .map(|r| {
            Ok((
                Role::parse(&get::<String>(r, "role")?)?,
                WorkerRow {
                    person_id: get(r, "id")?,
                    given_name: get(r, "given_name")?,
                    family_name: get(r, "family_name")?,
                    email: get(r, "email")?,
                    organisation: get(r, "organisation")?,
                },
            ))
        })
        .collect()
}

/// The children's homes in an authority.
pub async fn childrens_homes(
    db: &impl ConnectionTrait,
    la: Uuid,
) -> AppResult<Vec<(Uuid, String)>> {
    let rows = query(
        db,
        "SELECT id, name FROM organisations WHERE kind = 'childrens_home'          AND local_authority_id = $1 ORDER BY name",
        vec![la.into()],
    )
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "id")?, get(r, "name")?)))
        .collect()
}
