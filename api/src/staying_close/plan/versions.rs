//! Storage of a plan's versions: who changed what, and the plan as it
//! then was.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{PlanEndReason, PlanStatus},
    store::PlanRow,
};
use crate::identity::directory;
use crate::staying_close::goals::{
    model::{GoalStatus, PlanSection},
    store::GoalRow,
};
use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get},
    error::{AppError, AppResult},
    paging::PageRequest,
};

/// The plan as it was at a version, as stored in `plan_versions.snapshot`
/// (JSON, camelCase keys): written by every change and read back by
/// `history`/`atVersion`. Rows already stored keep these keys, so fields
/// are only ever added, as optional ones (versions written before have
/// none: the demo's first versions have no worker or goal ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::staying_close) struct Snapshot {
    pub status: PlanStatus,
    pub end_reason: Option<PlanEndReason>,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub key_worker_id: Option<Uuid>,
    pub personal_adviser_id: Option<Uuid>,
    pub check_in_interval_days: i32,
    pub next_check_in_due: Option<NaiveDate>,
    pub next_review_due: Option<NaiveDate>,
    pub goals: Vec<GoalSnapshot>,
}

/// A goal as it was at a version (part of [`Snapshot`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::staying_close) struct GoalSnapshot {
    pub id: Option<Uuid>,
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
}

impl Snapshot {
    /// The plan as it now is, with its goals (not removed).
    pub(in crate::staying_close) fn of(plan: &PlanRow, goals: &[GoalRow]) -> Self {
        Snapshot {
            status: plan.status,
            end_reason: plan.end_reason,
            start_date: plan.start_date,
            planned_end_date: plan.planned_end_date,
            key_worker_id: plan.key_worker_id,
            personal_adviser_id: plan.personal_adviser_id,
            check_in_interval_days: plan.check_in_interval_days,
            next_check_in_due: plan.next_check_in_due,
            next_review_due: plan.next_review_due,
            goals: goals
                .iter()
                .map(|g| GoalSnapshot {
                    id: Some(g.id),
                    section: g.section,
                    title: g.title.clone(),
                    who_helps: g.helper.clone(),
                    target_date: g.target_date,
                    status: g.status,
                })
                .collect(),
        }
    }

    /// The stored text: keys in sorted order (through `serde_json::Value`,
    /// as the rows already stored were written).
    fn stored(&self) -> AppResult<String> {
        Ok(serde_json::to_value(self)
            .map_err(AppError::internal)?
            .to_string())
    }

    /// A stored snapshot; one that does not parse is a data bug.
    fn parse(stored: &str) -> AppResult<Self> {
        serde_json::from_str(stored).map_err(AppError::internal)
    }
}

#[derive(Debug, Clone)]
pub(super) struct VersionRow {
    pub plan_id: Uuid,
    pub version: i32,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub summary: String,
    pub changes: String,
    pub snapshot: Snapshot,
}

pub(in crate::staying_close) struct NewVersion<'a> {
    pub plan_id: Uuid,
    pub version: i32,
    pub account_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub summary: &'a str,
    pub changes: &'a serde_json::Value,
    pub snapshot: &'a Snapshot,
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
            v.snapshot.stored()?.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Versions with the name of who made them (identity's fragment; `NULL`
/// for changes no person made).
fn version_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT v.plan_id, v.version, v.changed_by_person_id, {} AS changed_by_name, \
             v.changed_at, v.summary, v.changes, v.snapshot FROM plan_versions v",
            directory::person_name_sql("v.changed_by_person_id")
        )
    });
    &SQL
}

fn version_row(r: &QueryResult) -> AppResult<VersionRow> {
    Ok(VersionRow {
        plan_id: get(r, "plan_id")?,
        version: get(r, "version")?,
        changed_by_name: get(r, "changed_by_name")?,
        changed_at: get(r, "changed_at")?,
        summary: get(r, "summary")?,
        changes: get(r, "changes")?,
        snapshot: Snapshot::parse(&get::<String>(r, "snapshot")?)?,
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
            "{} WHERE v.plan_id = $1 AND v.version < $2 ORDER BY v.version DESC LIMIT $3",
            version_sql()
        ),
        vec![plan.into(), before.into(), page.sql_limit().into()],
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
        &format!("{} WHERE v.plan_id = $1 AND v.version = $2", version_sql()),
        vec![plan.into(), version.into()],
    )
    .await?;
    first(rows, version_row)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot as `json!` wrote it before this type existed (keys
    /// sorted, every optional key present as `null` or a value).
    const STORED: &str = r#"{"checkInIntervalDays":56,"endReason":null,"goals":[{"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","section":"employment","status":"in_progress","targetDate":"2026-03-01","title":"Write a CV","whoHelps":"Key worker"}],"keyWorkerId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c","nextCheckInDue":"2026-01-10","nextReviewDue":null,"personalAdviserId":null,"plannedEndDate":"2028-05-01","startDate":"2025-11-01","status":"active"}"#;

    #[test]
    fn a_stored_snapshot_reads_back_and_writes_the_same_bytes() {
        // What the old code (`json!` in `plan/access.rs`) wrote for this plan.
        let old = serde_json::json!({
            "status": PlanStatus::Active,
            "endReason": None::<PlanEndReason>,
            "startDate": "2025-11-01",
            "plannedEndDate": "2028-05-01",
            "keyWorkerId": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
            "personalAdviserId": None::<Uuid>,
            "checkInIntervalDays": 56,
            "nextCheckInDue": "2026-01-10",
            "nextReviewDue": None::<NaiveDate>,
            "goals": [serde_json::json!({
                "id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                "section": PlanSection::Employment,
                "title": "Write a CV",
                "whoHelps": "Key worker",
                "targetDate": "2026-03-01",
                "status": GoalStatus::InProgress,
            })],
        });
        assert_eq!(old.to_string(), STORED);
        let snapshot = Snapshot::parse(STORED).unwrap();
        assert_eq!(snapshot.status, PlanStatus::Active);
        assert_eq!(snapshot.goals[0].title, "Write a CV");
        assert_eq!(snapshot.goals[0].status, GoalStatus::InProgress);
        assert_eq!(snapshot.stored().unwrap(), STORED);
    }

    #[test]
    fn a_snapshot_round_trips() {
        let snapshot = Snapshot::parse(STORED).unwrap();
        let again = Snapshot::parse(&snapshot.stored().unwrap()).unwrap();
        assert_eq!(again, snapshot);
    }

    #[test]
    fn snapshots_without_the_later_keys_still_read() {
        // The demo's first versions: no worker ids, goals without ids.
        let demo = r#"{"checkInIntervalDays":56,"endReason":null,"goals":[{"section":"employment","status":"not_started","targetDate":null,"title":"Find work","whoHelps":null}],"nextCheckInDue":null,"nextReviewDue":null,"plannedEndDate":"2028-05-01","startDate":"2025-11-01","status":"draft"}"#;
        let snapshot = Snapshot::parse(demo).unwrap();
        assert_eq!(snapshot.key_worker_id, None);
        assert_eq!(snapshot.goals[0].id, None);
    }

    #[test]
    fn a_snapshot_that_does_not_parse_is_internal() {
        let err = Snapshot::parse(r#"{"status":"paused"}"#).unwrap_err();
        assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    }
}
