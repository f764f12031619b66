//! Reading and setting a contract's terms. The commissioning authority's
//! managers set them; they and the provider's managers read them. New
//! terms apply to requests made from then on: a request keeps the
//! timescales it was made under.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{Rule, Terms},
    store,
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call},
    clock::today,
    error::{AppError, AppResult},
    identity::{directory, model::SERVICE_ADVOCACY},
    policy::{self, Action, Target},
    start_change,
};

/// A contract's terms as read: recorded ones with their version, or the
/// standard ones (version 0) until it records its own.
#[derive(Debug, Clone)]
pub struct ContractTerms {
    pub local_authority_id: Uuid,
    pub provider_id: Uuid,
    pub terms: Terms,
    pub version: i32,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The terms between an authority and a provider it commissions, for
/// the authority's managers and the provider's.
pub(in crate::advocacy) async fn read(
    call: &Call<'_>,
    la: Uuid,
    provider: Uuid,
) -> AppResult<Option<ContractTerms>> {
    if !policy::allows(
        call.viewer,
        Action::ReadAdvocacyStatus,
        &Target::contract(la, provider),
    ) {
        return Ok(None);
    }
    Ok(Some(match store::terms(call.db, la, provider).await? {
        Some(stored) => ContractTerms {
            local_authority_id: la,
            provider_id: provider,
            terms: stored.terms,
            version: stored.version,
            updated_at: Some(stored.updated_at),
        },
        None => ContractTerms {
            local_authority_id: la,
            provider_id: provider,
            terms: Terms::standard(),
            version: 0,
            updated_at: None,
        },
    }))
}

/// New terms as the commissioner gives them.
#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct SetTermsInput {
    pub local_authority_id: Uuid,
    pub provider_id: Uuid,
    pub expected_version: Option<i32>,
    pub day_starts: NaiveTime,
    pub day_ends: NaiveTime,
    pub time_zone: String,
    pub at_risk_percent: u32,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(in crate::advocacy) struct TermsSet {
    pub version: i32,
}

pub(in crate::advocacy) async fn set(call: &Call<'_>, input: SetTermsInput) -> AppResult<TermsSet> {
    let tx = start_change!(call, "setAdvocacyContractTerms", &input);
    let (la, provider) = (input.local_authority_id, input.provider_id);
    let target = Target::contract(la, provider);
    tx.authorise(
        &target,
        &[Action::SetAdvocacyTerms],
        Action::ReadAdvocacyStatus,
        "AdvocacyContractTerms",
    )?;
    let commissioned =
        directory::commissioned_providers(&tx.txn, la, SERVICE_ADVOCACY, today()).await?;
    if !commissioned.contains(&provider) {
        return Err(AppError::bad_input(
            "providerId",
            "is not an advocacy provider this authority commissions",
        ));
    }
    let terms = Terms::checked(
        input.day_starts,
        input.day_ends,
        &input.time_zone,
        input.at_risk_percent,
        input.rules,
    )?;
    let current = store::terms(&tx.txn, la, provider)
        .await?
        .map_or(0, |t| t.version);
    if let Some(expected) = input.expected_version
        && expected != current
    {
        return Err(AppError::stale("contract", current));
    }
    let version = current + 1;
    let at = Utc::now();
    if !store::save_terms(
        &tx.txn,
        (la, provider),
        &terms,
        version,
        tx.actor.person_id,
        at,
    )
    .await?
    {
        return Err(AppError::stale("contract", current));
    }
    tx.commit(
        Audited {
            action: AuditAction::AdvocacyTerms,
            record: ("AdvocacyContractTerms", provider),
            fields: &["workingHours", "atRiskPercent", "timescales"],
            target: &target,
        },
        TermsSet { version },
    )
    .await
}
