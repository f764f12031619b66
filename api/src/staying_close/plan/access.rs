//! Staying Close's look-ups inside a change: plans and goals as the viewer
//! may change them, and the plan's versions and snapshots.

use uuid::Uuid;

use super::{
    model::PlanStatus,
    store::{self, PlanRow},
    versions::{self, NewVersion, Snapshot},
};
use crate::staying_close::goals::{self, store::GoalRow};
use crate::{
    change::Change,
    error::{AppError, AppResult},
    policy::Action,
};

/// Staying Close's look-ups inside a change: plans and goals as the
/// viewer may change them, and the plan's versions.
pub(in crate::staying_close) trait PlanChange {
    async fn plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow>;
    async fn open_plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow>;
    async fn refreshed(&self, plan: Uuid) -> AppResult<PlanRow>;
    async fn goal(&self, id: Uuid, actions: &[Action]) -> AppResult<(GoalRow, PlanRow)>;
    async fn version(
        &self,
        plan: Uuid,
        expected: Option<i32>,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<i32>;
    async fn snapshot(
        &self,
        plan: Uuid,
        version: i32,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<()>;
}

impl PlanChange for Change<'_> {
    /// The plan, if the viewer may do `action` to it (any of `actions`).
    /// A plan the viewer cannot even read is NOT_FOUND, so its existence
    /// is not revealed; one they can read but not change is FORBIDDEN.
    async fn plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow> {
        let plan = store::plan_by_id(&self.txn, id)
            .await?
            .ok_or(AppError::NotFound {
                entity: "StayingClosePlan",
            })?;
        self.authorise(
            &plan.target(),
            actions,
            Action::ReadPlan,
            "StayingClosePlan",
        )?;
        Ok(plan)
    }

    /// An open (not ended) plan the viewer may change.
    async fn open_plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow> {
        let plan = self.plan(id, actions).await?;
        if plan.status == PlanStatus::Ended {
            return Err(AppError::conflict(
                "This plan has ended; start a new plan to make changes.",
            ));
        }
        Ok(plan)
    }

    /// The plan as this change has left it.
    async fn refreshed(&self, plan: Uuid) -> AppResult<PlanRow> {
        store::plan_by_id(&self.txn, plan)
            .await?
            .ok_or(AppError::NotFound {
                entity: "StayingClosePlan",
            })
    }

    /// A goal still on its plan, with the plan, if the viewer may do one
    /// of `actions` to it; NOT_FOUND (as a goal) when they cannot read it.
    async fn goal(&self, id: Uuid, actions: &[Action]) -> AppResult<(GoalRow, PlanRow)> {
        let goal = goals::store::goal(&self.txn, id)
            .await?
            .filter(|g| g.removed_at.is_none())
            .ok_or(AppError::NotFound { entity: "PlanGoal" })?;
        let plan = self
            .open_plan(goal.plan_id, actions)
            .await
            .map_err(|e| match e {
                AppError::NotFound { .. } => AppError::NotFound { entity: "PlanGoal" },
                other => other,
            })?;
        Ok((goal, plan))
    }

    /// Takes the plan's next version and records what changed in it, with
    /// a snapshot of the plan as it now is.
    async fn version(
        &self,
        plan: Uuid,
        expected: Option<i32>,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<i32> {
        let version = store::next_version(&self.txn, plan, expected).await?;
        self.snapshot(plan, version, summary, changes).await?;
        Ok(version)
    }

    async fn snapshot(
        &self,
        plan: Uuid,
        version: i32,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<()> {
        let row = self.refreshed(plan).await?;
        let goals = goals::store::goals(&self.txn, plan, false).await?;
        let snapshot = Snapshot::of(&row, &goals);
        versions::insert_version(
            &self.txn,
            NewVersion {
                plan_id: plan,
                version,
                account_id: Some(self.actor.account_id),
                person_id: Some(self.actor.person_id),
                summary,
                changes: &changes,
                snapshot: &snapshot,
            },
        )
        .await
    }
}
