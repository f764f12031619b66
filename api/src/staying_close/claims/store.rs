//! Storage of claims and allowance caps.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{Cap, ClaimKind, ClaimStatus, Claimed};
use crate::db::rows::{all, first, get, grouped};
use crate::{
    db::raw::{exec, query},
    error::AppResult,
    paging::PageRequest,
    policy::Scope,
};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(in crate::staying_close) struct ClaimRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub kind: ClaimKind,
    pub amount_pence: i64,
    pub purpose: String,
    pub basis_date: NaiveDate,
    pub status: ClaimStatus,
    pub decided_by_person_id: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const CLAIM: &str = "SELECT id, person_id, local_authority_id, kind, amount_pence, purpose, \
     basis_date, status, decided_by_person_id, decided_at, decision_note, paid_at, created_at, \
     updated_at FROM claims";

fn claim_row(r: &QueryResult) -> AppResult<ClaimRow> {
    Ok(ClaimRow {
        id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        kind: ClaimKind::parse(&get::<String>(r, "kind")?)?,
        amount_pence: get(r, "amount_pence")?,
        purpose: get(r, "purpose")?,
        basis_date: get(r, "basis_date")?,
        status: ClaimStatus::parse(&get::<String>(r, "status")?)?,
        decided_by_person_id: get(r, "decided_by_person_id")?,
        decided_at: get(r, "decided_at")?,
        decision_note: get(r, "decision_note")?,
        paid_at: get(r, "paid_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub(in crate::staying_close) async fn claims(
    db: &impl ConnectionTrait,
    person: Uuid,
) -> AppResult<Vec<ClaimRow>> {
    let mut found = claims_of_people(db, &[person]).await?;
    Ok(found.remove(&person).unwrap_or_default())
}

/// The claims of several young people, by person, newest first.
pub(in crate::staying_close) async fn claims_of_people(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ClaimRow>>> {
    grouped(
        db,
        CLAIM,
        "person_id",
        "",
        "created_at DESC, id DESC",
        people,
        claim_row,
        |c| c.person_id,
    )
    .await
}

pub(super) async fn claim(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<ClaimRow>> {
    first(
        query(db, &format!("{CLAIM} WHERE id = $1"), vec![id.into()]).await?,
        claim_row,
    )
}

/// Claims in scope waiting for a decision or a payment, oldest first.
pub(super) async fn open_claims(
    db: &impl ConnectionTrait,
    scope: &Scope,
    page: &PageRequest,
) -> AppResult<Vec<ClaimRow>> {
    let mut params: Vec<Value> = Vec::new();
    let Some(filter) = scope.sql("person_id", "local_authority_id", None, &mut params) else {
        return Ok(Vec::new());
    };
    let after = page.after_key::<Uuid>()?.unwrap_or(Uuid::nil());
    params.push(after.into());
    let a = params.len();
    params.push(page.sql_limit().into());
    let rows = query(
        db,
        &format!(
            "{CLAIM} WHERE {filter} AND status IN ('requested', 'approved') AND id > ${a} \
             ORDER BY id LIMIT ${}",
            a + 1
        ),
        params,
    )
    .await?;
    all(rows, claim_row)
}

/// What each of `people` has claimed so far, per kind, not counting
/// rejected claims (kinds with no such claim are absent).
pub(in crate::staying_close) async fn claimed_by_people(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> AppResult<HashMap<Uuid, HashMap<ClaimKind, Claimed>>> {
    let found = grouped(
        db,
        "SELECT person_id, kind, MIN(basis_date) AS first_basis, \
         CAST(SUM(amount_pence) AS BIGINT) AS claimed FROM claims",
        "person_id",
        " AND status <> 'rejected' GROUP BY person_id, kind",
        "person_id, kind",
        people,
        |r| {
            Ok((
                get::<Uuid>(r, "person_id")?,
                ClaimKind::parse(&get::<String>(r, "kind")?)?,
                Claimed {
                    first_basis: get(r, "first_basis")?,
                    pence: get(r, "claimed")?,
                },
            ))
        },
        |(person, _, _)| *person,
    )
    .await?;
    Ok(found
        .into_iter()
        .map(|(person, rows)| (person, rows.into_iter().map(|(_, k, c)| (k, c)).collect()))
        .collect())
}

/// What one person has claimed so far of one kind.
pub(super) async fn claimed(
    db: &impl ConnectionTrait,
    person: Uuid,
    kind: ClaimKind,
) -> AppResult<Claimed> {
    Ok(claimed_by_people(db, &[person])
        .await?
        .get(&person)
        .and_then(|kinds| kinds.get(&kind).copied())
        .unwrap_or_default())
}

/// Every allowance cap, by kind, oldest first.
pub(in crate::staying_close) async fn caps(
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<ClaimKind, Vec<Cap>>> {
    let rows = query(
        db,
        "SELECT kind, effective_from, amount_pence FROM allowance_caps ORDER BY effective_from",
        vec![],
    )
    .await?;
    let mut out: HashMap<ClaimKind, Vec<Cap>> = HashMap::new();
    for r in &rows {
        out.entry(ClaimKind::parse(&get::<String>(r, "kind")?)?)
            .or_default()
            .push(Cap {
                effective_from: get(r, "effective_from")?,
                amount_pence: get(r, "amount_pence")?,
            });
    }
    Ok(out)
}

pub(in crate::staying_close) async fn save_claim(
    db: &impl ConnectionTrait,
    c: &ClaimRow,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO claims (id, person_id, local_authority_id, kind, amount_pence, purpose, \
         basis_date, status, decided_by_person_id, decided_at, decision_note, paid_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
         decided_by_person_id = excluded.decided_by_person_id, decided_at = excluded.decided_at, \
         decision_note = excluded.decision_note, paid_at = excluded.paid_at, \
         updated_at = excluded.updated_at",
        vec![
            c.id.into(),
            c.person_id.into(),
            c.local_authority_id.into(),
            c.kind.as_str().into(),
            c.amount_pence.into(),
            c.purpose.clone().into(),
            c.basis_date.into(),
            c.status.as_str().into(),
            c.decided_by_person_id.into(),
            c.decided_at.into(),
            c.decision_note.clone().into(),
            c.paid_at.into(),
            c.created_at.into(),
            c.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Serialises claims for one person: takes the care-leaver row's lock
/// (PostgreSQL) so concurrent claims see each other's totals. SQLite's
/// single writer already serialises them.
pub(super) async fn lock_person_claims(db: &impl ConnectionTrait, person: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE care_leavers SET updated_at = updated_at WHERE person_id = $1",
        vec![person.into()],
    )
    .await?;
    Ok(())
}
