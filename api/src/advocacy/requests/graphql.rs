//! GraphQL for requests: asking for an advocate (instructed) and referring
//! a child for non-instructed advocacy; the young person's requests, a
//! referrer's referrals, an advocate's caseload, the provider's queue, an
//! authority's list and one request by id. Every request shown is audited
//! with the fields selected.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    model::{
        AdvocacyKind, Communication, CommunicationNeed, ContactMethod, Decision, EligibilityGroup,
        Instructed, KnowsChildBest, NonInstructed, Relationship, Subject, Urgency,
    },
    object::AdvocacyRequest,
    reads::{self, Filter, List},
    service::{self, ChildInput, Done, InstructedInput, NonInstructedInput, OnBehalf},
    store::RequestRow,
};
use crate::advocacy::{
    access::Reach, lifecycle::model::AdvocacyState, timescales::model::TimescaleState,
};
use crate::{
    audit::AuditAction,
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        reads::{self as audit_reads, Read},
        relay::{connection, connection_cost, decode_typed_id},
    },
    paging::PageRequest,
};

/// Records that the viewer read these requests (the fields selected at
/// `path`).
pub(in crate::advocacy) async fn audit(
    ctx: &Context<'_>,
    seen: &[(RequestRow, Reach)],
    path: &[&str],
) -> AppResult<()> {
    let mut fields = Vec::new();
    audit_reads::selected(ctx.field(), path, &mut fields);
    let names = audit_reads::names(&fields);
    audit_reads::record(
        RequestCtx::get(ctx)?,
        AuditAction::AdvocacyRead,
        "AdvocacyRequest",
        seen.iter().map(|(row, _)| Read {
            id: row.id,
            person: Some(row.person_id),
            local_authority: Some(row.local_authority_id),
            fields: &names,
        }),
    )
    .await
}

/// One request by id, if the viewer may know it exists, audited.
pub(in crate::advocacy) async fn request_at(
    ctx: &Context<'_>,
    id: Uuid,
    path: &[&str],
) -> AppResult<Option<AdvocacyRequest>> {
    let request = RequestCtx::get(ctx)?;
    let Some(seen) = reads::one(&request.db, &request.viewer, id).await? else {
        return Ok(None);
    };
    audit(ctx, std::slice::from_ref(&seen), path).await?;
    let (row, reach) = seen;
    Ok(Some(AdvocacyRequest::new(row, reach)))
}

/// Narrowing a list of requests.
#[derive(InputObject, Default)]
pub struct AdvocacyRequestFilter {
    /// Only requests in these states.
    #[graphql(default)]
    pub statuses: Vec<AdvocacyState>,
    pub kind: Option<AdvocacyKind>,
    /// Only requests without an advocate.
    #[graphql(default)]
    pub unassigned: bool,
    /// Only requests with a timescale now in one of these states (AT_RISK,
    /// BREACHED: what needs attention).
    #[graphql(default)]
    pub timescale_states: Vec<TimescaleState>,
}

impl From<Option<AdvocacyRequestFilter>> for Filter {
    fn from(filter: Option<AdvocacyRequestFilter>) -> Self {
        let f = filter.unwrap_or_default();
        Filter {
            states: f.statuses,
            kind: f.kind,
            unassigned: f.unassigned,
            timescale_states: f.timescale_states,
        }
    }
}

async fn page_of(
    ctx: &Context<'_>,
    list: List,
    filter: Option<AdvocacyRequestFilter>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, AdvocacyRequest>> {
    let request = RequestCtx::get(ctx)?;
    let page = PageRequest::new(first, after)?;
    let rows = reads::list(&request.db, &request.viewer, list, filter.into(), &page).await?;
    audit(ctx, page.shown(&rows), &["edges", "node"]).await?;
    Ok(connection(
        &page,
        rows,
        |(r, _)| r.id.to_string(),
        |(row, reach)| AdvocacyRequest::new(row, reach),
    ))
}

#[derive(Default)]
pub(in crate::advocacy) struct RequestsQuery;

#[Object]
impl RequestsQuery {
    /// The signed-in young person's advocacy requests, newest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn my_advocacy_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AdvocacyRequest>> {
        page_of(ctx, List::Own, None, first, after).await
    }

    /// The requests you made for children and young people, newest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn my_advocacy_referrals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AdvocacyRequest>> {
        page_of(ctx, List::Referrals, None, first, after).await
    }

    /// The signed-in advocate's caseload, oldest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn advocacy_caseload(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdvocacyRequestFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AdvocacyRequest>> {
        page_of(ctx, List::Caseload, filter, first, after).await
    }

    /// The provider's requests for its managers, oldest first: filter for
    /// the unassigned, by state, kind or authority.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn advocacy_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this authority's requests (a LocalAuthority id).")]
        local_authority_id: Option<ID>,
        filter: Option<AdvocacyRequestFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AdvocacyRequest>> {
        let la = local_authority_id
            .map(|id| decode_typed_id("localAuthorityId", &id, "LocalAuthority"))
            .transpose()?;
        page_of(ctx, List::Queue(la), filter, first, after).await
    }

    /// An authority's advocacy requests for its managers, newest first:
    /// that each exists, its kind, status and timescales; never what it
    /// says.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn authority_advocacy_requests(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        filter: Option<AdvocacyRequestFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AdvocacyRequest>> {
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        page_of(ctx, List::Authority(la), filter, first, after).await
    }

    /// One request, as far as you may see it; null if you may not know it
    /// exists.
    async fn advocacy_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<AdvocacyRequest>> {
        let id = decode_typed_id("id", &id, "AdvocacyRequest")?;
        Ok(request_at(ctx, id, &[]).await?)
    }
}

/// What a change to a request returns.
#[derive(SimpleObject)]
pub struct AdvocacyRequestPayload {
    pub client_mutation_id: Option<String>,
    pub request: Option<AdvocacyRequest>,
}

/// The payload of a change: the request as the viewer now sees it.
pub(in crate::advocacy) async fn payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Done,
) -> async_graphql::Result<AdvocacyRequestPayload> {
    Ok(AdvocacyRequestPayload {
        client_mutation_id,
        request: request_at(ctx, done.request_id, &["request"]).await?,
    })
}

#[derive(InputObject)]
pub struct CommunicationInput {
    #[graphql(default)]
    pub needs: Vec<CommunicationNeed>,
    pub language: Option<String>,
    #[graphql(default)]
    pub interpreter_needed: bool,
}

impl From<Option<CommunicationInput>> for Communication {
    fn from(c: Option<CommunicationInput>) -> Self {
        c.map(|c| Communication {
            needs: c.needs,
            language: c.language,
            interpreter_needed: c.interpreter_needed,
        })
        .unwrap_or_default()
    }
}

/// A worker asking on a young person's behalf.
#[derive(InputObject)]
pub struct OnBehalfInput {
    pub young_person_id: ID,
    pub referrer_relationship: Relationship,
    /// The young person agreed that you may follow the request's progress.
    pub referrer_told_progress: bool,
}

#[derive(InputObject)]
pub struct RequestAdvocacyInput {
    pub client_mutation_id: Option<String>,
    /// Leave out when the young person asks for themselves.
    pub on_behalf: Option<OnBehalfInput>,
    /// Needed only where the authority commissions more than one provider.
    pub provider_id: Option<ID>,
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    /// What it is about, in the young person's words.
    pub in_their_words: String,
    pub urgency: Urgency,
    pub contact_methods: Vec<ContactMethod>,
    /// When is good to get in touch.
    pub contact_times: Option<String>,
    pub communication: Option<CommunicationInput>,
}

/// The child of a referral: one on record, or a new child (no account).
#[derive(InputObject)]
pub struct ReferralChildInput {
    pub young_person_id: Option<ID>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub local_authority_id: Option<ID>,
}

impl ReferralChildInput {
    fn parse(self) -> AppResult<ChildInput> {
        if let Some(id) = self.young_person_id {
            return Ok(ChildInput::Existing(decode_typed_id(
                "child.youngPersonId",
                &id,
                "YoungPerson",
            )?));
        }
        let need = |field: &str| {
            AppError::bad_input(
                format!("child.{field}"),
                "give youngPersonId, or the new child's names, date of birth and authority",
            )
        };
        Ok(ChildInput::New {
            given_name: self.given_name.ok_or_else(|| need("givenName"))?,
            family_name: self.family_name.ok_or_else(|| need("familyName"))?,
            date_of_birth: self.date_of_birth.ok_or_else(|| need("dateOfBirth"))?,
            local_authority: decode_typed_id(
                "child.localAuthorityId",
                &self
                    .local_authority_id
                    .ok_or_else(|| need("localAuthorityId"))?,
                "LocalAuthority",
            )?,
        })
    }
}

#[derive(InputObject)]
pub struct KnowsChildBestInput {
    pub name: String,
    pub relationship: String,
    pub how_to_reach: String,
}

#[derive(InputObject)]
pub struct UpcomingDecisionInput {
    pub what: String,
    pub on: NaiveDate,
}

#[derive(InputObject)]
pub struct ReferForNonInstructedAdvocacyInput {
    pub client_mutation_id: Option<String>,
    pub child: ReferralChildInput,
    /// A social worker, independent reviewing officer or other professional.
    pub referrer_relationship: Relationship,
    pub provider_id: Option<ID>,
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    pub urgency: Urgency,
    pub communication: CommunicationInput,
    /// Why the child cannot instruct an advocate now.
    pub why_not_instructed: String,
    pub knows_child_best: KnowsChildBestInput,
    #[graphql(default)]
    pub upcoming_decisions: Vec<UpcomingDecisionInput>,
    /// The basis for the referral.
    pub referral_basis: String,
}

fn provider(id: Option<ID>) -> AppResult<Option<Uuid>> {
    id.map(|id| decode_typed_id("providerId", &id, "Organisation"))
        .transpose()
}

#[derive(Default)]
pub(in crate::advocacy) struct RequestsMutation;

#[Object]
impl RequestsMutation {
    /// A young person asks for an advocate, or a worker asks on their
    /// behalf (instructed advocacy).
    async fn request_advocacy(
        &self,
        ctx: &Context<'_>,
        input: RequestAdvocacyInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let on_behalf = input
            .on_behalf
            .map(|b| {
                Ok::<_, AppError>(OnBehalf {
                    child: decode_typed_id(
                        "onBehalf.youngPersonId",
                        &b.young_person_id,
                        "YoungPerson",
                    )?,
                    relationship: b.referrer_relationship,
                    told_progress: b.referrer_told_progress,
                })
            })
            .transpose()?;
        let done = service::request_instructed(
            &request.call(input.client_mutation_id.as_deref()),
            InstructedInput {
                on_behalf,
                provider: provider(input.provider_id)?,
                urgency: input.urgency,
                request: Instructed {
                    subject: input.subject,
                    eligibility: input.eligibility,
                    in_their_words: input.in_their_words,
                    contact_methods: input.contact_methods,
                    contact_times: input.contact_times,
                    communication: input.communication.into(),
                },
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// A professional refers a child who cannot give instructions (very
    /// young, non-verbal) for non-instructed advocacy.
    async fn refer_for_non_instructed_advocacy(
        &self,
        ctx: &Context<'_>,
        input: ReferForNonInstructedAdvocacyInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let k = input.knows_child_best;
        let done = service::refer_non_instructed(
            &request.call(input.client_mutation_id.as_deref()),
            NonInstructedInput {
                child: input.child.parse()?,
                relationship: input.referrer_relationship,
                provider: provider(input.provider_id)?,
                urgency: input.urgency,
                referral: NonInstructed {
                    subject: input.subject,
                    eligibility: input.eligibility,
                    communication: Some(input.communication).into(),
                    why_not_instructed: input.why_not_instructed,
                    knows_child_best: KnowsChildBest {
                        name: k.name,
                        relationship: k.relationship,
                        how_to_reach: k.how_to_reach,
                    },
                    upcoming_decisions: input
                        .upcoming_decisions
                        .into_iter()
                        .map(|d| Decision {
                            what: d.what,
                            on: d.on,
                        })
                        .collect(),
                    referral_basis: input.referral_basis,
                },
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }
}
