//! Claiming, and managers deciding and paying claims.

use chrono::{NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use uuid::Uuid;

use super::{
    model::{self, ClaimKind, ClaimStatus},
    store::{self, ClaimRow},
};
use crate::audit::AuditAction;
use crate::clock::today;
use crate::staying_close::plan::{self, access::PlanChange, service::Done};
use crate::{
    auth::viewer::Viewer,
    change::{Audited, Call},
    error::{AppError, AppResult},
    notifications::{
        model::Kind,
        service::{self as notifications, NewNotification},
    },
    policy::{self, Action, Target},
    start_change, text,
};

#[derive(Debug, Serialize)]
pub(super) struct ClaimInput {
    pub kind: ClaimKind,
    pub amount_pence: i64,
    pub purpose: String,
    pub apprenticeship_start: Option<NaiveDate>,
}

/// The young person claims setting-up-home allowance or a bursary
/// instalment, within what is left of their entitlement.
pub(super) async fn request_claim(call: &Call<'_>, input: ClaimInput) -> AppResult<Done> {
    let tx = start_change!(call, "requestClaim", &input);
    let me = tx.actor.person_id;
    let plan = plan::store::current_plan(&tx.txn, me)
        .await?
        .ok_or(AppError::NotFound {
            entity: "StayingClosePlan",
        })?;
    let plan = tx.plan(plan.id, &[Action::ContributeToOwnPlan]).await?;
    let purpose = text::line("purpose", &input.purpose, 300)?;
    let today = today();
    let basis = match input.kind {
        ClaimKind::SettingUpHome => {
            if input.apprenticeship_start.is_some() {
                return Err(AppError::bad_input(
                    "apprenticeshipStartDate",
                    "is only for apprenticeship bursary claims",
                ));
            }
            today
        }
        ClaimKind::ApprenticeshipBursary => input.apprenticeship_start.ok_or_else(|| {
            AppError::bad_input(
                "apprenticeshipStartDate",
                "say when the apprenticeship started (or starts)",
            )
        })?,
    };
    store::lock_person_claims(&tx.txn, me).await?;
    // Entitlement follows the first claim of the kind: the allowance in
    // force when the young person first claimed, or the bursary in force
    // when their apprenticeship started.
    let claimed = store::claimed(&tx.txn, me, input.kind).await?;
    let basis = claimed.first_basis.map_or(basis, |first| first.min(basis));
    let caps = store::caps(&tx.txn).await?;
    let cap = caps
        .get(&input.kind)
        .and_then(|caps| model::cap_on(caps, basis))
        .ok_or_else(|| {
            AppError::bad_input("apprenticeshipStartDate", "is before any bursary existed")
        })?;
    model::check_entitlement(input.kind, cap, claimed.pence, input.amount_pence)?;
    let now = Utc::now();
    let claim = ClaimRow {
        id: Uuid::now_v7(),
        person_id: me,
        local_authority_id: plan.local_authority_id,
        kind: input.kind,
        amount_pence: input.amount_pence,
        purpose,
        basis_date: basis,
        status: ClaimStatus::Requested,
        decided_by_person_id: None,
        decided_at: None,
        decision_note: None,
        paid_at: None,
        created_at: now,
        updated_at: now,
    };
    store::save_claim(&tx.txn, &claim).await?;
    plan::store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action: AuditAction::ClaimRequest,
            record: ("Claim", claim.id),
            fields: &["kind", "amountPence", "purpose"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(claim.id),
            version: None,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(super) struct DecideInput {
    pub claim: Uuid,
    pub status: ClaimStatus,
    pub note: Option<String>,
}

/// What a viewer may do with a claim.
enum ClaimAccess {
    /// Decide it (a manager of the young person's authority).
    Decide,
    /// See it: whoever may read the young person's plan.
    Read,
    None,
}

/// What the viewer may do with this claim.
async fn claim_access(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    claim: &ClaimRow,
) -> AppResult<ClaimAccess> {
    let target = Target::person(claim.person_id, Some(claim.local_authority_id));
    if policy::allows(viewer, Action::DecideClaims, &target) {
        return Ok(ClaimAccess::Decide);
    }
    let readable = match plan::store::current_plan(db, claim.person_id).await? {
        Some(plan) => policy::allows(viewer, Action::ReadPlan, &plan.target()),
        None => false,
    };
    Ok(if readable {
        ClaimAccess::Read
    } else {
        ClaimAccess::None
    })
}

/// A claim, if the viewer may see it (a mutation's payload: a replayed
/// request may come from a viewer who has since lost access).
pub(super) async fn readable_claim(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<ClaimRow>> {
    let Some(claim) = store::claim(db, id).await? else {
        return Ok(None);
    };
    Ok(match claim_access(db, viewer, &claim).await? {
        ClaimAccess::Decide | ClaimAccess::Read => Some(claim),
        ClaimAccess::None => None,
    })
}

/// A manager approves or rejects a claim, or marks an approved one paid.
/// The young person is told.
pub(super) async fn decide_claim(call: &Call<'_>, input: DecideInput) -> AppResult<Done> {
    let tx = start_change!(call, "decideClaim", &input);
    let not_found = || AppError::NotFound { entity: "Claim" };
    let found = store::claim(&tx.txn, input.claim)
        .await?
        .ok_or_else(not_found)?;
    match claim_access(&tx.txn, call.viewer, &found).await? {
        ClaimAccess::Decide => {}
        ClaimAccess::Read => return Err(AppError::Forbidden),
        ClaimAccess::None => return Err(not_found()),
    }
    // Decisions and new claims for one young person are serialised, so two
    // managers deciding at once see each other's decision.
    store::lock_person_claims(&tx.txn, found.person_id).await?;
    let mut claim = store::claim(&tx.txn, input.claim)
        .await?
        .ok_or_else(not_found)?;
    if !claim.status.can_become(input.status) {
        return Err(AppError::conflict(format!(
            "A {} claim cannot become {}.",
            claim.status.as_str(),
            input.status.as_str()
        )));
    }
    let note = text::optional_prose("note", input.note.as_deref(), 2000)?;
    if input.status == ClaimStatus::Rejected && note.is_none() {
        return Err(AppError::bad_input(
            "note",
            "say why the claim is rejected: the young person will read it",
        ));
    }
    let now = Utc::now();
    match input.status {
        ClaimStatus::Paid => claim.paid_at = Some(now),
        _ => {
            claim.decided_at = Some(now);
            claim.decided_by_person_id = Some(tx.actor.person_id);
            claim.decision_note = note;
        }
    }
    claim.status = input.status;
    claim.updated_at = now;
    store::save_claim(&tx.txn, &claim).await?;
    let what = match claim.kind {
        ClaimKind::SettingUpHome => "setting-up-home allowance",
        ClaimKind::ApprenticeshipBursary => "apprenticeship bursary",
    };
    let (title, body) = match claim.status {
        ClaimStatus::Approved => (
            "Your claim was approved",
            format!(
                "Your {what} claim for {} was approved. We will tell you when it is paid.",
                model::pounds(claim.amount_pence)
            ),
        ),
        ClaimStatus::Rejected => (
            "Your claim was not approved",
            format!(
                "Your {what} claim for {} was not approved. Your personal adviser can talk it through with you.",
                model::pounds(claim.amount_pence)
            ),
        ),
        _ => (
            "Your claim has been paid",
            format!(
                "Your {what} claim for {} has been paid.",
                model::pounds(claim.amount_pence)
            ),
        ),
    };
    notifications::notify(
        &tx.txn,
        NewNotification {
            person_id: claim.person_id,
            kind: Kind::ClaimDecided,
            title,
            body: &body,
            subject: Some(("Claim", claim.id)),
            collapse_key: Some(&format!("claim:{}", claim.id)),
        },
    )
    .await?;
    if let Some(plan) = plan::store::current_plan(&tx.txn, claim.person_id).await? {
        plan::store::touch(&tx.txn, plan.id).await?;
    }
    tx.commit(
        Audited {
            action: match claim.status {
                ClaimStatus::Paid => AuditAction::ClaimPay,
                _ => AuditAction::ClaimDecide,
            },
            record: ("Claim", claim.id),
            fields: &["status", "decisionNote"],
            target: &Target::person(claim.person_id, Some(claim.local_authority_id)),
        },
        Done {
            plan_id: None,
            record_id: Some(claim.id),
            version: None,
        },
    )
    .await
}
