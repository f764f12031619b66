//! The `AdvocacyRequest` type: what a viewer sees of a request, decided
//! field by field by their [`Reach`]. Content (what the child said, the
//! referral, outcomes, notes in the timeline) is null below `Own`; status
//! is null below `Status`.

use async_graphql::{Context, ID, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    model::{
        self, AdvocacyKind, CommunicationNeed, ContactMethod, EligibilityGroup, Relationship,
        Subject, Urgency,
    },
    store::{AdvocacyEventType, DetailsRow, EventRow, RequestRow},
};
use crate::advocacy::{
    access::Reach,
    lifecycle::model::{AdvocacyOutcome, AdvocacyState, DeclineReason},
    loaders::{AdvocacyLoader, ClocksOf, DetailsOf, EventsOf, NameOf, OrganisationOf},
    records::graphql::{AdvocacyRecord, records_of},
    safeguarding::graphql::{AdvocacySafeguardingShare, shares_of},
    timescales::graphql::AdvocacyTimescale,
};
use crate::{
    clock::today,
    graphql::{
        context::RequestCtx,
        relay::{connection_cost, encode_id},
    },
};

/// An advocacy request, as far as the viewer may see it (`access`).
pub struct AdvocacyRequest {
    id: ID,
    row: RequestRow,
    reach: Reach,
}

/// A person on a request, by name.
#[derive(SimpleObject)]
pub struct AdvocacyPerson {
    pub given_name: String,
    pub family_name: String,
}

/// The child or young person the request is for.
#[derive(SimpleObject)]
pub struct AdvocacyChild {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Age in whole years today.
    pub age: Option<i32>,
}

/// Who referred, as they relate to the child.
#[derive(SimpleObject)]
pub struct AdvocacyReferral {
    pub relationship: Relationship,
    /// The viewer made this request.
    pub by_you: bool,
    /// The young person agreed that the referrer may follow its progress.
    pub referrer_told_progress: bool,
}

/// How the child communicates.
#[derive(SimpleObject)]
pub struct AdvocacyCommunication {
    pub needs: Vec<CommunicationNeed>,
    pub language: Option<String>,
    pub interpreter_needed: bool,
}

/// Someone who knows the child well.
#[derive(SimpleObject)]
pub struct KnowsChildBest {
    pub name: String,
    pub relationship: String,
    pub how_to_reach: String,
}

/// A decision or meeting coming up for the child.
#[derive(SimpleObject)]
pub struct UpcomingDecision {
    pub what: String,
    pub on: NaiveDate,
}

/// What the request says: for the child's advocates, their provider's
/// managers and the young person.
#[derive(SimpleObject)]
pub struct AdvocacyRequestDetails {
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    /// Instructed: the issue in the young person's words.
    pub in_their_words: Option<String>,
    pub contact_methods: Vec<ContactMethod>,
    pub contact_times: Option<String>,
    pub communication: AdvocacyCommunication,
    /// Non-instructed: why the child cannot instruct an advocate now.
    pub why_not_instructed: Option<String>,
    pub knows_child_best: Option<KnowsChildBest>,
    pub upcoming_decisions: Vec<UpcomingDecision>,
    pub referral_basis: Option<String>,
    /// On closing: what changed for the child.
    pub what_changed: Option<String>,
    /// On closing: the child's view of the outcome, where they gave one.
    pub child_view: Option<String>,
}

impl From<DetailsRow> for AdvocacyRequestDetails {
    fn from(d: DetailsRow) -> Self {
        AdvocacyRequestDetails {
            subject: d.subject,
            eligibility: d.eligibility,
            in_their_words: d.in_their_words,
            contact_methods: d.contact_methods,
            contact_times: d.contact_times,
            communication: AdvocacyCommunication {
                needs: d.communication_needs,
                language: d.language,
                interpreter_needed: d.interpreter_needed,
            },
            why_not_instructed: d.why_not_instructed,
            knows_child_best: d.knows_child_best.map(|k| KnowsChildBest {
                name: k.name,
                relationship: k.relationship,
                how_to_reach: k.how_to_reach,
            }),
            upcoming_decisions: d
                .upcoming_decisions
                .into_iter()
                .map(|u| UpcomingDecision {
                    what: u.what,
                    on: u.on,
                })
                .collect(),
            referral_basis: d.referral_basis,
            what_changed: d.what_changed,
            child_view: d.child_view,
        }
    }
}

/// One step in a request's history.
#[derive(SimpleObject)]
pub struct AdvocacyEvent {
    /// The version of the request this step made.
    pub version: i32,
    pub at: DateTime<Utc>,
    pub event: AdvocacyEventType,
    pub status: AdvocacyState,
    pub kind: AdvocacyKind,
    /// The reason given (a decline's code), for those who see content.
    pub reason: Option<String>,
    /// Words with the step, for those who see content.
    pub note: Option<String>,
}

impl AdvocacyEvent {
    fn seen(e: EventRow, reach: Reach) -> Self {
        let content = reach.content();
        AdvocacyEvent {
            version: e.version,
            at: e.at,
            event: e.event,
            status: e.state,
            kind: e.kind,
            reason: if content { e.reason } else { None },
            note: if content { e.note } else { None },
        }
    }
}

impl AdvocacyRequest {
    pub(in crate::advocacy) fn new(row: RequestRow, reach: Reach) -> Self {
        AdvocacyRequest {
            id: encode_id("AdvocacyRequest", row.id),
            row,
            reach,
        }
    }

    fn shown<T>(&self, value: T) -> Option<T> {
        self.reach.status().then_some(value)
    }
}

#[Object]
impl AdvocacyRequest {
    /// Global id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// Pass as `expectedVersion` with a change.
    async fn version(&self) -> i32 {
        self.row.version
    }

    /// How much of this request you can see.
    async fn access(&self) -> Reach {
        self.reach
    }

    async fn kind(&self) -> AdvocacyKind {
        self.row.kind
    }

    async fn submitted_at(&self) -> DateTime<Utc> {
        self.row.submitted_at
    }

    /// Null when the young person has not agreed that you may follow it.
    async fn status(&self) -> Option<AdvocacyState> {
        self.shown(self.row.state)
    }

    async fn urgency(&self) -> Option<Urgency> {
        self.shown(self.row.urgency)
    }

    async fn triaged_at(&self) -> Option<DateTime<Utc>> {
        self.shown(self.row.triaged_at).flatten()
    }

    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        self.shown(self.row.assigned_at).flatten()
    }

    async fn first_contact_at(&self) -> Option<DateTime<Utc>> {
        self.shown(self.row.first_contact_at).flatten()
    }

    /// When it was closed, declined or withdrawn.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.shown(self.row.ended_at).flatten()
    }

    async fn decline_reason(&self) -> Option<DeclineReason> {
        self.shown(self.row.decline_reason).flatten()
    }

    /// What came of it (content).
    async fn outcome(&self) -> Option<AdvocacyOutcome> {
        self.row.outcome.filter(|_| self.reach.content())
    }

    async fn child(&self) -> AdvocacyChild {
        AdvocacyChild {
            given_name: self.row.given_name.clone(),
            family_name: self.row.family_name.clone(),
            age: self
                .row
                .date_of_birth
                .map(|born| i32::try_from(model::age_on(born, today())).unwrap_or(i32::MAX)),
        }
    }

    async fn local_authority_id(&self) -> ID {
        encode_id("LocalAuthority", self.row.local_authority_id)
    }

    /// The advocacy provider that holds the request (an Organisation id).
    async fn provider_id(&self) -> ID {
        encode_id("Organisation", self.row.provider_id)
    }

    /// The advocacy provider that holds the request.
    async fn provider_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let loader = RequestCtx::get(ctx)?.loaders.get::<AdvocacyLoader>()?;
        loader.load_one(OrganisationOf(self.row.provider_id)).await
    }

    /// The advocate assigned, once there is one.
    async fn advocate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AdvocacyPerson>> {
        let Some(advocate) = self.shown(self.row.advocate_person_id).flatten() else {
            return Ok(None);
        };
        let loader = RequestCtx::get(ctx)?.loaders.get::<AdvocacyLoader>()?;
        Ok(loader
            .load_one(NameOf(advocate))
            .await?
            .map(|(given_name, family_name)| AdvocacyPerson {
                given_name,
                family_name,
            }))
    }

    async fn referral(&self, ctx: &Context<'_>) -> async_graphql::Result<AdvocacyReferral> {
        let me = RequestCtx::get(ctx)?
            .viewer
            .account_viewer()
            .ok()
            .map(|a| a.person_id);
        Ok(AdvocacyReferral {
            relationship: self.row.referrer_relationship,
            by_you: me == Some(self.row.referrer_person_id),
            referrer_told_progress: self.row.referrer_told_progress,
        })
    }

    /// What the request says: null unless you are the young person, their
    /// advocate or the provider's manager.
    async fn details(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<AdvocacyRequestDetails>> {
        if !self.reach.content() {
            return Ok(None);
        }
        let loader = RequestCtx::get(ctx)?.loaders.get::<AdvocacyLoader>()?;
        Ok(loader
            .load_one(DetailsOf(self.row.id))
            .await?
            .map(Into::into))
    }

    /// Each timescale the contract sets for it, with its due time and
    /// state (null when you may not follow the request).
    async fn timescales(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<AdvocacyTimescale>>> {
        if !self.reach.status() {
            return Ok(None);
        }
        let loader = RequestCtx::get(ctx)?.loaders.get::<AdvocacyLoader>()?;
        let clocks = loader
            .load_one(ClocksOf(self.row.id))
            .await?
            .unwrap_or_default();
        let now = Utc::now();
        Ok(Some(
            clocks
                .into_iter()
                .map(|c| AdvocacyTimescale::at(c, now))
                .collect(),
        ))
    }

    /// Every step so far, oldest first (only its receipt, for a referrer
    /// who may not follow it; without reasons and notes below content).
    async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AdvocacyEvent>> {
        let loader = RequestCtx::get(ctx)?.loaders.get::<AdvocacyLoader>()?;
        let events = loader
            .load_one(EventsOf(self.row.id))
            .await?
            .unwrap_or_default();
        let shown = if self.reach.status() { usize::MAX } else { 1 };
        Ok(events
            .into_iter()
            .take(shown)
            .map(|e| AdvocacyEvent::seen(e, self.reach))
            .collect())
    }

    /// What the advocate recorded, newest first (`records/`): for the
    /// advocate and the provider's managers, and the young person (without
    /// the people consulted); null for everyone else. Audited.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Option<Connection<String, AdvocacyRecord>>> {
        records_of(ctx, &self.row, self.reach, first, after).await
    }

    /// Safeguarding concerns shared with the authority (`safeguarding/`),
    /// oldest first: all of them for the advocate, the provider's managers
    /// and the authority's managers (without the risk reason); for the
    /// young person those not withheld for their safety; empty for
    /// everyone else. Audited.
    async fn safeguarding_shares(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AdvocacySafeguardingShare>> {
        shares_of(ctx, &self.row, self.reach).await
    }
}
