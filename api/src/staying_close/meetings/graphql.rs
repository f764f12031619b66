//! GraphQL for check-ins and reviews.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{self, CheckInMode, MeetingStatus},
    service,
    store::{self, Meeting},
};
use crate::clock::today;
use crate::error::AppResult;
use crate::graphql::{context::RequestCtx, relay::encode_id};
use crate::staying_close::{
    inputs::id_of,
    nodes::{self, Parent},
    plan::graphql::{PlanPayload, plan_payload},
};

/// A check-in or a review.
#[derive(SimpleObject, Clone)]
pub struct PlanMeeting {
    pub id: ID,
    pub due_on: NaiveDate,
    pub held_on: Option<NaiveDate>,
    pub status: MeetingStatus,
    /// Planned and past its due date.
    pub overdue: bool,
    /// Check-ins: how it happened.
    pub mode: Option<CheckInMode>,
    pub note: Option<String>,
    /// Reviews: asked for by the young person, and why.
    pub requested_by_young_person: bool,
    pub reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl PlanMeeting {
    pub(in crate::staying_close) fn new(
        kind: Meeting,
        m: store::MeetingRow,
        today: NaiveDate,
    ) -> Self {
        let type_name = match kind {
            Meeting::CheckIn => "CheckIn",
            Meeting::Review => "Review",
        };
        PlanMeeting {
            id: encode_id(type_name, m.id),
            due_on: m.due_on,
            held_on: m.held_on,
            overdue: m.status == MeetingStatus::Planned && model::is_overdue(m.due_on, today),
            status: m.status,
            mode: m.mode,
            note: m.note,
            requested_by_young_person: m.requested_by_young_person,
            reason: m.reason,
            updated_at: m.updated_at,
        }
    }
}

/// A check-in (`CheckIn` id) or review (`Review` id) by id, for a viewer
/// who could read it in its plan (audited as that read).
pub(in crate::staying_close) async fn node(
    ctx: &Context<'_>,
    kind: Meeting,
    id: Uuid,
) -> AppResult<Option<PlanMeeting>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(m) = store::meeting(db, kind, id).await? else {
        return Ok(None);
    };
    let field = match kind {
        Meeting::CheckIn => "checkIns",
        Meeting::Review => "reviews",
    };
    if !nodes::readable(ctx, Parent::Plan(m.plan_id), field).await? {
        return Ok(None);
    }
    Ok(Some(PlanMeeting::new(kind, m, today())))
}

#[derive(InputObject)]
struct ScheduleCheckInInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub due_on: NaiveDate,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
struct LogCheckInInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub held_on: NaiveDate,
    pub mode: CheckInMode,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
struct LogReviewInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub held_on: NaiveDate,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
struct RequestPlanReviewInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    /// Why, in the young person's words.
    pub reason: String,
}

#[derive(Default)]
pub(in crate::staying_close) struct MeetingsMutation;

#[Object]
impl MeetingsMutation {
    /// Sets the date of the next check-in (no later than the interval allows).
    async fn schedule_check_in(
        &self,
        ctx: &Context<'_>,
        input: ScheduleCheckInInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::schedule_check_in(
            &request.call(input.client_mutation_id.as_deref()),
            service::ScheduleInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                due_on: input.due_on,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "CheckIn").await
    }

    /// Logs a check-in that happened; the next is planned from it.
    async fn log_check_in(
        &self,
        ctx: &Context<'_>,
        input: LogCheckInInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::log_meeting(
            &request.call(input.client_mutation_id.as_deref()),
            Meeting::CheckIn,
            service::LogMeetingInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                held_on: input.held_on,
                mode: Some(input.mode),
                note: input.note,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "CheckIn").await
    }

    /// Logs a review that happened; the next is due within six months.
    async fn log_review(
        &self,
        ctx: &Context<'_>,
        input: LogReviewInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::log_meeting(
            &request.call(input.client_mutation_id.as_deref()),
            Meeting::Review,
            service::LogMeetingInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                held_on: input.held_on,
                mode: None,
                note: input.note,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "Review").await
    }

    /// The young person asks for a review of their plan.
    async fn request_plan_review(
        &self,
        ctx: &Context<'_>,
        input: RequestPlanReviewInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::request_review(
            &request.call(input.client_mutation_id.as_deref()),
            service::RequestReviewInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                reason: input.reason,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "Review").await
    }
}
