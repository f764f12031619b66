//! GraphQL contract for Staying Close plans. Resolvers translate: reads
//! go through the viewer's scope (and are audited with the fields
//! returned), changes go to [`super::service`].

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject,
    connection::Connection,
};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    loaders::{
        ClaimsOf, CommentsOf, EntitlementsOf, GoalsOf, MeetingsOf, NextMeeting, ProgressOf,
        RecordsOf, ResponsesOf,
    },
    model::{
        self, AccommodationType, Activity, CareLeaverCategory, CheckInMode, ClaimKind, ClaimStatus,
        FactorJudgement, GoalStatus, InTouch, MeetingStatus, PlanEndReason, PlanSection,
        PlanStatus, SuitabilityFactor,
    },
    reporting,
    service::{self, Done, OwnPlan},
    store::{self, CaseloadFilter, ClaimRow, Meeting, PlanRow, RecordKind, RecordRow, RecordValue},
};
use crate::audit::AuditAction;
use crate::graphql::reads::{self, Read};
use crate::identity::{directory, model::Role};
use crate::paging::PageRequest;
use crate::{
    change::Call,
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    policy::{self, Action, Target},
};

use crate::clock::today;

// ------------------------------------------------------------------ types

/// A young person's Staying Close plan.
#[derive(Clone)]
pub struct StayingClosePlan {
    id: ID,
    row: Box<PlanRow>,
    /// The home screen's data when it was read with the plan.
    home: Option<Arc<Preloaded>>,
}

struct Preloaded {
    goals: Vec<store::GoalRow>,
    progress: Arc<Vec<store::ProgressRow>>,
    next_check_in: Option<store::MeetingRow>,
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

/// The young person's care-leaver profile.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CareLeaverProfile {
    /// The young person's global id (a `YoungPerson`).
    pub young_person_id: ID,
    pub given_name: String,
    pub family_name: String,
    /// The SSDA903 child identifier.
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    /// The children's home they left.
    pub childrens_home: Option<String>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    target: Target,
    #[graphql(skip)]
    born: Option<NaiveDate>,
}

#[ComplexObject]
impl CareLeaverProfile {
    /// Date of birth: FORBIDDEN for key workers (as on the profile).
    async fn date_of_birth(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NaiveDate>> {
        let request = RequestCtx::get(ctx)?;
        policy::authorize(
            &request.viewer,
            Action::ReadYoungPersonDateOfBirth,
            &self.target,
        )?;
        Ok(self.born)
    }
}

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
    goal_id: Uuid,
    /// The plan's progress updates, when read with the plan.
    #[graphql(skip)]
    preloaded_progress: Option<Arc<Vec<store::ProgressRow>>>,
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
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
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
    fn new(kind: Meeting, m: store::MeetingRow, today: NaiveDate) -> Self {
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

#[derive(SimpleObject, Clone)]
pub struct PlanComment {
    pub id: ID,
    pub body: String,
    pub author_name: String,
    /// The plan version it was written about.
    pub plan_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The young person's answer to a shared version, in their words.
#[derive(SimpleObject, Clone)]
pub struct PlanResponse {
    pub id: ID,
    pub plan_version: i32,
    pub agrees: bool,
    pub words: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(SimpleObject, Clone)]
pub struct Claim {
    pub id: ID,
    pub kind: ClaimKind,
    pub amount_pence: i64,
    pub purpose: String,
    pub status: ClaimStatus,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ClaimRow> for Claim {
    fn from(c: ClaimRow) -> Self {
        Claim {
            id: encode_id("Claim", c.id),
            kind: c.kind,
            amount_pence: c.amount_pence,
            purpose: c.purpose,
            status: c.status,
            decision_note: c.decision_note,
            decided_at: c.decided_at,
            paid_at: c.paid_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// What a young person can still claim of an allowance or bursary.
#[derive(SimpleObject, Clone)]
pub struct Entitlement {
    pub kind: ClaimKind,
    /// The cap that applies to them (set by the first claim's date).
    pub cap_pence: i64,
    /// Claimed so far, not counting rejected claims.
    pub claimed_pence: i64,
    pub remaining_pence: i64,
}

impl From<model::Entitlement> for Entitlement {
    fn from(e: model::Entitlement) -> Self {
        Entitlement {
            kind: e.kind,
            cap_pence: e.cap_pence,
            claimed_pence: e.claimed_pence,
            remaining_pence: e.remaining_pence,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct SuitabilityJudgement {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct AccommodationRecord {
    pub id: ID,
    #[graphql(name = "type")]
    pub kind: AccommodationType,
    pub suitable: bool,
    /// The OC3 ACCOM code, e.g. `U1`.
    pub ssda903_code: String,
    pub moved_in_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub assessment: Vec<SuitabilityJudgement>,
}

#[derive(SimpleObject, Clone)]
pub struct InTouchRecord {
    pub id: ID,
    pub status: InTouch,
    pub contact_on: NaiveDate,
}

#[derive(SimpleObject, Clone)]
pub struct ActivityRecord {
    pub id: ID,
    pub code: Activity,
    pub since: NaiveDate,
}

fn accommodation(r: RecordRow) -> Option<AccommodationRecord> {
    let RecordValue::Accommodation {
        kind,
        suitable,
        assessment,
        ended_on,
    } = r.value
    else {
        return None;
    };
    let factors: Vec<FactorJudgement> = serde_json::from_str(&assessment).unwrap_or_default();
    Some(AccommodationRecord {
        id: encode_id("AccommodationRecord", r.id),
        kind,
        suitable,
        ssda903_code: kind.ssda903_code(suitable),
        moved_in_on: r.recorded_on,
        ended_on,
        assessment: factors
            .into_iter()
            .map(|f| SuitabilityJudgement {
                factor: f.factor,
                suitable: f.suitable,
                note: f.note,
            })
            .collect(),
    })
}

/// A goal as it was in an earlier version.
#[derive(SimpleObject, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoalSnapshot {
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
}

/// The plan as it was at a version.
#[derive(SimpleObject, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSnapshot {
    pub status: PlanStatus,
    pub end_reason: Option<PlanEndReason>,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub check_in_interval_days: i32,
    pub next_check_in_due: Option<NaiveDate>,
    pub next_review_due: Option<NaiveDate>,
    pub goals: Vec<GoalSnapshot>,
}

/// One version of a plan: who changed what, when, and the plan as it
/// then was.
#[derive(SimpleObject, Clone)]
pub struct PlanVersion {
    pub version: i32,
    pub changed_at: DateTime<Utc>,
    pub changed_by_name: Option<String>,
    /// What kind of change made it (`goal.add`, `check_in.log`, ...).
    pub summary: String,
    /// The fields that changed, each `{field, from, to}`, or what was
    /// added or removed.
    pub changes: Json<serde_json::Value>,
    pub plan: PlanSnapshot,
}

impl TryFrom<store::VersionRow> for PlanVersion {
    type Error = AppError;
    fn try_from(v: store::VersionRow) -> AppResult<Self> {
        Ok(PlanVersion {
            version: v.version,
            changed_at: v.changed_at,
            changed_by_name: v.changed_by_name,
            summary: v.summary,
            changes: Json(serde_json::from_str(&v.changes).map_err(AppError::internal)?),
            plan: serde_json::from_str(&v.snapshot).map_err(AppError::internal)?,
        })
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
        self.open()
            && self
                .row
                .next_check_in_due
                .is_some_and(|d| model::is_overdue(d, today()))
    }
    async fn review_overdue(&self) -> bool {
        self.open()
            && self
                .row
                .next_review_due
                .is_some_and(|d| model::is_overdue(d, today()))
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
        let request = RequestCtx::get(ctx)?;
        let Some(c) = store::care_leaver(&request.db, self.row.person_id).await? else {
            return Ok(None);
        };
        let home = match c.childrens_home_id {
            Some(id) => directory::organisation(&request.db, id).await?.map(|o| o.0),
            None => None,
        };
        Ok(Some(CareLeaverProfile {
            young_person_id: encode_id("YoungPerson", c.person_id),
            given_name: c.given_name,
            family_name: c.family_name,
            child_ref: c.child_ref,
            category: c.category,
            left_care_on: c.left_care_on,
            childrens_home: home,
            updated_at: c.updated_at,
            target: Target::person(c.person_id, Some(c.local_authority_id)),
            born: c.date_of_birth,
        }))
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
                    .plans
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
    async fn check_ins(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanMeeting>> {
        self.meetings(ctx, Meeting::CheckIn).await
    }

    /// Every review, planned and held, by due date.
    async fn reviews(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanMeeting>> {
        self.meetings(ctx, Meeting::Review).await
    }

    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanComment>> {
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
            .load_one(CommentsOf(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|c| PlanComment {
                id: encode_id("PlanComment", c.id),
                body: c.body,
                author_name: c.author_name,
                plan_version: c.plan_version,
                created_at: c.created_at,
                updated_at: c.updated_at,
            })
            .collect())
    }

    /// The young person's answers to shared versions.
    async fn responses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanResponse>> {
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
            .load_one(ResponsesOf(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|r| PlanResponse {
                id: encode_id("PlanResponse", r.id),
                plan_version: r.plan_version,
                agrees: r.agrees,
                words: r.words,
                updated_at: r.updated_at,
            })
            .collect())
    }

    /// The young person's allowance and bursary claims, newest first.
    async fn claims(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Claim>> {
        if let Some(home) = &self.home {
            return Ok(home.claims.iter().cloned().map(Into::into).collect());
        }
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
            .load_one(ClaimsOf(self.row.person_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// What is left to claim of each allowance.
    async fn entitlements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Entitlement>> {
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
            .load_one(EntitlementsOf(self.row.person_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Where the young person has lived, newest first (SSDA903 codes).
    async fn accommodation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AccommodationRecord>> {
        Ok(self
            .records(ctx, RecordKind::Accommodation)
            .await?
            .into_iter()
            .filter_map(accommodation)
            .collect())
    }

    /// Contact recorded with the young person, newest first.
    async fn in_touch(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InTouchRecord>> {
        Ok(self
            .records(ctx, RecordKind::InTouch)
            .await?
            .into_iter()
            .filter_map(|r| match r.value {
                RecordValue::InTouch(status) => Some(InTouchRecord {
                    id: encode_id("InTouchRecord", r.id),
                    status,
                    contact_on: r.recorded_on,
                }),
                _ => None,
            })
            .collect())
    }

    /// Main activity (education, employment, training), newest first.
    async fn activities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActivityRecord>> {
        Ok(self
            .records(ctx, RecordKind::Activity)
            .await?
            .into_iter()
            .filter_map(|r| match r.value {
                RecordValue::Activity(code) => Some(ActivityRecord {
                    id: encode_id("ActivityRecord", r.id),
                    code,
                    since: r.recorded_on,
                }),
                _ => None,
            })
            .collect())
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
        let rows = store::versions(db, self.row.id, &page).await?;
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
        Ok(store::version(db, self.row.id, version)
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
    ) -> async_graphql::Result<Vec<store::RecordRow>> {
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
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
        let loaders = &RequestCtx::get(ctx)?.loaders;
        Ok(loaders
            .plans
            .load_one(NextMeeting(kind, self.row.id))
            .await?
            .map(|m| PlanMeeting::new(kind, m, today())))
    }

    async fn meetings(
        &self,
        ctx: &Context<'_>,
        kind: Meeting,
    ) -> async_graphql::Result<Vec<PlanMeeting>> {
        let loaders = &RequestCtx::get(ctx)?.loaders;
        let today = today();
        Ok(loaders
            .plans
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

// ------------------------------------------------------------------ reads

/// The fields a claim read is recorded with.
const CLAIM_FIELDS: &[&str] = &["kind", "amountPence", "purpose", "status"];

fn claim_read(c: &ClaimRow) -> Read<'static> {
    Read {
        id: c.id,
        person: Some(c.person_id),
        local_authority: Some(c.local_authority_id),
        fields: CLAIM_FIELDS,
    }
}

/// Records reads of these plans with the fields selected.
async fn audit_reads(ctx: &Context<'_>, plans: &[PlanRow], path: &[&str]) -> AppResult<()> {
    let mut fields = Vec::new();
    reads::selected(ctx.field(), path, &mut fields);
    plan_reads(RequestCtx::get(ctx)?, plans, &reads::names(&fields)).await
}

/// Records reads of these plans, these fields of each.
async fn plan_reads(request: &RequestCtx, plans: &[PlanRow], fields: &[&str]) -> AppResult<()> {
    reads::record(
        request,
        AuditAction::PlanRead,
        "StayingClosePlan",
        plans.iter().map(|p| Read {
            id: p.id,
            person: Some(p.person_id),
            local_authority: Some(p.local_authority_id),
            fields,
        }),
    )
    .await
}

/// A plan by id within the viewer's scope, audited.
pub async fn node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<StayingClosePlan>> {
    plan_at(ctx, id, &[]).await
}

/// A plan by id within the viewer's scope, audited with the fields
/// selected at `path` below the current field.
async fn plan_at(
    ctx: &Context<'_>,
    id: Uuid,
    path: &[&str],
) -> AppResult<Option<StayingClosePlan>> {
    let request = RequestCtx::get(ctx)?;
    let scope = policy::scope(&request.viewer, Action::ReadPlan);
    let Some(row) = store::plan(&request.db, &scope, id).await? else {
        return Ok(None);
    };
    audit_reads(ctx, std::slice::from_ref(&row), path).await?;
    Ok(Some(row.into()))
}

/// Changes to the viewer's plan since a moment, for an app working offline.
#[derive(SimpleObject)]
pub struct PlanChanges {
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
}

#[derive(Default)]
pub struct StayingCloseQuery;

#[Object]
impl StayingCloseQuery {
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
        let meetings = |kind, rows: Vec<store::MeetingRow>| {
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

    /// Claims waiting for a decision or payment in the authorities the
    /// viewer decides claims for, oldest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn open_claims(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Claim>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let scope = policy::list_scope(&request.viewer, Action::DecideClaims)?;
        let rows = store::open_claims(&request.db, &scope, &page).await?;
        reads::record(
            request,
            AuditAction::ClaimRead,
            "Claim",
            page.shown(&rows).iter().map(claim_read),
        )
        .await?;
        Ok(connection(&page, rows, |c| c.id.to_string(), Claim::from))
    }

    /// The children's homes of an authority (to name the home a young
    /// person left).
    async fn childrens_homes(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
    ) -> async_graphql::Result<Vec<ChildrensHome>> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ManageCareLeavers,
            &Target::local_authority(la),
        )?;
        Ok(directory::childrens_homes(&request.db, la)
            .await?
            .into_iter()
            .map(|(id, name)| ChildrensHome {
                id: encode_id("Organisation", id),
                name,
            })
            .collect())
    }

    /// Key workers and personal advisers who work with an authority (to
    /// choose from when starting a plan).
    async fn staying_close_workers(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
    ) -> async_graphql::Result<Vec<StayingCloseWorker>> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ManageCareLeavers,
            &Target::local_authority(la),
        )?;
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

/// A children's home that young people leave care from.
#[derive(SimpleObject)]
pub struct ChildrensHome {
    /// Global id (an `Organisation`), as used in `childrensHomeId`.
    pub id: ID,
    pub name: String,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum StayingCloseRole {
    KeyWorker,
    PersonalAdviser,
}

#[derive(SimpleObject)]
pub struct StayingCloseWorker {
    pub role: StayingCloseRole,
    pub worker: WorkerContact,
}

// -------------------------------------------------------------- mutations

fn call<'a>(request: &'a RequestCtx, client_mutation_id: Option<&'a str>) -> Call<'a> {
    Call {
        db: &request.db,
        viewer: &request.viewer,
        request_id: &request.request_id,
        client_mutation_id,
    }
}

fn id_of(field: &str, id: &ID, type_name: &str) -> AppResult<Uuid> {
    decode_typed_id(field, id, type_name)
}

fn maybe<T: Clone>(value: &MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

fn maybe_id(
    field: &str,
    value: &MaybeUndefined<ID>,
    type_name: &str,
) -> AppResult<Option<Option<Uuid>>> {
    maybe(value)
        .map(|v| v.map(|id| id_of(field, &id, type_name)).transpose())
        .transpose()
}

/// The result of a change to a plan.
#[derive(SimpleObject)]
pub struct PlanPayload {
    pub client_mutation_id: Option<String>,
    /// The plan after the change.
    pub plan: Option<StayingClosePlan>,
    /// The version the change made (or the version it was about).
    pub version: Option<i32>,
    /// The global id of the record the change created or changed (a goal,
    /// progress update, check-in, review, comment, response or record).
    pub record_id: Option<ID>,
}

async fn plan_payload(
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
pub struct SaveCareLeaverProfileInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    /// The SSDA903 child identifier (1-10 letters or digits).
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    /// The children's home they left (an organisation id).
    pub childrens_home_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct CareLeaverProfilePayload {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
}

#[derive(InputObject)]
pub struct StartStayingClosePlanInput {
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
pub struct UpdateStayingClosePlanInput {
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
pub struct EndStayingClosePlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
    pub reason: PlanEndReason,
}

#[derive(InputObject)]
pub struct AddPlanGoalInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
}

#[derive(InputObject)]
pub struct UpdatePlanGoalInput {
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
pub struct AddGoalProgressInput {
    pub client_mutation_id: Option<String>,
    pub goal_id: ID,
    pub note: String,
    /// Optional: progress is added to whatever the plan now is.
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ScheduleCheckInInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub due_on: NaiveDate,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct LogCheckInInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub held_on: NaiveDate,
    pub mode: CheckInMode,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct LogReviewInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub held_on: NaiveDate,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RequestPlanReviewInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    /// Why, in the young person's words.
    pub reason: String,
}

#[derive(InputObject)]
pub struct CommentOnPlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub body: String,
}

#[derive(InputObject)]
pub struct SharePlanForAgreementInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct RespondToPlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    /// The shared version being answered.
    pub version: i32,
    pub agrees: bool,
    /// In the young person's words.
    pub words: String,
}

#[derive(InputObject)]
pub struct SuitabilityJudgementInput {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAccommodationInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    #[graphql(name = "type")]
    pub kind: AccommodationType,
    pub moved_in_on: NaiveDate,
    /// Every Schedule 2 factor, judged once.
    pub assessment: Vec<SuitabilityJudgementInput>,
}

#[derive(InputObject)]
pub struct RecordInTouchInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    pub status: InTouch,
    pub contact_on: NaiveDate,
}

#[derive(InputObject)]
pub struct RecordActivityInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    pub code: Activity,
    pub since: NaiveDate,
}

#[derive(InputObject)]
pub struct RequestClaimInput {
    pub client_mutation_id: Option<String>,
    pub kind: ClaimKind,
    /// In pence: £250 is 25000.
    pub amount_pence: i64,
    /// What it is for.
    pub purpose: String,
    /// Bursary claims: when the apprenticeship started.
    pub apprenticeship_start_date: Option<NaiveDate>,
}

#[derive(InputObject)]
pub struct DecideClaimInput {
    pub client_mutation_id: Option<String>,
    pub claim_id: ID,
    /// APPROVED or REJECTED for a requested claim; PAID for an approved one.
    pub status: ClaimStatus,
    /// Required when rejecting: the young person reads it.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ClaimPayload {
    pub client_mutation_id: Option<String>,
    pub claim: Option<Claim>,
}

async fn claim_payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Done,
) -> async_graphql::Result<ClaimPayload> {
    let request = RequestCtx::get(ctx)?;
    let claim = match done.record_id {
        Some(id) => service::readable_claim(&request.db, &request.viewer, id).await?,
        None => None,
    };
    if let Some(c) = &claim {
        reads::record(request, AuditAction::ClaimRead, "Claim", [claim_read(c)]).await?;
    }
    Ok(ClaimPayload {
        client_mutation_id,
        claim: claim.map(Into::into),
    })
}

#[derive(Default)]
pub struct StayingCloseMutation;

#[Object]
impl StayingCloseMutation {
    /// Sets up or corrects a young person's care-leaver profile
    /// (personal advisers and managers of their authority).
    async fn save_care_leaver_profile(
        &self,
        ctx: &Context<'_>,
        input: SaveCareLeaverProfileInput,
    ) -> async_graphql::Result<CareLeaverProfilePayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        service::save_profile(
            &call(request, input.client_mutation_id.as_deref()),
            service::ProfileInput {
                person,
                child_ref: input.child_ref,
                category: input.category,
                left_care_on: input.left_care_on,
                childrens_home: input
                    .childrens_home_id
                    .map(|id| id_of("childrensHomeId", &id, "Organisation"))
                    .transpose()?,
            },
        )
        .await?;
        Ok(CareLeaverProfilePayload {
            client_mutation_id: input.client_mutation_id,
            young_person_id: encode_id("YoungPerson", person),
        })
    }

    /// Starts a plan for a young person with a care-leaver profile.
    async fn start_staying_close_plan(
        &self,
        ctx: &Context<'_>,
        input: StartStayingClosePlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::start_plan(
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
            service::EndPlanInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                expected_version: input.expected_version,
                reason: input.reason,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "StayingClosePlan").await
    }

    async fn add_plan_goal(
        &self,
        ctx: &Context<'_>,
        input: AddPlanGoalInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::add_goal(
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
            service::ProgressInput {
                goal: id_of("goalId", &input.goal_id, "PlanGoal")?,
                note: input.note,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "GoalProgress").await
    }

    /// Sets the date of the next check-in (no later than the interval allows).
    async fn schedule_check_in(
        &self,
        ctx: &Context<'_>,
        input: ScheduleCheckInInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::schedule_check_in(
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
            service::RequestReviewInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                reason: input.reason,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "Review").await
    }

    async fn comment_on_plan(
        &self,
        ctx: &Context<'_>,
        input: CommentOnPlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::comment(
            &call(request, input.client_mutation_id.as_deref()),
            service::CommentInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                body: input.body,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "PlanComment").await
    }

    /// Shares the current version with the young person to agree.
    async fn share_plan_for_agreement(
        &self,
        ctx: &Context<'_>,
        input: SharePlanForAgreementInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::share(
            &call(request, input.client_mutation_id.as_deref()),
            service::ShareInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "StayingClosePlan").await
    }

    /// The young person agrees or disagrees with the shared version.
    async fn respond_to_plan(
        &self,
        ctx: &Context<'_>,
        input: RespondToPlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::respond(
            &call(request, input.client_mutation_id.as_deref()),
            service::RespondInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                version: input.version,
                agrees: input.agrees,
                words: input.words,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "PlanResponse").await
    }

    /// Records where a young person lives, with the Schedule 2 assessment.
    async fn record_accommodation(
        &self,
        ctx: &Context<'_>,
        input: RecordAccommodationInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        let done = service::record(
            &call(request, input.client_mutation_id.as_deref()),
            person,
            service::RecordInput::Accommodation {
                kind: input.kind,
                moved_in_on: input.moved_in_on,
                assessment: input
                    .assessment
                    .into_iter()
                    .map(|j| FactorJudgement {
                        factor: j.factor,
                        suitable: j.suitable,
                        note: j.note,
                    })
                    .collect(),
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "AccommodationRecord").await
    }

    /// Records contact (or its absence) with a young person.
    async fn record_in_touch(
        &self,
        ctx: &Context<'_>,
        input: RecordInTouchInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        let done = service::record(
            &call(request, input.client_mutation_id.as_deref()),
            person,
            service::RecordInput::InTouch {
                status: input.status,
                contact_on: input.contact_on,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "InTouchRecord").await
    }

    /// Records a young person's main activity from a date.
    async fn record_activity(
        &self,
        ctx: &Context<'_>,
        input: RecordActivityInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        let done = service::record(
            &call(request, input.client_mutation_id.as_deref()),
            person,
            service::RecordInput::Activity {
                code: input.code,
                since: input.since,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "ActivityRecord").await
    }

    /// The young person claims allowance or a bursary instalment.
    async fn request_claim(
        &self,
        ctx: &Context<'_>,
        input: RequestClaimInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::request_claim(
            &call(request, input.client_mutation_id.as_deref()),
            service::ClaimInput {
                kind: input.kind,
                amount_pence: input.amount_pence,
                purpose: input.purpose,
                apprenticeship_start: input.apprenticeship_start_date,
            },
        )
        .await?;
        claim_payload(ctx, input.client_mutation_id, done).await
    }

    /// Approves or rejects a claim, or marks an approved one paid.
    async fn decide_claim(
        &self,
        ctx: &Context<'_>,
        input: DecideClaimInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::decide_claim(
            &call(request, input.client_mutation_id.as_deref()),
            service::DecideInput {
                claim: id_of("claimId", &input.claim_id, "Claim")?,
                status: input.status,
                note: input.note,
            },
        )
        .await?;
        claim_payload(ctx, input.client_mutation_id, done).await
    }
}

// -------------------------------------------------------------- reporting

#[derive(SimpleObject)]
pub struct IndicatorMeasure {
    pub count: i64,
    /// Of the cohort, to one decimal place.
    pub percent: f64,
}

impl From<reporting::Measure> for IndicatorMeasure {
    fn from(m: reporting::Measure) -> Self {
        IndicatorMeasure {
            count: m.count,
            percent: m.percent,
        }
    }
}

/// The national framework indicators for care leavers aged 17-21.
#[derive(SimpleObject)]
pub struct CareLeaverIndicators {
    pub on: NaiveDate,
    /// Care leavers aged 17-21 on the date who had left care by then.
    pub cohort: i64,
    pub in_touch: IndicatorMeasure,
    pub in_education_employment_or_training: IndicatorMeasure,
    pub in_suitable_accommodation: IndicatorMeasure,
}

#[derive(SimpleObject)]
pub struct Oc3Row {
    /// CHILD: the SSDA903 child identifier.
    pub child: String,
    /// DOB, dd/mm/yyyy.
    pub dob: String,
    pub in_touch: String,
    pub activ: String,
    pub accom: String,
}

#[derive(SimpleObject)]
pub struct Oc3RuleBreak {
    pub child: String,
    /// The rule's id (see `docs/oc3.md`).
    pub rule: String,
    pub reason: String,
}

/// The SSDA903 OC3 care leaver table for a collection year.
#[derive(SimpleObject)]
pub struct Oc3Return {
    /// The year the collection ends (2026 = 1 April 2025 to 31 March 2026).
    pub year: i32,
    pub rows: Vec<Oc3Row>,
    /// The table as DfE's CSV (CHILD,DOB,IN_TOUCH,ACTIV,ACCOM).
    pub csv: String,
    /// Rows that break a rule, with the rule and the reason.
    pub rule_breaks: Vec<Oc3RuleBreak>,
}

async fn audit_report(
    ctx: &Context<'_>,
    action: AuditAction,
    la: Uuid,
    fields: &[&str],
) -> AppResult<()> {
    let read = Read {
        id: la,
        person: None,
        local_authority: Some(la),
        fields,
    };
    reads::record(RequestCtx::get(ctx)?, action, "LocalAuthority", [read]).await
}

#[derive(Default)]
pub struct StayingCloseReportsQuery;

#[Object]
impl StayingCloseReportsQuery {
    /// Care leavers aged 17-21 in touch, in education, employment or
    /// training, and in suitable accommodation, for an authority on a date
    /// (today by default). Managers of the authority and API clients with
    /// `dashboard:read`.
    async fn care_leaver_indicators(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        on: Option<NaiveDate>,
    ) -> async_graphql::Result<CareLeaverIndicators> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ReadDashboard,
            &Target::local_authority(la),
        )?;
        let on = on.unwrap_or_else(today);
        let figures = reporting::indicators(&request.db, la, on).await?;
        audit_report(
            ctx,
            AuditAction::ReportIndicators,
            la,
            &["careLeaverIndicators"],
        )
        .await?;
        Ok(CareLeaverIndicators {
            on: figures.on,
            cohort: figures.cohort,
            in_touch: figures.in_touch.into(),
            in_education_employment_or_training: figures.in_education_employment_or_training.into(),
            in_suitable_accommodation: figures.in_suitable_accommodation.into(),
        })
    }

    /// The SSDA903 OC3 table for an authority and collection year, with
    /// the DfE cross-field rules applied (managers of the authority).
    async fn oc3_return(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        year: i32,
    ) -> async_graphql::Result<Oc3Return> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ReadCareLeaverReturns,
            &Target::local_authority(la),
        )?;
        let table = reporting::oc3(&request.db, la, year).await?;
        let by = reads::by(request, AuditAction::ReportOc3);
        request
            .reads
            .record(&reporting::oc3_audit(&by, la, &table.rows))
            .await?;
        Ok(Oc3Return {
            year: table.year,
            csv: reporting::oc3_csv(&table.rows),
            rows: table
                .rows
                .into_iter()
                .map(|r| Oc3Row {
                    child: r.child,
                    dob: r.dob,
                    in_touch: r.in_touch,
                    activ: r.activ,
                    accom: r.accom,
                })
                .collect(),
            rule_breaks: table
                .breaks
                .into_iter()
                .map(|b| Oc3RuleBreak {
                    child: b.child,
                    rule: b.rule.to_string(),
                    reason: b.reason,
                })
                .collect(),
        })
    }
}
