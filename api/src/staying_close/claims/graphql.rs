//! GraphQL for claims and entitlements: open claims, claiming and
//! deciding.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{self, ClaimKind, ClaimStatus},
    service,
    store::{self, ClaimRow},
};
use crate::audit::AuditAction;
use crate::error::AppResult;
use crate::graphql::reads::{self, Read};
use crate::paging::PageRequest;
use crate::staying_close::{
    inputs::id_of,
    nodes::{self, Parent},
    plan::service::Done,
};
use crate::{
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, encode_id},
    },
    policy::{self, Action},
};

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
pub(in crate::staying_close) struct Entitlement {
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

/// A claim by id, for a viewer who could read it on the young person's
/// plan (audited as that read).
pub(in crate::staying_close) async fn node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<Claim>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(c) = store::claim(db, id).await? else {
        return Ok(None);
    };
    if !nodes::readable(ctx, Parent::Person(c.person_id), "claims").await? {
        return Ok(None);
    }
    Ok(Some(c.into()))
}

#[derive(Default)]
pub(in crate::staying_close) struct ClaimsQuery;

#[Object]
impl ClaimsQuery {
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
}

#[derive(InputObject)]
struct RequestClaimInput {
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
struct DecideClaimInput {
    pub client_mutation_id: Option<String>,
    pub claim_id: ID,
    /// APPROVED or REJECTED for a requested claim; PAID for an approved one.
    pub status: ClaimStatus,
    /// Required when rejecting: the young person reads it.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
struct ClaimPayload {
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
pub(in crate::staying_close) struct ClaimsMutation;

#[Object]
impl ClaimsMutation {
    /// The young person claims allowance or a bursary instalment.
    async fn request_claim(
        &self,
        ctx: &Context<'_>,
        input: RequestClaimInput,
    ) -> async_graphql::Result<ClaimPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::request_claim(
            &request.call(input.client_mutation_id.as_deref()),
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
            &request.call(input.client_mutation_id.as_deref()),
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
