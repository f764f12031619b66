//! Storage of a plan's goals and their progress updates.

use std::{collections::HashMap, sync::LazyLock};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{GoalStatus, PlanSection};
use crate::db::rows::{all, first, get, grouped};
use crate::identity::directory;
use crate::{
    db::raw::{exec, query},
    error::AppResult,
};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(in crate::staying_close) struct GoalRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub section: PlanSection,
    pub title: String,
    pub helper: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
    pub removed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const GOAL: &str = "SELECT id, plan_id, section, title, helper, target_date, status, removed_at, \
     created_at, updated_at FROM plan_goals";

fn goal_row(r: &QueryResult) -> AppResult<GoalRow> {
    Ok(GoalRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        section: PlanSection::parse(&get::<String>(r, "section")?)?,
        title: get(r, "title")?,
        helper: get(r, "helper")?,
        target_date: get(r, "target_date")?,
        status: GoalStatus::parse(&get::<String>(r, "status")?)?,
        removed_at: get(r, "removed_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A plan's goals in the order they were added; removed ones only when
/// asked for (delta sync tells the app what to delete).
pub(in crate::staying_close) async fn goals(
    db: &impl ConnectionTrait,
    plan: Uuid,
    include_removed: bool,
) -> AppResult<Vec<GoalRow>> {
    let removed = if include_removed {
        ""
    } else {
        " AND removed_at IS NULL"
    };
    let rows = query(
        db,
        &format!("{GOAL} WHERE plan_id = $1{removed} ORDER BY created_at, id"),
        vec![plan.into()],
    )
    .await?;
    all(rows, goal_row)
}

/// The goals (not removed) of several plans, by plan.
pub(in crate::staying_close) async fn goals_of_plans(
    db: &impl ConnectionTrait,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<GoalRow>>> {
    grouped(
        db,
        GOAL,
        "plan_id",
        " AND removed_at IS NULL",
        "created_at, id",
        plans,
        goal_row,
        |g| g.plan_id,
    )
    .await
}

pub(in crate::staying_close) async fn goal(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<GoalRow>> {
    first(
        query(db, &format!("{GOAL} WHERE id = $1"), vec![id.into()]).await?,
        goal_row,
    )
}

pub(in crate::staying_close) async fn save_goal(
    db: &impl ConnectionTrait,
    g: &GoalRow,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO plan_goals (id, plan_id, section, title, helper, target_date, status, \
         removed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET section = excluded.section, title = excluded.title, \
         helper = excluded.helper, target_date = excluded.target_date, status = excluded.status, \
         removed_at = excluded.removed_at, updated_at = excluded.updated_at",
        vec![
            g.id.into(),
            g.plan_id.into(),
            g.section.as_str().into(),
            g.title.clone().into(),
            g.helper.clone().into(),
            g.target_date.into(),
            g.status.as_str().into(),
            g.removed_at.into(),
            g.created_at.into(),
            g.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(in crate::staying_close) struct ProgressRow {
    pub id: Uuid,
    pub goal_id: Uuid,
    pub plan_id: Uuid,
    pub author_person_id: Uuid,
    pub author_name: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Progress updates with their author's name (identity's fragment).
fn progress_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT g.id, g.goal_id, g.plan_id, g.author_person_id, {} AS author_name, g.note, \
             g.created_at, g.updated_at FROM goal_progress g",
            directory::person_name_sql("g.author_person_id")
        )
    });
    &SQL
}

fn progress_row(r: &QueryResult) -> AppResult<ProgressRow> {
    Ok(ProgressRow {
        id: get(r, "id")?,
        goal_id: get(r, "goal_id")?,
        plan_id: get(r, "plan_id")?,
        author_person_id: get(r, "author_person_id")?,
        author_name: get(r, "author_name")?,
        note: get(r, "note")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A plan's progress updates, oldest first.
pub(in crate::staying_close) async fn progress(
    db: &impl ConnectionTrait,
    plan: Uuid,
) -> AppResult<Vec<ProgressRow>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE g.plan_id = $1 ORDER BY g.created_at, g.id",
            progress_sql()
        ),
        vec![plan.into()],
    )
    .await?;
    all(rows, progress_row)
}

/// One progress update by id (unscoped: callers authorise its plan).
pub(in crate::staying_close) async fn progress_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<ProgressRow>> {
    let rows = query(
        db,
        &format!("{} WHERE g.id = $1", progress_sql()),
        vec![id.into()],
    )
    .await?;
    first(rows, progress_row)
}

/// The progress updates of several goals, by goal, oldest first.
pub(in crate::staying_close) async fn progress_of_goals(
    db: &impl ConnectionTrait,
    goals: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ProgressRow>>> {
    grouped(
        db,
        progress_sql(),
        "g.goal_id",
        "",
        "g.created_at, g.id",
        goals,
        progress_row,
        |p| p.goal_id,
    )
    .await
}

pub(super) async fn insert_progress(
    db: &impl ConnectionTrait,
    goal: &GoalRow,
    author: Uuid,
    note: &str,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO goal_progress (id, goal_id, plan_id, author_person_id, note, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        vec![
            id.into(),
            goal.id.into(),
            goal.plan_id.into(),
            author.into(),
            note.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(id)
}
