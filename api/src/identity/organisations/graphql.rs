//! GraphQL for organisations and commissions (platform administrators):
//! the `organisations` connection, and creating and changing organisations
//! and commission periods. Organisations are not case records: like
//! `me.roles`, not read-audited; every change is audited.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    model::CommissionService,
    service::{self, OrganisationInput},
    store::{self, CommissionRow, OrganisationRow},
};
use crate::{
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    identity::model::OrganisationKind,
    paging::PageRequest,
    policy::{self, Action, Target},
};

/// An organisation as platform administrators see it.
#[derive(SimpleObject, Clone)]
pub struct Organisation {
    /// Global id (type `Organisation`, as `OrganisationSummary` ids).
    pub id: ID,
    pub name: String,
    pub kind: OrganisationKind,
    /// The authority a local authority team or children's home belongs
    /// to (a `LocalAuthority` id; null for providers and the platform).
    pub local_authority_id: Option<ID>,
    /// Whether staff holding roles that read case records pass a second
    /// factor at sign-in.
    pub requires_second_factor: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every commission period of this organisation (by authority, service
    /// and start).
    pub commissions: Vec<Commission>,
}

impl Organisation {
    /// The organisation with its commission periods (from `commissions`,
    /// which may hold other organisations' too).
    fn new(row: OrganisationRow, commissions: &[CommissionRow]) -> AppResult<Self> {
        Ok(Organisation {
            id: encode_id("Organisation", row.id),
            name: row.name,
            kind: OrganisationKind::parse(&row.kind)?,
            local_authority_id: row
                .local_authority_id
                .map(|la| encode_id("LocalAuthority", la)),
            requires_second_factor: row.requires_second_factor,
            created_at: row.created_at,
            updated_at: row.updated_at,
            commissions: commissions
                .iter()
                .filter(|c| c.organisation_id == row.id)
                .cloned()
                .map(Commission::from)
                .collect(),
        })
    }
}

/// A period in which a provider works for a local authority. It runs from
/// `startsOn` up to, not including, `endsOn`: from `endsOn` the
/// provider's staff no longer reach the authority.
#[derive(SimpleObject, Clone)]
pub struct Commission {
    /// Global id (type `Commission`).
    pub id: ID,
    /// The provider (an `Organisation` id).
    pub organisation_id: ID,
    /// The commissioning authority (a `LocalAuthority` id).
    pub local_authority_id: ID,
    pub service: CommissionService,
    pub starts_on: NaiveDate,
    /// The first day the provider no longer works for the authority (null:
    /// open-ended).
    pub ends_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

impl From<CommissionRow> for Commission {
    fn from(row: CommissionRow) -> Self {
        Commission {
            id: encode_id("Commission", row.id),
            organisation_id: encode_id("Organisation", row.organisation_id),
            local_authority_id: encode_id("LocalAuthority", row.local_authority_id),
            // Stored codes are written by the service from this enum.
            service: CommissionService::from_code(&row.service)
                .unwrap_or(CommissionService::Advocacy),
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Default)]
pub struct OrganisationsQuery;

#[Object]
impl OrganisationsQuery {
    /// Every organisation, by name (platform administrators; anyone else
    /// FORBIDDEN), of one kind and whose name holds `search`, if given.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kind: Option<OrganisationKind>,
        search: Option<String>,
    ) -> async_graphql::Result<Connection<String, Organisation>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        policy::authorize(
            &request.viewer,
            Action::ManageOrganisations,
            &Target::platform(),
        )?;
        let search = search
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let rows = store::page(
            &request.db,
            &page,
            kind.map(OrganisationKind::as_str),
            search.as_deref(),
        )
        .await?;
        // One query for the page's commissions (not one per organisation).
        let ids: Vec<uuid::Uuid> = page.shown(&rows).iter().map(|r| r.id).collect();
        let commissions = store::commissions_of(&request.db, &ids).await?;
        let keyed = rows
            .into_iter()
            .map(|row| Ok((store::key(&row), Organisation::new(row, &commissions)?)))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(connection(&page, keyed, |(k, _)| k.clone(), |(_, n)| n))
    }
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub client_mutation_id: Option<String>,
    pub name: String,
    pub kind: OrganisationKind,
    /// Required for a local authority team or a children's home; refused
    /// for other kinds (a `LocalAuthority` id).
    pub local_authority_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub client_mutation_id: Option<String>,
    /// An `Organisation` id.
    pub organisation_id: ID,
    pub name: String,
    pub kind: OrganisationKind,
    pub local_authority_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct OrganisationPayload {
    pub client_mutation_id: Option<String>,
    pub organisation: Option<Organisation>,
}

#[derive(InputObject)]
pub struct RecordCommissionInput {
    pub client_mutation_id: Option<String>,
    /// The provider (an `Organisation` id).
    pub organisation_id: ID,
    /// The commissioning authority (a `LocalAuthority` id).
    pub local_authority_id: ID,
    pub service: CommissionService,
    pub starts_on: NaiveDate,
    /// The first day it no longer runs (null: open-ended).
    pub ends_on: Option<NaiveDate>,
}

#[derive(InputObject)]
pub struct EndCommissionInput {
    pub client_mutation_id: Option<String>,
    /// A `Commission` id.
    pub commission_id: ID,
    /// The first day the provider no longer works for the authority.
    pub ends_on: NaiveDate,
}

#[derive(SimpleObject)]
pub struct CommissionPayload {
    pub client_mutation_id: Option<String>,
    pub commission: Option<Commission>,
}

fn local_authority(field: &str, id: Option<&ID>) -> AppResult<Option<uuid::Uuid>> {
    id.map(|id| decode_typed_id(field, id, "LocalAuthority"))
        .transpose()
}

async fn organisation_payload(
    request: &RequestCtx,
    client_mutation_id: Option<String>,
    id: uuid::Uuid,
) -> AppResult<OrganisationPayload> {
    let commissions = store::commissions_of(&request.db, &[id]).await?;
    let organisation = store::organisation(&request.db, id)
        .await?
        .map(|row| Organisation::new(row, &commissions))
        .transpose()?;
    Ok(OrganisationPayload {
        client_mutation_id,
        organisation,
    })
}

async fn commission_payload(
    request: &RequestCtx,
    client_mutation_id: Option<String>,
    id: uuid::Uuid,
) -> AppResult<CommissionPayload> {
    let commission = store::commission(&request.db, id).await?.map(Into::into);
    Ok(CommissionPayload {
        client_mutation_id,
        commission,
    })
}

#[derive(Default)]
pub struct OrganisationsMutation;

#[Object]
impl OrganisationsMutation {
    /// Adds an organisation (platform administrators). A name already
    /// taken, whatever its case: CONFLICT.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let request = RequestCtx::get(ctx)?;
        let fields = OrganisationInput {
            name: input.name,
            kind: input.kind,
            local_authority: local_authority(
                "input.localAuthorityId",
                input.local_authority_id.as_ref(),
            )?,
        };
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::create(&call, fields).await?;
        Ok(organisation_payload(request, input.client_mutation_id, done.organisation_id).await?)
    }

    /// Changes an organisation's name, kind and authority (platform
    /// administrators). A kind that may not hold its staff's roles or
    /// provide its commissioned services: CONFLICT.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let request = RequestCtx::get(ctx)?;
        let update = service::UpdateOrganisationInput {
            organisation: decode_typed_id(
                "input.organisationId",
                &input.organisation_id,
                "Organisation",
            )?,
            fields: OrganisationInput {
                name: input.name,
                kind: input.kind,
                local_authority: local_authority(
                    "input.localAuthorityId",
                    input.local_authority_id.as_ref(),
                )?,
            },
        };
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::update(&call, update).await?;
        Ok(organisation_payload(request, input.client_mutation_id, done.organisation_id).await?)
    }

    /// Records a period in which a provider works for an authority
    /// (platform administrators). The service must fit the provider's kind
    /// (advocacy: an advocacy provider; kinship training: a training
    /// provider or charity); periods of the same provider, authority and
    /// service never overlap (CONFLICT naming the period it clashes with).
    async fn record_commission(
        &self,
        ctx: &Context<'_>,
        input: RecordCommissionInput,
    ) -> async_graphql::Result<CommissionPayload> {
        let request = RequestCtx::get(ctx)?;
        let record = service::RecordCommissionInput {
            organisation: decode_typed_id(
                "input.organisationId",
                &input.organisation_id,
                "Organisation",
            )?,
            local_authority: decode_typed_id(
                "input.localAuthorityId",
                &input.local_authority_id,
                "LocalAuthority",
            )?,
            service: input.service,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
        };
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::record_commission(&call, record).await?;
        Ok(commission_payload(request, input.client_mutation_id, done.commission_id).await?)
    }

    /// Ends a commission period on `endsOn`, the first day the provider no
    /// longer works for the authority: from that day its staff lose their
    /// reach into it (platform administrators).
    async fn end_commission(
        &self,
        ctx: &Context<'_>,
        input: EndCommissionInput,
    ) -> async_graphql::Result<CommissionPayload> {
        let request = RequestCtx::get(ctx)?;
        let end = service::EndCommissionInput {
            commission: decode_typed_id("input.commissionId", &input.commission_id, "Commission")?,
            ends_on: input.ends_on,
        };
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::end_commission(&call, end).await?;
        Ok(commission_payload(request, input.client_mutation_id, done.commission_id).await?)
    }
}
