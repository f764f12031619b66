//! Adding, changing and removing goals, and progress updates on them.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{
    model::{GoalStatus, PlanSection},
    store::{self, GoalRow},
};
use crate::audit::AuditAction;
use crate::staying_close::{
    plan::{access::PlanChange, service::Done, store::PlanRow},
    words::change,
};
use crate::{
    change::{Audited, Call},
    error::{AppError, AppResult},
    policy::Action,
    start_change, text,
};

#[derive(Debug, Serialize)]
pub(super) struct AddGoalInput {
    pub plan: Uuid,
    pub expected_version: i32,
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
}

fn check_target_date(plan: &PlanRow, date: Option<NaiveDate>) -> AppResult<()> {
    if let Some(d) = date
        && (d < plan.start_date || d > plan.planned_end_date)
    {
        return Err(AppError::bad_input(
            "targetDate",
            format!(
                "must be within the plan ({} to {})",
                plan.start_date, plan.planned_end_date
            ),
        ));
    }
    Ok(())
}

pub(super) async fn add_goal(call: &Call<'_>, input: AddGoalInput) -> AppResult<Done> {
    let tx = start_change!(call, "addPlanGoal", &input);
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    let title = text::line("title", &input.title, 300)?;
    let helper = text::optional_line("whoHelps", input.who_helps.as_deref(), 200)?;
    check_target_date(&plan, input.target_date)?;
    let now = Utc::now();
    let goal = GoalRow {
        id: Uuid::now_v7(),
        plan_id: plan.id,
        section: input.section,
        title,
        helper,
        target_date: input.target_date,
        status: GoalStatus::NotStarted,
        removed_at: None,
        created_at: now,
        updated_at: now,
    };
    store::save_goal(&tx.txn, &goal).await?;
    let version = tx
        .version(
            plan.id,
            Some(input.expected_version),
            "goal.add",
            serde_json::json!([{ "added": "goal", "id": goal.id, "section": goal.section, "title": goal.title }]),
        )
        .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanGoalAdd,
            record: ("PlanGoal", goal.id),
            fields: &["section", "title", "whoHelps", "targetDate"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(goal.id),
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(super) struct UpdateGoalInput {
    pub goal: Uuid,
    pub expected_version: i32,
    pub section: Option<PlanSection>,
    pub title: Option<String>,
    pub who_helps: Option<Option<String>>,
    pub target_date: Option<Option<NaiveDate>>,
    pub status: Option<GoalStatus>,
    pub remove: bool,
}

pub(super) async fn update_goal(call: &Call<'_>, input: UpdateGoalInput) -> AppResult<Done> {
    let tx = start_change!(call, "updatePlanGoal", &input);
    let (goal, plan) = tx.goal(input.goal, &[Action::EditPlan]).await?;
    let mut next = goal.clone();
    let mut changes = Vec::new();
    let mut fields = Vec::new();
    if let Some(section) = input.section.filter(|s| *s != goal.section) {
        changes.push(change("section", goal.section, section));
        fields.push("section");
        next.section = section;
    }
    if let Some(title) = &input.title {
        let title = text::line("title", title, 300)?;
        if title != goal.title {
            changes.push(change("title", &goal.title, &title));
            fields.push("title");
            next.title = title;
        }
    }
    if let Some(helper) = &input.who_helps {
        let helper = text::optional_line("whoHelps", helper.as_deref(), 200)?;
        if helper != goal.helper {
            changes.push(change("whoHelps", &goal.helper, &helper));
            fields.push("whoHelps");
            next.helper = helper;
        }
    }
    if let Some(date) = input.target_date {
        check_target_date(&plan, date)?;
        if date != goal.target_date {
            changes.push(change("targetDate", goal.target_date, date));
            fields.push("targetDate");
            next.target_date = date;
        }
    }
    if let Some(status) = input.status.filter(|s| *s != goal.status) {
        changes.push(change("status", goal.status, status));
        fields.push("status");
        next.status = status;
    }
    let now = Utc::now();
    if input.remove {
        changes.push(serde_json::json!({ "removed": "goal", "id": goal.id, "title": goal.title }));
        fields.push("removed");
        next.removed_at = Some(now);
    }
    if changes.is_empty() {
        return Err(AppError::bad_input(
            "input",
            "changes nothing: name at least one field with a new value",
        ));
    }
    next.updated_at = now;
    store::save_goal(&tx.txn, &next).await?;
    let version = tx
        .version(
            plan.id,
            Some(input.expected_version),
            if input.remove {
                "goal.remove"
            } else {
                "goal.update"
            },
            serde_json::Value::Array(changes),
        )
        .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanGoalUpdate,
            record: ("PlanGoal", goal.id),
            fields: &fields,
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(goal.id),
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(super) struct ProgressInput {
    pub goal: Uuid,
    pub note: String,
    pub expected_version: Option<i32>,
}

/// A progress update on a goal, by the young person or a worker on the plan.
pub(super) async fn add_progress(call: &Call<'_>, input: ProgressInput) -> AppResult<Done> {
    let tx = start_change!(call, "addGoalProgress", &input);
    let (goal, plan) = tx
        .goal(input.goal, &[Action::EditPlan, Action::ContributeToOwnPlan])
        .await?;
    let note = text::prose("note", &input.note, 2000)?;
    let id = store::insert_progress(&tx.txn, &goal, tx.actor.person_id, &note).await?;
    let version = tx
        .version(
            plan.id,
            input.expected_version,
            "goal.progress",
            serde_json::json!([{ "added": "progress", "goalId": goal.id, "id": id }]),
        )
        .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanGoalProgress,
            record: ("GoalProgress", id),
            fields: &["note"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(id),
            version: Some(version),
        },
    )
    .await
}
