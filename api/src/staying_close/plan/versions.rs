//! Storage of a plan's versions: who changed what, and the plan as it
//! then was.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::staying_close::rows::{all, first, get};
use crate::{
    db::raw::{exec, query},
    error::AppResult,
    paging::PageRequest,
};

#[derive(Debug, Clone)]
pub(super) struct VersionRow {
    pub plan_id: Uuid,
    pub version: i32,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub summary: String,
    pub changes: String,
    pub snapshot: String,
}

pub(in crate::staying_close) struct NewVersion<'a> {
    pub plan_id: Uuid,
    pub version: i32,
    pub account_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub summary: &'a str,
    pub changes: &'a serde_json::Value,
    pub snapshot: &'a serde_json::Value,
}

pub(in crate::staying_close) async fn insert_version(
    db: &impl ConnectionTrait,
    v: NewVersion<'_>,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO plan_versions (plan_id, version, changed_by_account_id, changed_by_person_id, \
         changed_at, summary, changes, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        vec![
            v.plan_id.into(),
            v.version.into(),
            v.account_id.into(),
            v.person_id.into(),
            Utc::now().into(),
            v.summary.into(),
            v.changes.to_string().into(),
            v.snapshot.to_string().into(),
        ],
    )
    .await?;
    Ok(())
}

const VERSION: &str = "SELECT v.plan_id, v.version, v.changed_by_person_id, \
     p.given_name || ' ' || p.family_name AS changed_by_name, v.changed_at, v.summary, \
     v.changes, v.snapshot FROM plan_versions v LEFT JOIN people p ON p.id = v.changed_by_person_id";

fn version_row(r: &QueryResult) -> AppResult<VersionRow> {
    Ok(VersionRow {
        plan_id: get(r, "plan_id")?,
        version: get(r, "version")?,
        changed_by_name: get(r, "changed_by_name")?,
        changed_at: get(r, "changed_at")?,
        summary: get(r, "summary")?,
        changes: get(r, "changes")?,
        snapshot: get(r, "snapshot")?,
    })
}

/// A plan's versions, newest first, before `before` (a version number).
pub(super) async fn versions(
    db: &impl ConnectionTrait,
    plan: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<VersionRow>> {
    let before = page.after_key::<i32>()?.unwrap_or(i32::MAX);
    let rows = query(
        db,
        &format!(
            "{VERSION} WHERE v.plan_id = $1 AND v.version < $2 ORDER BY v.version DESC LIMIT $3"
        ),
        vec![
            plan.into(),
            before.into(),
            i64::try_from(page.fetch_limit()).unwrap_or(101).into(),
        ],
    )
    .await?;
    all(rows, version_row)
}

pub(super) async fn version(
    db: &impl ConnectionTrait,
    plan: Uuid,
    version: i32,
) -> AppResult<Option<VersionRow>> {
    let rows = query(
        db,
        &format!("{VERSION} WHERE v.plan_id = $1 AND v.version = $2"),
        vec![plan.into(), version.into()],
    )
    .await?;
    first(rows, version_row)
}
