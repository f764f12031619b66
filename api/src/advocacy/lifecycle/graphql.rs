//! GraphQL for the lifecycle: triage, assignment, first contact, work,
//! closing, withdrawal and changes of kind. Each takes the version the
//! client last saw (`expectedVersion`) and a `clientMutationId`.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::{
    model::{AdvocacyOutcome, DeclineReason},
    service::{
        self, AssignInput, ChangeKindInput, CloseInput, FirstContactInput, Triage, TriageInput,
        WithdrawInput,
    },
};
use crate::advocacy::{
    access::At,
    requests::{
        graphql::{AdvocacyRequestPayload, payload},
        model::AdvocacyKind,
    },
};
use crate::{
    error::{AppError, AppResult},
    graphql::{context::RequestCtx, relay::decode_typed_id},
};

fn at(id: &ID, expected_version: Option<i32>) -> AppResult<At> {
    Ok(At {
        request: decode_typed_id("requestId", id, "AdvocacyRequest")?,
        expected_version,
    })
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum TriageDecision {
    Accept,
    Decline,
}

#[derive(InputObject)]
pub struct TriageAdvocacyRequestInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub decision: TriageDecision,
    /// Required to decline.
    pub decline_reason: Option<DeclineReason>,
    /// Words with the decision (required when the reason is OTHER).
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct AssignAdvocateInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    /// An advocate of the provider (a Person id).
    pub advocate_id: ID,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAdvocacyFirstContactInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    /// When contact was made (now, if left out).
    pub contacted_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct StartAdvocacyWorkInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct CloseAdvocacyRequestInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub outcome: AdvocacyOutcome,
    /// What changed for the child.
    pub what_changed: String,
    /// The child's view of the outcome, where they can give it.
    pub child_view: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawAdvocacyRequestInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    /// Required unless the young person withdraws their own request.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ChangeAdvocacyKindInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub kind: AdvocacyKind,
    /// Why the child's ability to instruct has changed.
    pub reason: String,
}

#[derive(Default)]
pub(in crate::advocacy) struct LifecycleMutation;

#[Object]
impl LifecycleMutation {
    /// Accept a submitted request, or decline it with a reason (the
    /// provider's managers).
    async fn triage_advocacy_request(
        &self,
        ctx: &Context<'_>,
        input: TriageAdvocacyRequestInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let decision = match (input.decision, input.decline_reason) {
            (TriageDecision::Accept, None) => Triage::Accept,
            (TriageDecision::Accept, Some(_)) => {
                return Err(AppError::bad_input("declineReason", "is only for declining").into());
            }
            (TriageDecision::Decline, Some(reason)) => Triage::Decline(reason),
            (TriageDecision::Decline, None) => {
                return Err(AppError::bad_input("declineReason", "say why it is declined").into());
            }
        };
        let done = service::triage(
            &request.call(input.client_mutation_id.as_deref()),
            TriageInput {
                at: at(&input.request_id, input.expected_version)?,
                decision,
                note: input.note,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// Give an accepted request to an advocate, or move it to another
    /// (the history keeps who had it).
    async fn assign_advocate(
        &self,
        ctx: &Context<'_>,
        input: AssignAdvocateInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::assign(
            &request.call(input.client_mutation_id.as_deref()),
            AssignInput {
                at: at(&input.request_id, input.expected_version)?,
                advocate: decode_typed_id("advocateId", &input.advocate_id, "Person")?,
                note: input.note,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// The advocate made first contact with the child or young person.
    async fn record_advocacy_first_contact(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacyFirstContactInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::first_contact(
            &request.call(input.client_mutation_id.as_deref()),
            FirstContactInput {
                at: at(&input.request_id, input.expected_version)?,
                contacted_at: input.contacted_at,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// The advocate is working on the request.
    async fn start_advocacy_work(
        &self,
        ctx: &Context<'_>,
        input: StartAdvocacyWorkInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::start_work(
            &request.call(input.client_mutation_id.as_deref()),
            at(&input.request_id, input.expected_version)?,
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// Close the request with what came of it.
    async fn close_advocacy_request(
        &self,
        ctx: &Context<'_>,
        input: CloseAdvocacyRequestInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::close(
            &request.call(input.client_mutation_id.as_deref()),
            CloseInput {
                at: at(&input.request_id, input.expected_version)?,
                outcome: input.outcome,
                what_changed: input.what_changed,
                child_view: input.child_view,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// Withdraw a request: the young person their own, the referrer a
    /// non-instructed referral, the provider's managers any (with a reason).
    async fn withdraw_advocacy_request(
        &self,
        ctx: &Context<'_>,
        input: WithdrawAdvocacyRequestInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::withdraw(
            &request.call(input.client_mutation_id.as_deref()),
            WithdrawInput {
                at: at(&input.request_id, input.expected_version)?,
                reason: input.reason,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// The child's ability to instruct changed: make the request
    /// instructed or non-instructed, with the reason.
    async fn change_advocacy_kind(
        &self,
        ctx: &Context<'_>,
        input: ChangeAdvocacyKindInput,
    ) -> async_graphql::Result<AdvocacyRequestPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::change_kind(
            &request.call(input.client_mutation_id.as_deref()),
            ChangeKindInput {
                at: at(&input.request_id, input.expected_version)?,
                kind: input.kind,
                reason: input.reason,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }
}
