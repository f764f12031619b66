//! SQL for safeguarding shares (`advocacy_safeguarding_shares`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{Share, young_person_sees};
use crate::{
    db::raw::{exec, query},
    db::rows::{first, get, grouped},
    error::AppResult,
};

/// A share as stored.
#[derive(Debug, Clone)]
pub struct ShareRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub shared_by: Uuid,
    pub share: Share,
    pub risk_passed_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ShareRow {
    /// Withheld from the young person for risk (whether or not it passed).
    pub fn withheld_for_risk(&self) -> bool {
        self.share.risk_reason.is_some()
    }

    /// Whether the young person may see it now.
    pub fn young_person_sees(&self) -> bool {
        young_person_sees(self.withheld_for_risk(), self.risk_passed_at.is_some())
    }
}

const SELECT: &str = "SELECT id, request_id, shared_by_person_id, reason, what_was_shared, \
     shared_with_name, shared_with_role, shared_at, young_person_told, risk_reason, \
     risk_passed_at, recorded_at, updated_at FROM advocacy_safeguarding_shares";

fn share_row(r: &QueryResult) -> AppResult<ShareRow> {
    Ok(ShareRow {
        id: get(r, "id")?,
        request_id: get(r, "request_id")?,
        shared_by: get(r, "shared_by_person_id")?,
        share: Share {
            reason: get(r, "reason")?,
            what_was_shared: get(r, "what_was_shared")?,
            shared_with_name: get(r, "shared_with_name")?,
            shared_with_role: get(r, "shared_with_role")?,
            shared_at: Some(get(r, "shared_at")?),
            young_person_told: get(r, "young_person_told")?,
            risk_reason: get(r, "risk_reason")?,
        },
        risk_passed_at: get(r, "risk_passed_at")?,
        recorded_at: get(r, "recorded_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub async fn insert(db: &impl ConnectionTrait, row: &ShareRow) -> AppResult<()> {
    let s = &row.share;
    exec(
        db,
        "INSERT INTO advocacy_safeguarding_shares (id, request_id, shared_by_person_id, reason, \
         what_was_shared, shared_with_name, shared_with_role, shared_at, young_person_told, \
         risk_reason, recorded_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        vec![
            row.id.into(),
            row.request_id.into(),
            row.shared_by.into(),
            s.reason.clone().into(),
            s.what_was_shared.clone().into(),
            s.shared_with_name.clone().into(),
            s.shared_with_role.clone().into(),
            s.shared_at.unwrap_or(row.recorded_at).into(),
            s.young_person_told.into(),
            s.risk_reason.clone().into(),
            row.recorded_at.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn share(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<ShareRow>> {
    let rows = query(db, &format!("{SELECT} WHERE id = $1"), vec![id.into()]).await?;
    first(rows, share_row)
}

/// The shares on these requests, by request, oldest first.
pub async fn shares(
    db: &impl ConnectionTrait,
    requests: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ShareRow>>> {
    grouped(
        db,
        SELECT,
        "request_id",
        "",
        "request_id, shared_at, id",
        requests,
        share_row,
        |s| s.request_id,
    )
    .await
}

/// A manager recorded that the risk has passed.
pub async fn risk_passed(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE advocacy_safeguarding_shares SET risk_passed_at = $2, \
         risk_passed_by_person_id = $3, updated_at = $2 WHERE id = $1",
        vec![id.into(), at.into(), by.into()],
    )
    .await?;
    Ok(())
}
