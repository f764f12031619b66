//! GraphQL for goals and their progress.

use std::sync::Arc;

use async_graphql::{
    ComplexObject, Context, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{GoalStatus, PlanSection},
    service, store,
};
use crate::error::AppResult;
use crate::graphql::{context::RequestCtx, relay::encode_id};
use crate::staying_close::{
    inputs::{id_of, maybe},
    loaders::{PlanLoader, ProgressOf},
    plan::{
        graphql::{PlanPayload, plan_payload},
        reads::readable_plan,
    },
};

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct PlanGoal {
    pub id: ID,
    pub section: PlanSection,
    pub title: String,
    /// Who helps with it.
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
    /// Set when the goal was removed from the plan (delta sync only).
    pub removed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub(in crate::staying_close) goal_id: Uuid,
    /// The plan's progress updates, when read with the plan.
    #[graphql(skip)]
    pub(in crate::staying_close) preloaded_progress: Option<Arc<Vec<store::ProgressRow>>>,
}

#[ComplexObject]
impl PlanGoal {
    /// Progress updates, oldest first.
    async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GoalProgress>> {
        if let Some(preloaded) = &self.preloaded_progress {
            return Ok(preloaded
                .iter()
                .filter(|p| p.goal_id == self.goal_id)
                .cloned()
                .map(Into::into)
                .collect());
        }
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(ProgressOf(self.goal_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

impl From<store::GoalRow> for PlanGoal {
    fn from(g: store::GoalRow) -> Self {
        PlanGoal {
            id: encode_id("PlanGoal", g.id),
            section: g.section,
            title: g.title,
            who_helps: g.helper,
            target_date: g.target_date,
            status: g.status,
            removed_at: g.removed_at,
            updated_at: g.updated_at,
            goal_id: g.id,
            preloaded_progress: None,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct GoalProgress {
    pub id: ID,
    pub goal_id: ID,
    pub note: String,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::ProgressRow> for GoalProgress {
    fn from(p: store::ProgressRow) -> Self {
        GoalProgress {
            id: encode_id("GoalProgress", p.id),
            goal_id: encode_id("PlanGoal", p.goal_id),
            note: p.note,
            author_name: p.author_name,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A goal by id (removed ones too, as delta sync shows them), when the
/// viewer may read its plan (audited as reading the plan's `goals`).
pub(in crate::staying_close) async fn goal_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<PlanGoal>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(row) = store::goal(db, id).await? else {
        return Ok(None);
    };
    Ok(readable_plan(ctx, row.plan_id, "goals")
        .await?
        .map(|_| row.into()))
}

/// A progress update by id, when the viewer may read its plan (audited as
/// reading the plan's `goals`, where progress is shown).
pub(in crate::staying_close) async fn progress_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<GoalProgress>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(row) = store::progress_by_id(db, id).await? else {
        return Ok(None);
    };
    Ok(readable_plan(ctx, row.plan_id, "goals")
        .await?
        .map(|_| row.into()))
}

#[derive(InputObject)]
struct AddPlanGoalInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
}

#[derive(InputObject)]
struct UpdatePlanGoalInput {
    pub client_mutation_id: Option<String>,
    pub goal_id: ID,
    pub expected_version: i32,
    pub section: Option<PlanSection>,
    pub title: Option<String>,
    pub who_helps: MaybeUndefined<String>,
    pub target_date: MaybeUndefined<NaiveDate>,
    pub status: Option<GoalStatus>,
    /// Take the goal off the plan (it stays in the plan's history).
    #[graphql(default)]
    pub remove: bool,
}

#[derive(InputObject)]
struct AddGoalProgressInput {
    pub client_mutation_id: Option<String>,
    pub goal_id: ID,
    pub note: String,
    /// Optional: progress is added to whatever the plan now is.
    pub expected_version: Option<i32>,
}

#[derive(Default)]
pub(in crate::staying_close) struct GoalsMutation;

#[Object]
impl GoalsMutation {
    async fn add_plan_goal(
        &self,
        ctx: &Context<'_>,
        input: AddPlanGoalInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::add_goal(
            &request.call(input.client_mutation_id.as_deref()),
            service::AddGoalInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                expected_version: input.expected_version,
                section: input.section,
                title: input.title,
                who_helps: input.who_helps,
                target_date: input.target_date,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "PlanGoal").await
    }

    async fn update_plan_goal(
        &self,
        ctx: &Context<'_>,
        input: UpdatePlanGoalInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::update_goal(
            &request.call(input.client_mutation_id.as_deref()),
            service::UpdateGoalInput {
                goal: id_of("goalId", &input.goal_id, "PlanGoal")?,
                expected_version: input.expected_version,
                section: input.section,
                title: input.title,
                who_helps: maybe(&input.who_helps),
                target_date: maybe(&input.target_date),
                status: input.status,
                remove: input.remove,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "PlanGoal").await
    }

    /// A progress update on a goal (the young person or a worker on the plan).
    async fn add_goal_progress(
        &self,
        ctx: &Context<'_>,
        input: AddGoalProgressInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::add_progress(
            &request.call(input.client_mutation_id.as_deref()),
            service::ProgressInput {
                goal: id_of("goalId", &input.goal_id, "PlanGoal")?,
                note: input.note,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "GoalProgress").await
    }
}
