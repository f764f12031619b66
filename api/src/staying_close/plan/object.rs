//! The `StayingClosePlan` GraphQL type: its fields, read through the
//! request's loaders, and its audited reads.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    history::PlanVersion,
    model::{PlanEndReason, PlanStatus},
    store::{self, PlanRow},
    versions,
};
use crate::clock::today;
use crate::identity::directory;
use crate::paging::PageRequest;
use crate::staying_close::{
    agreement::{
        self,
        graphql::{PlanComment, PlanResponse},
    },
    claims::{
        graphql::{Claim, Entitlement},
        store::ClaimRow,
    },
    goals::{self, graphql::PlanGoal, model::PlanSection},
    loaders::{
        ClaimsOf, CommentsOf, EntitlementsOf, GoalsOf, MeetingsOf, NextMeeting, PlanLoader,
        ProfileOf, RecordsOf, ResponsesOf,
    },
    meetings::{self, graphql::PlanMeeting, store::Meeting},
    profile::graphql::CareLeaverProfile,
    records::{
        self,
        graphql::{AccommodationRecord, ActivityRecord, InTouchRecord},
        store::RecordKind,
    },
};
use crate::{
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, encode_id},
    },
};

/// A young person's Staying Close plan.
#[derive(Clone)]
pub struct StayingClosePlan {
    id: ID,
    row: Box<PlanRow>,
    /// The home screen's data when it was read with the plan.
    home: Option<Arc<Preloaded>>,
}

struct Preloaded {
    goals: Vec<goals::store::GoalRow>,
    progress: Arc<Vec<goals::store::ProgressRow>>,
    next_check_in: Option<meetings::store::MeetingRow>,
    claims: Vec<ClaimRow>,
}

impl From<PlanRow> for StayingClosePlan {
    fn from(row: PlanRow) -> Self {
        StayingClosePlan {
            id: encode_id("StayingClosePlan", row.id),
            row: Box::new(row),
            home: None,
        }
    }
}

impl From<store::Home> for StayingClosePlan {
    fn from(home: store::Home) -> Self {
        let mut plan = StayingClosePlan::from(home.plan);
        plan.home = Some(Arc::new(Preloaded {
            goals: home.goals,
            progress: Arc::new(home.progress),
            next_check_in: home.next_check_in,
            claims: home.claims,
        }));
        plan
    }
}

/// Someone's name and how to reach them about the plan.
#[derive(SimpleObject, Clone)]
pub struct WorkerContact {
    /// Global id (a `Person`), as used in `keyWorkerId`/`personalAdviserId`.
    pub id: ID,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    /// The organisation they work for (the children's home, the team).
    pub organisation: Option<String>,
}

impl From<directory::WorkerRow> for WorkerContact {
    fn from(w: directory::WorkerRow) -> Self {
        WorkerContact {
            id: encode_id("Person", w.person_id),
            given_name: w.given_name,
            family_name: w.family_name,
            email: w.email,
            organisation: w.organisation,
        }
    }
}

#[Object]
impl StayingClosePlan {
    /// Global id.
    pub async fn id(&self) -> &ID {
        &self.id
    }
    async fn status(&self) -> PlanStatus {
        self.row.status
    }
    async fn end_reason(&self) -> Option<PlanEndReason> {
        self.row.end_reason
    }
    async fn start_date(&self) -> NaiveDate {
        self.row.start_date
    }
    /// The 21st birthday by default; up to the 25th where the authority
    /// extends support.
    async fn planned_end_date(&self) -> NaiveDate {
        self.row.planned_end_date
    }
    /// Changes name it as `expectedVersion`; a stale one is CONFLICT.
    async fn version(&self) -> i32 {
        self.row.version
    }
    /// The version shared with the young person to agree, if any.
    async fn shared_version(&self) -> Option<i32> {
        self.row.shared_version
    }
    async fn check_in_interval_days(&self) -> i32 {
        self.row.check_in_interval_days
    }
    async fn next_check_in_due(&self) -> Option<NaiveDate> {
        self.row.next_check_in_due.filter(|_| self.open())
    }
    async fn next_review_due(&self) -> Option<NaiveDate> {
        self.row.next_review_due.filter(|_| self.open())
    }
    async fn check_in_overdue(&self) -> bool {
        meetings::model::plan_is_overdue(self.row.status, self.row.next_check_in_due, today())
    }
    async fn review_overdue(&self) -> bool {
        meetings::model::plan_is_overdue(self.row.status, self.row.next_review_due, today())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }

    async fn young_person(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CareLeaverProfile>> {
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        plans.load_one(ProfileOf(self.row.person_id)).await
    }

    /// The trusted adult from their former home, chosen by the young person.
    async fn key_worker(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WorkerContact>> {
        if let Some(joined) = &self.row.key_worker {
            return Ok(Some(joined.clone().into()));
        }
        worker(ctx, self.row.key_worker_id).await
    }

    async fn personal_adviser(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<WorkerContact>> {
        if let Some(joined) = &self.row.personal_adviser {
            return Ok(Some(joined.clone().into()));
        }
        worker(ctx, self.row.personal_adviser_id).await
    }

    /// Goals, in the order they were added; optionally one section's.
    async fn goals(
        &self,
        ctx: &Context<'_>,
        section: Option<PlanSection>,
    ) -> async_graphql::Result<Vec<PlanGoal>> {
        let (goals, progress) = match &self.home {
            Some(home) => (home.goals.clone(), Some(home.progress.clone())),
            None => (
                RequestCtx::get(ctx)?
                    .loaders
                    .get::<PlanLoader>()?
                    .load_one(GoalsOf(self.row.id))
                    .await?
                    .unwrap_or_default(),
                None,
            ),
        };
        Ok(goals
            .into_iter()
            .filter(|g| section.is_none_or(|s| g.section == s))
            .map(|g| PlanGoal {
                preloaded_progress: progress.clone(),
                ..g.into()
            })
            .collect())
    }

    /// The next planned check-in.
    async fn next_check_in(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PlanMeeting>> {
        self.next_meeting(ctx, Meeting::CheckIn).await
    }

    /// The next planned review.
    async fn next_review(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PlanMeeting>> {
        self.next_meeting(ctx, Meeting::Review).await
    }

    /// Every check-in, planned and held, by due date.
    #[graphql(
        deprecation = "Use checkInsConnection: check-ins go on for years, so they are paged."
    )]
    async fn check_ins(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanMeeting>> {
        self.meetings(ctx, Meeting::CheckIn).await
    }

    /// Every review, planned and held, by due date.
    #[graphql(deprecation = "Use reviewsConnection: reviews go on for years, so they are paged.")]
    async fn reviews(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanMeeting>> {
        self.meetings(ctx, Meeting::Review).await
    }

    /// Check-ins, planned and held, by due date, a page at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn check_ins_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PlanMeeting>> {
        self.meetings_page(ctx, Meeting::CheckIn, first, after)
            .await
    }

    /// Reviews, planned and held, by due date, a page at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn reviews_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PlanMeeting>> {
        self.meetings_page(ctx, Meeting::Review, first, after).await
    }

    /// Every comment, oldest first.
    #[graphql(
        deprecation = "Use commentsConnection: a plan's comments grow without bound, so they are paged."
    )]
    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanComment>> {
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(CommentsOf(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Comments, oldest first, a page at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn comments_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PlanComment>> {
        let db = &RequestCtx::get(ctx)?.db;
        let page = PageRequest::new(first, after)?;
        let rows = agreement::store::comments_page(db, self.row.id, &page).await?;
        Ok(connection(&page, rows, |c| c.id.to_string(), Into::into))
    }

    /// The young person's answers to shared versions, by version, a page
    /// at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn responses_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PlanResponse>> {
        let db = &RequestCtx::get(ctx)?.db;
        let page = PageRequest::new(first, after)?;
        let rows = agreement::store::responses_page(db, self.row.id, &page).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.plan_version.to_string(),
            Into::into,
        ))
    }

    /// The young person's answers to shared versions.
    #[graphql(
        deprecation = "Use responsesConnection: a plan's responses grow with every shared version, so they are paged."
    )]
    async fn responses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanResponse>> {
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(ResponsesOf(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The young person's allowance and bursary claims, newest first.
    async fn claims(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Claim>> {
        if let Some(home) = &self.home {
            return Ok(home.claims.iter().cloned().map(Into::into).collect());
        }
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(ClaimsOf(self.row.person_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// What is left to claim of each allowance.
    async fn entitlements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Entitlement>> {
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(EntitlementsOf(self.row.person_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Where the young person has lived, newest first (SSDA903 codes).
    #[graphql(deprecation = "Use accommodationConnection: records build up over the years.")]
    async fn accommodation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AccommodationRecord>> {
        let rows = self.records(ctx, RecordKind::Accommodation).await?;
        let records: AppResult<Vec<Option<AccommodationRecord>>> = rows
            .into_iter()
            .map(records::graphql::accommodation)
            .collect();
        Ok(records?.into_iter().flatten().collect())
    }

    /// Contact recorded with the young person, newest first.
    #[graphql(deprecation = "Use inTouchConnection: records build up over the years.")]
    async fn in_touch(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InTouchRecord>> {
        let rows = self.records(ctx, RecordKind::InTouch).await?;
        Ok(rows
            .into_iter()
            .filter_map(records::graphql::in_touch)
            .collect())
    }

    /// Main activity (education, employment, training), newest first.
    #[graphql(deprecation = "Use activitiesConnection: records build up over the years.")]
    async fn activities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActivityRecord>> {
        let rows = self.records(ctx, RecordKind::Activity).await?;
        Ok(rows
            .into_iter()
            .filter_map(records::graphql::activity)
            .collect())
    }

    /// Where the young person has lived, newest first, a page at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn accommodation_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AccommodationRecord>> {
        let (kind, person) = (RecordKind::Accommodation, self.row.person_id);
        let node = records::graphql::accommodation;
        Ok(records::graphql::records_connection(ctx, kind, person, (first, after), node).await?)
    }

    /// Contact recorded with the young person, newest first, a page at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn in_touch_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, InTouchRecord>> {
        let (kind, person) = (RecordKind::InTouch, self.row.person_id);
        let node = |r| Ok(records::graphql::in_touch(r));
        Ok(records::graphql::records_connection(ctx, kind, person, (first, after), node).await?)
    }

    /// Main activity, newest first, a page at a time.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn activities_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ActivityRecord>> {
        let (kind, person) = (RecordKind::Activity, self.row.person_id);
        let node = |r| Ok(records::graphql::activity(r));
        Ok(records::graphql::records_connection(ctx, kind, person, (first, after), node).await?)
    }

    /// Every version, newest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PlanVersion>> {
        let db = &RequestCtx::get(ctx)?.db;
        let page = PageRequest::new(first, after)?;
        let rows = versions::versions(db, self.row.id, &page).await?;
        let rows: Vec<PlanVersion> = rows
            .into_iter()
            .map(PlanVersion::try_from)
            .collect::<AppResult<_>>()?;
        Ok(connection(&page, rows, |v| v.version.to_string(), |v| v))
    }

    /// The plan as it was at a version.
    async fn at_version(
        &self,
        ctx: &Context<'_>,
        version: i32,
    ) -> async_graphql::Result<Option<PlanVersion>> {
        let db = &RequestCtx::get(ctx)?.db;
        Ok(versions::version(db, self.row.id, version)
            .await?
            .map(PlanVersion::try_from)
            .transpose()?)
    }
}

impl StayingClosePlan {
    fn open(&self) -> bool {
        self.row.status != PlanStatus::Ended
    }

    /// The young person's SSDA903 records of one kind, newest first.
    async fn records(
        &self,
        ctx: &Context<'_>,
        kind: RecordKind,
    ) -> async_graphql::Result<Vec<records::store::RecordRow>> {
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(RecordsOf(kind, self.row.person_id))
            .await?
            .unwrap_or_default())
    }

    async fn next_meeting(
        &self,
        ctx: &Context<'_>,
        kind: Meeting,
    ) -> async_graphql::Result<Option<PlanMeeting>> {
        if !self.open() {
            return Ok(None);
        }
        if let (Meeting::CheckIn, Some(home)) = (kind, &self.home) {
            return Ok(home
                .next_check_in
                .clone()
                .map(|m| PlanMeeting::new(kind, m, today())));
        }
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        Ok(plans
            .load_one(NextMeeting(kind, self.row.id))
            .await?
            .map(|m| PlanMeeting::new(kind, m, today())))
    }

    async fn meetings_page(
        &self,
        ctx: &Context<'_>,
        kind: Meeting,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PlanMeeting>> {
        let db = &RequestCtx::get(ctx)?.db;
        let page = PageRequest::new(first, after)?;
        let rows = meetings::store::meetings_page(db, kind, self.row.id, &page).await?;
        let today = today();
        Ok(connection(
            &page,
            rows,
            |m| meetings::store::meeting_key(m).to_string(),
            |m| PlanMeeting::new(kind, m, today),
        ))
    }

    async fn meetings(
        &self,
        ctx: &Context<'_>,
        kind: Meeting,
    ) -> async_graphql::Result<Vec<PlanMeeting>> {
        let plans = RequestCtx::get(ctx)?.loaders.get::<PlanLoader>()?;
        let today = today();
        Ok(plans
            .load_one(MeetingsOf(kind, self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|m| PlanMeeting::new(kind, m, today))
            .collect())
    }
}

async fn worker(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<WorkerContact>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let db = &RequestCtx::get(ctx)?.db;
    Ok(directory::workers(db, &[id])
        .await?
        .into_iter()
        .next()
        .map(Into::into))
}
