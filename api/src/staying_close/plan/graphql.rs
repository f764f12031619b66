//! GraphQL for plans: the viewer's own plan and its changes, a plan by id,
//! caseloads, the workers to choose from, and starting, updating and
//! ending plans.

use async_graphql::{
    Context, ID, InputObject, MaybeUndefined, Object, SimpleObject, connection::Connection,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    model::{PlanEndReason, PlanStatus},
    object::{StayingClosePlan, WorkerContact},
    reads::{audit_reads, node, plan_at, plan_reads},
    service::{self, Done, OwnPlan},
    store::{self, CaseloadFilter},
};
use crate::clock::today;
use crate::graphql::reads::{self};
use crate::identity::{directory, model::Role};
use crate::paging::PageRequest;
use crate::staying_close::{
    claims::graphql::Claim,
    goals::graphql::{GoalProgress, PlanGoal},
    inputs::{id_of, managed_authority, maybe_id},
    meetings::{self, graphql::PlanMeeting, store::Meeting},
    records::{
        self,
        graphql::{AccommodationRecord, ActivityRecord, InTouchRecord},
    },
};
use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    policy::{self, Action},
};

/// Changes to the viewer's plan since a moment, for an app working offline.
#[derive(SimpleObject)]
struct PlanChanges {
    /// Pass this as `since` next time.
    pub synced_at: DateTime<Utc>,
    /// The plan, if it changed (null otherwise).
    pub plan: Option<StayingClosePlan>,
    /// Goals added, changed or removed (`removedAt` set).
    pub goals: Vec<PlanGoal>,
    pub progress: Vec<GoalProgress>,
    pub check_ins: Vec<PlanMeeting>,
    pub reviews: Vec<PlanMeeting>,
    pub claims: Vec<Claim>,
    /// The young person's SSDA903 records added or changed.
    pub accommodation: Vec<AccommodationRecord>,
    pub in_touch: Vec<InTouchRecord>,
    pub activities: Vec<ActivityRecord>,
}

#[derive(Default)]
pub(in crate::staying_close) struct PlanQuery;

#[Object]
impl PlanQuery {
    /// The signed-in young person's Staying Close plan (their open plan, or
    /// their latest one); null when they have none. Audited.
    async fn my_staying_close_plan(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<StayingClosePlan>> {
        let request = RequestCtx::get(ctx)?;
        Ok(
            match service::own_home(&request.db, &request.viewer).await? {
                None => None,
                Some(OwnPlan::Home(home)) => {
                    audit_reads(ctx, std::slice::from_ref(&home.plan), &[]).await?;
                    Some((*home).into())
                }
                Some(OwnPlan::Plan(row)) => {
                    audit_reads(ctx, std::slice::from_ref(&*row), &[]).await?;
                    Some((*row).into())
                }
            },
        )
    }

    /// What changed in the viewer's plan since `since` (delta sync). Rows
    /// from a short window before `since` may come again: apply by id.
    async fn my_staying_close_plan_changes(
        &self,
        ctx: &Context<'_>,
        since: DateTime<Utc>,
    ) -> async_graphql::Result<PlanChanges> {
        let synced_at = Utc::now();
        let request = RequestCtx::get(ctx)?;
        let Some(changed) = service::plan_changes(&request.db, &request.viewer, since).await?
        else {
            return Ok(PlanChanges {
                synced_at,
                plan: None,
                goals: Vec::new(),
                progress: Vec::new(),
                check_ins: Vec::new(),
                reviews: Vec::new(),
                claims: Vec::new(),
                accommodation: Vec::new(),
                in_touch: Vec::new(),
                activities: Vec::new(),
            });
        };
        let row = &changed.plan;
        // The plan's fields asked for, and the lists (each a plan field).
        let mut fields = Vec::new();
        reads::selected(ctx.field(), &["plan"], &mut fields);
        reads::selected(ctx.field(), &[], &mut fields);
        fields.retain(|f| f != "syncedAt" && f != "plan");
        plan_reads(request, std::slice::from_ref(row), &reads::names(&fields)).await?;
        let today = today();
        let meetings = |kind, rows: Vec<meetings::store::MeetingRow>| {
            rows.into_iter()
                .map(|m| PlanMeeting::new(kind, m, today))
                .collect()
        };
        Ok(PlanChanges {
            synced_at,
            goals: changed.goals.into_iter().map(Into::into).collect(),
            progress: changed.progress.into_iter().map(Into::into).collect(),
            check_ins: meetings(Meeting::CheckIn, changed.check_ins),
            reviews: meetings(Meeting::Review, changed.reviews),
            claims: changed.claims.into_iter().map(Into::into).collect(),
            accommodation: changed
                .accommodation
                .into_iter()
                .map(records::graphql::accommodation)
                .collect::<AppResult<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect(),
            in_touch: changed
                .in_touch
                .into_iter()
                .filter_map(records::graphql::in_touch)
                .collect(),
            activities: changed
                .activities
                .into_iter()
                .filter_map(records::graphql::activity)
                .collect(),
            plan: Some(changed.plan.into()),
        })
    }

    /// A plan by id (null when it does not exist or is out of reach).
    async fn staying_close_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<StayingClosePlan>> {
        let id = decode_typed_id("id", &id, "StayingClosePlan")?;
        Ok(node(ctx, id).await?)
    }

    /// A worker's caseload (the plans they are on), or an authority's
    /// plans for its managers, by id. Filters: status, overdue check-in,
    /// overdue review, authority. Each plan returned is audited.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn staying_close_plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<PlanStatus>,
        overdue_check_in: Option<bool>,
        overdue_review: Option<bool>,
        #[graphql(desc = "Only this authority's plans (a LocalAuthority id).")]
        local_authority_id: Option<ID>,
    ) -> async_graphql::Result<Connection<String, StayingClosePlan>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let local_authority = local_authority_id
            .map(|id| decode_typed_id("localAuthorityId", &id, "LocalAuthority"))
            .transpose()?;
        let scope = policy::list_scope(&request.viewer, Action::ReadPlan)?;
        let filter = CaseloadFilter {
            status,
            overdue_check_in,
            overdue_review,
            local_authority,
            today: Some(today()),
        };
        let rows = store::caseload(&request.db, &scope, &page, &filter).await?;
        audit_reads(ctx, page.shown(&rows), &["edges", "node"]).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            StayingClosePlan::from,
        ))
    }

    /// Key workers and personal advisers who work with an authority (to
    /// choose from when starting a plan).
    async fn staying_close_workers(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
    ) -> async_graphql::Result<Vec<StayingCloseWorker>> {
        let request = RequestCtx::get(ctx)?;
        let la = managed_authority(request, &local_authority_id)?;
        let roles = [Role::KeyWorker, Role::PersonalAdviser];
        directory::workers_for(&request.db, la, &roles)
            .await?
            .into_iter()
            .map(|(role, w)| {
                let role = match role {
                    Role::KeyWorker => StayingCloseRole::KeyWorker,
                    Role::PersonalAdviser => StayingCloseRole::PersonalAdviser,
                    other => {
                        return Err(AppError::internal(anyhow::anyhow!(
                            "asked for key workers and personal advisers, got {other}"
                        ))
                        .into());
                    }
                };
                Ok(StayingCloseWorker {
                    role,
                    worker: w.into(),
                })
            })
            .collect()
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
enum StayingCloseRole {
    KeyWorker,
    PersonalAdviser,
}

#[derive(SimpleObject)]
struct StayingCloseWorker {
    pub role: StayingCloseRole,
    pub worker: WorkerContact,
}

/// The result of a change to a plan.
#[derive(SimpleObject)]
pub(in crate::staying_close) struct PlanPayload {
    pub client_mutation_id: Option<String>,
    /// The plan after the change.
    pub plan: Option<StayingClosePlan>,
    /// The version the change made (or the version it was about).
    pub version: Option<i32>,
    /// The global id of the record the change created or changed (a goal,
    /// progress update, check-in, review, comment, response or record).
    pub record_id: Option<ID>,
}

pub(in crate::staying_close) async fn plan_payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Done,
    record_type: &str,
) -> async_graphql::Result<PlanPayload> {
    let plan = match done.plan_id {
        Some(id) => plan_at(ctx, id, &["plan"]).await?,
        None => None,
    };
    Ok(PlanPayload {
        client_mutation_id,
        plan,
        version: done.version,
        record_id: done.record_id.map(|id| encode_id(record_type, id)),
    })
}

#[derive(InputObject)]
struct StartStayingClosePlanInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    pub start_date: NaiveDate,
    /// Defaults to the 21st birthday.
    pub planned_end_date: Option<NaiveDate>,
    /// A `Person` id from `stayingCloseWorkers`.
    pub key_worker_id: Option<ID>,
    pub personal_adviser_id: Option<ID>,
    /// Defaults to the authority's interval (8 weeks unless it is shorter).
    pub check_in_interval_days: Option<i32>,
    /// Start active rather than as a draft.
    #[graphql(default)]
    pub activate: bool,
}

#[derive(InputObject)]
struct UpdateStayingClosePlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
    pub planned_end_date: Option<NaiveDate>,
    /// Null removes the key worker.
    pub key_worker_id: MaybeUndefined<ID>,
    pub personal_adviser_id: MaybeUndefined<ID>,
    pub check_in_interval_days: Option<i32>,
    /// Make a draft plan active.
    #[graphql(default)]
    pub activate: bool,
}

#[derive(InputObject)]
struct EndStayingClosePlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
    pub reason: PlanEndReason,
}

#[derive(Default)]
pub(in crate::staying_close) struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Starts a plan for a young person with a care-leaver profile.
    async fn start_staying_close_plan(
        &self,
        ctx: &Context<'_>,
        input: StartStayingClosePlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::start_plan(
            &request.call(input.client_mutation_id.as_deref()),
            service::StartPlanInput {
                person: id_of("youngPersonId", &input.young_person_id, "YoungPerson")?,
                start_date: input.start_date,
                planned_end_date: input.planned_end_date,
                key_worker: input
                    .key_worker_id
                    .map(|id| id_of("keyWorkerId", &id, "Person"))
                    .transpose()?,
                personal_adviser: input
                    .personal_adviser_id
                    .map(|id| id_of("personalAdviserId", &id, "Person"))
                    .transpose()?,
                check_in_interval_days: input.check_in_interval_days,
                activate: input.activate,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "StayingClosePlan").await
    }

    /// Changes a plan's end date, workers or check-in interval, or makes a
    /// draft active.
    async fn update_staying_close_plan(
        &self,
        ctx: &Context<'_>,
        input: UpdateStayingClosePlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::update_plan(
            &request.call(input.client_mutation_id.as_deref()),
            service::UpdatePlanInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                expected_version: input.expected_version,
                planned_end_date: input.planned_end_date,
                key_worker: maybe_id("keyWorkerId", &input.key_worker_id, "Person")?,
                personal_adviser: maybe_id(
                    "personalAdviserId",
                    &input.personal_adviser_id,
                    "Person",
                )?,
                check_in_interval_days: input.check_in_interval_days,
                activate: input.activate,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "StayingClosePlan").await
    }

    /// Ends a plan, with the reason.
    async fn end_staying_close_plan(
        &self,
        ctx: &Context<'_>,
        input: EndStayingClosePlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::end_plan(
            &request.call(input.client_mutation_id.as_deref()),
            service::EndPlanInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                expected_version: input.expected_version,
                reason: input.reason,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "StayingClosePlan").await
    }
}
