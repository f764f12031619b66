//! GraphQL for the safeguarding share: sharing a concern, recording that
//! the risk of telling the young person has passed, and a request's
//! `safeguardingShares` as each viewer may see them ([`Audience`]). Every
//! share shown is audited.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, dataloader::Loader};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    model::{Audience, Share},
    service::{self, RiskPassedInput, ShareInput, Shared},
    store::{self, ShareRow},
};
use crate::advocacy::{
    access::Reach,
    requests::{graphql::request_at, object::AdvocacyRequest, reads, store::RequestRow},
};
use crate::{
    audit::AuditAction,
    auth::viewer::Viewer,
    error::AppResult,
    graphql::{
        context::{RequestCtx, RequestLoader},
        reads::{self as audit_reads, Read},
        relay::{decode_typed_id, encode_id},
    },
    policy::{self, Action},
};

/// A safeguarding concern shared with the local authority.
#[derive(SimpleObject)]
pub struct AdvocacySafeguardingShare {
    pub id: ID,
    /// Why it was shared.
    pub reason: String,
    /// What was shared.
    pub what_was_shared: String,
    /// Who at the authority it was shared with, and their role.
    pub shared_with_name: String,
    pub shared_with_role: String,
    pub shared_at: DateTime<Utc>,
    /// Whether the young person was told (null for the young person).
    pub young_person_told: Option<bool>,
    /// Why telling the young person would put them at risk: for the
    /// advocate and the provider's managers only.
    pub risk_reason: Option<String>,
    /// When a manager recorded that the risk has passed (null for the
    /// young person).
    pub risk_passed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl AdvocacySafeguardingShare {
    fn seen(row: ShareRow, audience: Audience) -> Self {
        let s = row.share;
        let provider = audience == Audience::Provider;
        let not_young = audience != Audience::YoungPerson;
        AdvocacySafeguardingShare {
            id: encode_id("AdvocacySafeguardingShare", row.id),
            reason: s.reason,
            what_was_shared: s.what_was_shared,
            shared_with_name: s.shared_with_name,
            shared_with_role: s.shared_with_role,
            shared_at: s.shared_at.unwrap_or(row.recorded_at),
            young_person_told: s.young_person_told.filter(|_| not_young),
            risk_reason: s.risk_reason.filter(|_| provider),
            risk_passed_at: row.risk_passed_at.filter(|_| not_young),
            updated_at: row.updated_at,
        }
    }
}

/// A request's shares (batched over a page of requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SharesOf(Uuid);

pub struct SafeguardingLoader {
    db: DatabaseConnection,
}

impl RequestLoader for SafeguardingLoader {
    fn new(db: &DatabaseConnection) -> Self {
        SafeguardingLoader { db: db.clone() }
    }
}

impl Loader<SharesOf> for SafeguardingLoader {
    type Value = Vec<ShareRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[SharesOf],
    ) -> Result<HashMap<SharesOf, Vec<ShareRow>>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = store::shares(&self.db, &ids).await?;
        Ok(found.into_iter().map(|(id, s)| (SharesOf(id), s)).collect())
    }
}

/// How much of `request`'s shares the viewer sees.
fn audience(viewer: &Viewer, request: &RequestRow, reach: Reach) -> Audience {
    let authority = policy::allows(viewer, Action::ReadAdvocacyStatus, &request.target());
    Audience::of(reach, authority)
}

/// The shares of `request` the viewer may see, as they see them, each
/// read audited (naming the young person only where they may see it).
async fn released(
    ctx: &Context<'_>,
    request: &RequestRow,
    reach: Reach,
    rows: Vec<ShareRow>,
    path: &[&str],
) -> AppResult<Vec<AdvocacySafeguardingShare>> {
    let call = RequestCtx::get(ctx)?;
    let audience = audience(&call.viewer, request, reach);
    let shown: Vec<ShareRow> = rows
        .into_iter()
        .filter(|s| match audience {
            Audience::Provider | Audience::Authority => true,
            Audience::YoungPerson => s.young_person_sees(),
            Audience::Nobody => false,
        })
        .collect();
    let mut fields = Vec::new();
    audit_reads::selected(ctx.field(), path, &mut fields);
    if audience != Audience::Provider {
        fields.retain(|f| f != "riskReason");
    }
    let names = audit_reads::names(&fields);
    audit_reads::record(
        call,
        AuditAction::AdvocacySafeguardingRead,
        "AdvocacySafeguardingShare",
        shown.iter().map(|s| Read {
            id: s.id,
            person: Some(request.person_id).filter(|_| s.young_person_sees()),
            local_authority: Some(request.local_authority_id),
            fields: &names,
        }),
    )
    .await?;
    Ok(shown
        .into_iter()
        .map(|s| AdvocacySafeguardingShare::seen(s, audience))
        .collect())
}

/// `request`'s safeguarding shares as the viewer may see them, oldest
/// first (empty for those who see none).
pub(in crate::advocacy) async fn shares_of(
    ctx: &Context<'_>,
    request: &RequestRow,
    reach: Reach,
) -> async_graphql::Result<Vec<AdvocacySafeguardingShare>> {
    let call = RequestCtx::get(ctx)?;
    if audience(&call.viewer, request, reach) == Audience::Nobody {
        return Ok(Vec::new());
    }
    let loader = call.loaders.get::<SafeguardingLoader>()?;
    let rows = loader
        .load_one(SharesOf(request.id))
        .await?
        .unwrap_or_default();
    Ok(released(ctx, request, reach, rows, &[]).await?)
}

/// What a share's change returns: the share and the request as the viewer
/// now sees them.
#[derive(SimpleObject)]
pub struct AdvocacySafeguardingSharePayload {
    pub client_mutation_id: Option<String>,
    pub share: Option<AdvocacySafeguardingShare>,
    pub request: Option<AdvocacyRequest>,
}

async fn payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Shared,
) -> async_graphql::Result<AdvocacySafeguardingSharePayload> {
    Ok(AdvocacySafeguardingSharePayload {
        client_mutation_id,
        share: share_at(ctx, done.share_id, &["share"]).await?,
        request: request_at(ctx, done.request_id, &["request"]).await?,
    })
}

/// One share, if the viewer may see it (audited with the fields selected
/// under `path`); `None` otherwise. For payloads and `node`.
pub(in crate::advocacy) async fn share_at(
    ctx: &Context<'_>,
    id: Uuid,
    path: &[&str],
) -> AppResult<Option<AdvocacySafeguardingShare>> {
    let call = RequestCtx::get(ctx)?;
    let Some(row) = store::share(&call.db, id).await? else {
        return Ok(None);
    };
    Ok(
        match reads::one(&call.db, &call.viewer, row.request_id).await? {
            Some((request, reach)) => released(ctx, &request, reach, vec![row], path).await?.pop(),
            None => None,
        },
    )
}

#[derive(InputObject)]
pub struct ShareAdvocacySafeguardingConcernInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    /// Why the concern is shared.
    pub reason: String,
    /// What was shared, in words.
    pub what_was_shared: String,
    /// Who at the authority it was shared with.
    pub shared_with_name: String,
    pub shared_with_role: String,
    /// When it was shared (now, if left out).
    pub shared_at: Option<DateTime<Utc>>,
    /// Whether the young person was told. Required for instructed
    /// requests; may be left out for a child who cannot instruct.
    pub young_person_told: Option<bool>,
    /// Required when an instructed request's young person was not told:
    /// why telling them would put them at risk. The young person does not
    /// see the share until a manager records that the risk has passed.
    pub risk_reason: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAdvocacySafeguardingRiskPassedInput {
    pub client_mutation_id: Option<String>,
    pub share_id: ID,
    /// When the risk passed (now, if left out).
    pub passed_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub(in crate::advocacy) struct SafeguardingMutation;

#[Object]
impl SafeguardingMutation {
    /// The advocate assigned or a provider manager records a safeguarding
    /// concern shared with the local authority.
    async fn share_advocacy_safeguarding_concern(
        &self,
        ctx: &Context<'_>,
        input: ShareAdvocacySafeguardingConcernInput,
    ) -> async_graphql::Result<AdvocacySafeguardingSharePayload> {
        let call = RequestCtx::get(ctx)?;
        let done = service::share(
            &call.call(input.client_mutation_id.as_deref()),
            ShareInput {
                request: decode_typed_id("requestId", &input.request_id, "AdvocacyRequest")?,
                share: Share {
                    reason: input.reason,
                    what_was_shared: input.what_was_shared,
                    shared_with_name: input.shared_with_name,
                    shared_with_role: input.shared_with_role,
                    shared_at: input.shared_at,
                    young_person_told: input.young_person_told,
                    risk_reason: input.risk_reason,
                },
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// A provider manager records that telling the young person about a
    /// share withheld for risk no longer puts them at risk: they see it
    /// from now on.
    async fn record_advocacy_safeguarding_risk_passed(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacySafeguardingRiskPassedInput,
    ) -> async_graphql::Result<AdvocacySafeguardingSharePayload> {
        let call = RequestCtx::get(ctx)?;
        let done = service::risk_passed(
            &call.call(input.client_mutation_id.as_deref()),
            RiskPassedInput {
                share: decode_typed_id("shareId", &input.share_id, "AdvocacySafeguardingShare")?,
                at: input.passed_at,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }
}
