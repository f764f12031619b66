//! GraphQL for timescales: each request's clocks (a field of
//! `AdvocacyRequest`), and the contract's terms (read by the authority's
//! and the provider's managers, set by the authority's).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    model::{Clock, Length, Rule, Timescale, TimescaleState, TimescaleUnit},
    terms::{self, ContractTerms, SetTermsInput},
};
use crate::advocacy::requests::model::{AdvocacyKind, Urgency};
use crate::{
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{decode_typed_id, encode_id},
    },
    text::time_of_day,
};

/// One of a request's timescales: when it is due, and where it stands.
#[derive(SimpleObject)]
pub struct AdvocacyTimescale {
    pub timescale: Timescale,
    pub state: TimescaleState,
    pub amount: i32,
    pub unit: TimescaleUnit,
    /// When it started (the request; the last activity, for the closure
    /// review).
    pub started_at: DateTime<Utc>,
    /// When the configured share of its time has gone.
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    /// The due time falls in a year the calendar holds no bank holidays
    /// for yet: it may move when they are imported.
    pub provisional: bool,
}

impl AdvocacyTimescale {
    /// The clock as it stands at `now`.
    pub fn at(clock: Clock, now: DateTime<Utc>) -> Self {
        AdvocacyTimescale {
            timescale: clock.timescale,
            state: clock.state(now),
            amount: i32::try_from(clock.length.amount).unwrap_or(i32::MAX),
            unit: clock.length.unit,
            started_at: clock.started_at,
            at_risk_at: clock.at_risk_at,
            due_at: clock.due_at,
            met_at: clock.met_at,
            provisional: clock.provisional,
        }
    }
}

/// A timescale's length for requests of a kind and urgency (null: any).
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "AdvocacyTimescaleRuleInput")]
pub struct AdvocacyTimescaleRule {
    pub timescale: Timescale,
    pub kind: Option<AdvocacyKind>,
    pub urgency: Option<Urgency>,
    pub amount: i32,
    pub unit: TimescaleUnit,
}

/// What an authority's contract with its advocacy provider sets.
pub struct AdvocacyContractTerms(ContractTerms);

#[Object]
impl AdvocacyContractTerms {
    async fn local_authority_id(&self) -> ID {
        encode_id("LocalAuthority", self.0.local_authority_id)
    }

    async fn provider_id(&self) -> ID {
        encode_id("Organisation", self.0.provider_id)
    }

    /// 0 while the contract has the standard terms; pass as
    /// `expectedVersion` when setting them.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The standard terms apply (the contract recorded none).
    async fn standard(&self) -> bool {
        self.0.version == 0
    }

    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }

    /// The contract's working day starts (HH:MM, local time).
    async fn working_day_starts(&self) -> String {
        self.0.terms.hours.start().format("%H:%M").to_string()
    }

    async fn working_day_ends(&self) -> String {
        self.0.terms.hours.end().format("%H:%M").to_string()
    }

    /// IANA name, such as Europe/London.
    async fn time_zone(&self) -> &str {
        self.0.terms.hours.zone().name()
    }

    /// A timescale is at risk once this share of its time has gone.
    async fn at_risk_percent(&self) -> i32 {
        i32::try_from(self.0.terms.at_risk_percent).unwrap_or(0)
    }

    async fn timescales(&self) -> Vec<AdvocacyTimescaleRule> {
        self.0
            .terms
            .rules
            .iter()
            .map(|r| AdvocacyTimescaleRule {
                timescale: r.timescale,
                kind: r.kind,
                urgency: r.urgency,
                amount: i32::try_from(r.length.amount).unwrap_or(i32::MAX),
                unit: r.length.unit,
            })
            .collect()
    }
}

fn contract(la: &ID, provider: &ID) -> AppResult<(uuid::Uuid, uuid::Uuid)> {
    Ok((
        decode_typed_id("localAuthorityId", la, "LocalAuthority")?,
        decode_typed_id("providerId", provider, "Organisation")?,
    ))
}

#[derive(Default)]
pub(in crate::advocacy) struct TimescalesQuery;

#[Object]
impl TimescalesQuery {
    /// The timescales an authority's contract with an advocacy provider
    /// sets; null unless you manage requests of that authority (its
    /// managers, or the provider's).
    async fn advocacy_contract_terms(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        provider_id: ID,
    ) -> async_graphql::Result<Option<AdvocacyContractTerms>> {
        let request = RequestCtx::get(ctx)?;
        let (la, provider) = contract(&local_authority_id, &provider_id)?;
        Ok(terms::read(&request.call(None), la, provider)
            .await?
            .map(AdvocacyContractTerms))
    }
}

#[derive(InputObject)]
pub struct SetAdvocacyContractTermsInput {
    pub client_mutation_id: Option<String>,
    pub local_authority_id: ID,
    pub provider_id: ID,
    /// The version read (0 for the standard terms).
    pub expected_version: Option<i32>,
    /// HH:MM local time.
    #[graphql(default = "09:00")]
    pub working_day_starts: String,
    #[graphql(default = "17:00")]
    pub working_day_ends: String,
    #[graphql(default = "Europe/London")]
    pub time_zone: String,
    #[graphql(default = 75)]
    pub at_risk_percent: i32,
    /// Every timescale for every kind and urgency of request, a rule for
    /// any kind or urgency covering those without their own.
    pub timescales: Vec<AdvocacyTimescaleRule>,
}

#[derive(SimpleObject)]
pub struct SetAdvocacyContractTermsPayload {
    pub client_mutation_id: Option<String>,
    pub terms: Option<AdvocacyContractTerms>,
}

#[derive(Default)]
pub(in crate::advocacy) struct TimescalesMutation;

#[Object]
impl TimescalesMutation {
    /// The commissioning authority sets its contract's timescales (for
    /// requests made from now on).
    async fn set_advocacy_contract_terms(
        &self,
        ctx: &Context<'_>,
        input: SetAdvocacyContractTermsInput,
    ) -> async_graphql::Result<SetAdvocacyContractTermsPayload> {
        let request = RequestCtx::get(ctx)?;
        let (la, provider) = contract(&input.local_authority_id, &input.provider_id)?;
        let rules = input
            .timescales
            .iter()
            .map(|r| Rule {
                timescale: r.timescale,
                kind: r.kind,
                urgency: r.urgency,
                length: Length {
                    amount: u32::try_from(r.amount).unwrap_or(0),
                    unit: r.unit,
                },
            })
            .collect();
        let call = request.call(input.client_mutation_id.as_deref());
        terms::set(
            &call,
            SetTermsInput {
                local_authority_id: la,
                provider_id: provider,
                expected_version: input.expected_version,
                day_starts: time_of_day("workingDayStarts", &input.working_day_starts)?,
                day_ends: time_of_day("workingDayEnds", &input.working_day_ends)?,
                time_zone: input.time_zone,
                at_risk_percent: u32::try_from(input.at_risk_percent).unwrap_or(0),
                rules,
            },
        )
        .await?;
        let terms = terms::read(&call, la, provider).await?;
        Ok(SetAdvocacyContractTermsPayload {
            client_mutation_id: input.client_mutation_id.clone(),
            terms: terms.map(AdvocacyContractTerms),
        })
    }
}
