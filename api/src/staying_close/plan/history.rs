//! A plan's versions as GraphQL types (`history`, `atVersion`, and
//! `node(id:)` for a `PlanVersion`).
//!
//! A version has no id column of its own: it is the pair (plan, version).
//! Its global id carries both: the plan's uuid as the id, and the version
//! number in the type tag (`PlanVersion.<version>:<plan uuid>`, base64url
//! like every id). It decodes without a look-up, and a uuid derived from
//! the pair (v5) could not be turned back into it without storing it.

use async_graphql::{Context, ID, Json, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{PlanEndReason, PlanStatus},
    reads::readable_plan,
    versions,
};
use crate::{
    error::{AppError, AppResult},
    graphql::{context::RequestCtx, relay::encode_id},
    staying_close::goals::model::{GoalStatus, PlanSection},
};

/// The type tag of a version's global id starts with this; the version
/// number follows it.
const TAG: &str = "PlanVersion.";

/// The global id of a plan's version.
fn version_id(plan: Uuid, version: i32) -> ID {
    encode_id(&format!("{TAG}{version}"), plan)
}

/// The version named by a global id's type tag, if it is a version's.
pub(in crate::staying_close) fn version_of_tag(type_name: &str) -> Option<i32> {
    type_name.strip_prefix(TAG)?.parse().ok()
}

/// A goal as it was in an earlier version.
#[derive(SimpleObject, Clone)]
struct GoalSnapshot {
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
}

/// The plan as it was at a version.
#[derive(SimpleObject, Clone)]
struct PlanSnapshot {
    pub status: PlanStatus,
    pub end_reason: Option<PlanEndReason>,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub check_in_interval_days: i32,
    pub next_check_in_due: Option<NaiveDate>,
    pub next_review_due: Option<NaiveDate>,
    pub goals: Vec<GoalSnapshot>,
}

impl From<versions::Snapshot> for PlanSnapshot {
    fn from(s: versions::Snapshot) -> Self {
        PlanSnapshot {
            status: s.status,
            end_reason: s.end_reason,
            start_date: s.start_date,
            planned_end_date: s.planned_end_date,
            check_in_interval_days: s.check_in_interval_days,
            next_check_in_due: s.next_check_in_due,
            next_review_due: s.next_review_due,
            goals: s
                .goals
                .into_iter()
                .map(|g| GoalSnapshot {
                    section: g.section,
                    title: g.title,
                    who_helps: g.who_helps,
                    target_date: g.target_date,
                    status: g.status,
                })
                .collect(),
        }
    }
}

/// One version of a plan: who changed what, when, and the plan as it
/// then was.
#[derive(SimpleObject, Clone)]
pub struct PlanVersion {
    /// Global id (the plan and the version number).
    pub id: ID,
    pub(super) version: i32,
    changed_at: DateTime<Utc>,
    /// When this version was made (a version never changes: `changedAt`).
    updated_at: DateTime<Utc>,
    changed_by_name: Option<String>,
    /// What kind of change made it (`goal.add`, `check_in.log`, ...).
    summary: String,
    /// The fields that changed, each `{field, from, to}`, or what was
    /// added or removed.
    changes: Json<serde_json::Value>,
    plan: PlanSnapshot,
}

impl TryFrom<versions::VersionRow> for PlanVersion {
    type Error = AppError;
    fn try_from(v: versions::VersionRow) -> AppResult<Self> {
        Ok(PlanVersion {
            id: version_id(v.plan_id, v.version),
            version: v.version,
            changed_at: v.changed_at,
            updated_at: v.changed_at,
            changed_by_name: v.changed_by_name,
            summary: v.summary,
            changes: Json(serde_json::from_str(&v.changes).map_err(AppError::internal)?),
            plan: v.snapshot.into(),
        })
    }
}

/// A version by (plan, version), when the viewer may read the plan
/// (audited as reading the plan's `history`).
pub(in crate::staying_close) async fn node(
    ctx: &Context<'_>,
    plan: Uuid,
    version: i32,
) -> AppResult<Option<PlanVersion>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(row) = versions::version(db, plan, version).await? else {
        return Ok(None);
    };
    if readable_plan(ctx, plan, "history").await?.is_none() {
        return Ok(None);
    }
    Ok(Some(row.try_into()?))
}
