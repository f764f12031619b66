//! Platform administrators create and change organisations and record
//! commissions: one function per change.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{self, CommissionService, Period},
    store::{self, CommissionRow, OrganisationRow},
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::model::{OrganisationKind, Role},
    policy::{self, Action, Target},
    reference, start_change,
};

/// What creating or changing an organisation asks for.
#[derive(Debug, Serialize)]
pub struct OrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    pub local_authority: Option<Uuid>,
}

/// What an organisation change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OrganisationDone {
    pub organisation_id: Uuid,
}

/// Platform administrators only; anyone else is told `FORBIDDEN` (an
/// organisation's existence is no secret to staff: they see their own).
fn authorise(tx: &Change<'_>) -> AppResult<()> {
    policy::authorize(
        tx.call.viewer,
        Action::ManageOrganisations,
        &Target::platform(),
    )
}

/// The name (unique, whatever its case) and authority, checked.
async fn checked(
    tx: &Change<'_>,
    input: &OrganisationInput,
    except: Option<Uuid>,
) -> AppResult<(String, Option<Uuid>)> {
    let name = model::name("input.name", &input.name)?;
    let la = model::local_authority("input.localAuthorityId", input.kind, input.local_authority)?;
    if let Some(la) = la
        && reference::store::local_authority(&tx.txn, la)
            .await?
            .is_none()
    {
        return Err(AppError::bad_input(
            "input.localAuthorityId",
            "is not a local authority",
        ));
    }
    if store::name_taken(&tx.txn, &name, except).await? {
        return Err(AppError::conflict(format!(
            "an organisation is already called \"{name}\""
        )));
    }
    Ok((name, la))
}

pub async fn create(call: &Call<'_>, input: OrganisationInput) -> AppResult<OrganisationDone> {
    let tx = start_change!(call, "createOrganisation", &input);
    authorise(&tx)?;
    let (name, local_authority_id) = checked(&tx, &input, None).await?;
    let now = Utc::now();
    let row = OrganisationRow {
        id: Uuid::now_v7(),
        name,
        kind: input.kind.as_str().to_string(),
        local_authority_id,
        requires_second_factor: false,
        created_at: now,
        updated_at: now,
    };
    store::insert(&tx.txn, &row).await?;
    commit(*tx, AuditAction::OrganisationCreate, &row).await
}

#[derive(Debug, Serialize)]
pub struct UpdateOrganisationInput {
    pub organisation: Uuid,
    pub fields: OrganisationInput,
}

/// Changes an organisation's name, kind and authority. A new kind must
/// hold every role its staff hold and provide every service it is
/// commissioned for (else `CONFLICT`: remove the roles or end the
/// commissions first).
pub async fn update(
    call: &Call<'_>,
    input: UpdateOrganisationInput,
) -> AppResult<OrganisationDone> {
    let tx = start_change!(call, "updateOrganisation", &input);
    authorise(&tx)?;
    let mut row = store::organisation(&tx.txn, input.organisation)
        .await?
        .ok_or(AppError::NotFound {
            entity: "Organisation",
        })?;
    let (name, local_authority_id) = checked(&tx, &input.fields, Some(row.id)).await?;
    let kind = input.fields.kind;
    for role in store::roles_held(&tx.txn, row.id).await? {
        let role = Role::parse(&role)?;
        if role.is_staff() && !kind.may_hold(role) {
            return Err(AppError::conflict(format!(
                "staff of this organisation hold the role {}, which a {} may not hold",
                role.as_str(),
                kind.as_str()
            )));
        }
    }
    for service in store::services_of(&tx.txn, row.id).await? {
        if CommissionService::from_code(&service).is_some_and(|s| !s.fits(kind)) {
            return Err(AppError::conflict(format!(
                "this organisation is commissioned for {service}, which a {} does not provide",
                kind.as_str()
            )));
        }
    }
    row.name = name;
    row.kind = kind.as_str().to_string();
    row.local_authority_id = local_authority_id;
    row.updated_at = Utc::now();
    store::update(&tx.txn, &row).await?;
    commit(*tx, AuditAction::OrganisationUpdate, &row).await
}

async fn commit(
    tx: Change<'_>,
    action: AuditAction,
    row: &OrganisationRow,
) -> AppResult<OrganisationDone> {
    let target = Target {
        local_authority: row.local_authority_id,
        ..Target::organisation(row.id)
    };
    tx.commit(
        Audited {
            action,
            record: ("Organisation", row.id),
            fields: &["name", "kind", "localAuthorityId"],
            target: &target,
        },
        OrganisationDone {
            organisation_id: row.id,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct RecordCommissionInput {
    pub organisation: Uuid,
    pub local_authority: Uuid,
    pub service: CommissionService,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// What a commission change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CommissionDone {
    pub commission_id: Uuid,
}

/// The period clashing with `period` among `others` (`CONFLICT` naming it).
fn no_clash(period: &Period, others: &[CommissionRow], except: Option<Uuid>) -> AppResult<()> {
    match others
        .iter()
        .filter(|c| Some(c.id) != except)
        .find(|c| c.period().overlaps(period))
    {
        Some(clash) => Err(AppError::Conflict {
            message: format!(
                "it overlaps the period {} of the same commission",
                clash.period().describe()
            ),
            details: Some(serde_json::json!({
                "commissionId": crate::graphql::relay::encode_id("Commission", clash.id).0,
                "startsOn": clash.starts_on,
                "endsOn": clash.ends_on,
            })),
        }),
        None => Ok(()),
    }
}

/// Records a period in which a provider works for an authority.
pub async fn record_commission(
    call: &Call<'_>,
    input: RecordCommissionInput,
) -> AppResult<CommissionDone> {
    let tx = start_change!(call, "recordCommission", &input);
    authorise(&tx)?;
    let period = Period::new(input.starts_on, input.ends_on)?;
    store::lock(&tx.txn, input.organisation).await?;
    let org = store::organisation(&tx.txn, input.organisation)
        .await?
        .ok_or(AppError::NotFound {
            entity: "Organisation",
        })?;
    let kind = OrganisationKind::parse(&org.kind)?;
    if !input.service.fits(kind) {
        return Err(AppError::bad_input(
            "input.service",
            format!("is not a service a {} provides", kind.as_str()),
        ));
    }
    if reference::store::local_authority(&tx.txn, input.local_authority)
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            "input.localAuthorityId",
            "is not a local authority",
        ));
    }
    let service = input.service.as_str();
    let others = store::periods(&tx.txn, org.id, input.local_authority, service).await?;
    no_clash(&period, &others, None)?;
    let now = Utc::now();
    let row = CommissionRow {
        id: Uuid::now_v7(),
        organisation_id: org.id,
        local_authority_id: input.local_authority,
        service: service.to_string(),
        starts_on: period.starts_on,
        ends_on: period.ends_on,
        created_at: now,
        updated_at: now,
    };
    store::insert_commission(&tx.txn, &row).await?;
    commit_commission(*tx, AuditAction::CommissionRecord, &row).await
}

#[derive(Debug, Serialize)]
pub struct EndCommissionInput {
    pub commission: Uuid,
    pub ends_on: NaiveDate,
}

/// Sets the first day a commission period no longer runs (an end already
/// set may be moved, as long as no periods overlap).
pub async fn end_commission(
    call: &Call<'_>,
    input: EndCommissionInput,
) -> AppResult<CommissionDone> {
    let tx = start_change!(call, "endCommission", &input);
    authorise(&tx)?;
    let mut row =
        store::commission(&tx.txn, input.commission)
            .await?
            .ok_or(AppError::NotFound {
                entity: "Commission",
            })?;
    store::lock(&tx.txn, row.organisation_id).await?;
    let period = Period::new(row.starts_on, Some(input.ends_on))?;
    let others = store::periods(
        &tx.txn,
        row.organisation_id,
        row.local_authority_id,
        &row.service,
    )
    .await?;
    no_clash(&period, &others, Some(row.id))?;
    row.ends_on = Some(input.ends_on);
    row.updated_at = Utc::now();
    store::set_commission_end(&tx.txn, row.id, input.ends_on, row.updated_at).await?;
    commit_commission(*tx, AuditAction::CommissionEnd, &row).await
}

async fn commit_commission(
    tx: Change<'_>,
    action: AuditAction,
    row: &CommissionRow,
) -> AppResult<CommissionDone> {
    let target = Target {
        local_authority: Some(row.local_authority_id),
        ..Target::organisation(row.organisation_id)
    };
    tx.commit(
        Audited {
            action,
            record: ("Commission", row.id),
            fields: &["service", "startsOn", "endsOn"],
            target: &target,
        },
        CommissionDone {
            commission_id: row.id,
        },
    )
    .await
}
