//! Sharing a safeguarding concern, and recording that the risk of telling
//! the young person has passed. Neither moves the request: a share makes
//! no timeline entry and no version, because the timeline is read by the
//! young person and by the request's referrer, and a share withheld from
//! the young person must leave no trace where they look. For the same
//! reason the audit entry of a withheld share names the authority but not
//! the young person (it is in the authority's trail, not in the young
//! person's activity log); the manager's "risk passed" entry names them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{self, Share},
    store::{self, ShareRow},
};
use crate::advocacy::access::{At, RequestChange};
use crate::{
    audit::AuditAction,
    change::{Audited, Call},
    error::{AppError, AppResult},
    policy::{Action, Target},
    start_change,
};

/// What a share's change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Shared {
    pub request_id: Uuid,
    pub share_id: Uuid,
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct ShareInput {
    pub request: Uuid,
    pub share: Share,
}

/// Whose record an audit entry about `share` names: the young person only
/// where they may see it.
fn audit_target(target: Target, young_person_sees: bool) -> Target {
    Target {
        person: target.person.filter(|_| young_person_sees),
        ..target
    }
}

/// The advocate assigned or a provider manager shares a concern.
pub(in crate::advocacy) async fn share(call: &Call<'_>, input: ShareInput) -> AppResult<Shared> {
    let tx = start_change!(call, "shareAdvocacySafeguardingConcern", &input);
    let at = At {
        request: input.request,
        expected_version: None,
    };
    let row = tx.request_at(&at, &[Action::WorkAdvocacy]).await?;
    let now = Utc::now();
    let share = input.share.checked(row.kind, now, row.submitted_at)?;
    let stored = ShareRow {
        id: Uuid::now_v7(),
        request_id: row.id,
        shared_by: tx.actor.person_id,
        share,
        risk_passed_at: None,
        recorded_at: now,
        updated_at: now,
    };
    store::insert(&tx.txn, &stored).await?;
    let target = audit_target(row.target(), stored.young_person_sees());
    tx.commit(
        Audited {
            action: AuditAction::AdvocacySafeguardingShare,
            record: ("AdvocacySafeguardingShare", stored.id),
            fields: &[
                "reason",
                "whatWasShared",
                "sharedWith",
                "sharedAt",
                "youngPersonTold",
                "riskReason",
            ],
            target: &target,
        },
        Shared {
            request_id: row.id,
            share_id: stored.id,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct RiskPassedInput {
    pub share: Uuid,
    pub at: Option<DateTime<Utc>>,
}

/// A provider manager records that telling the young person no longer
/// puts them at risk: from now on they see the share.
pub(in crate::advocacy) async fn risk_passed(
    call: &Call<'_>,
    input: RiskPassedInput,
) -> AppResult<Shared> {
    let tx = start_change!(call, "recordAdvocacySafeguardingRiskPassed", &input);
    let not_found = || AppError::NotFound {
        entity: "AdvocacySafeguardingShare",
    };
    let share = store::share(&tx.txn, input.share)
        .await?
        .ok_or_else(not_found)?;
    let at = At {
        request: share.request_id,
        expected_version: None,
    };
    let row = tx
        .request_at(&at, &[Action::ManageAdvocacy])
        .await
        .map_err(|err| match err {
            AppError::NotFound { .. } => not_found(),
            other => other,
        })?;
    model::check_risk_can_pass(share.withheld_for_risk(), share.risk_passed_at.is_some())?;
    let now = Utc::now();
    let when = input.at.unwrap_or(now);
    if when > now || share.share.shared_at.is_some_and(|shared| when < shared) {
        return Err(AppError::bad_input(
            "passedAt",
            "must be between the share and now",
        ));
    }
    store::risk_passed(&tx.txn, share.id, tx.actor.person_id, when).await?;
    let target = row.target();
    tx.commit(
        Audited {
            action: AuditAction::AdvocacySafeguardingRiskPassed,
            record: ("AdvocacySafeguardingShare", share.id),
            fields: &["riskPassedAt"],
            target: &target,
        },
        Shared {
            request_id: row.id,
            share_id: share.id,
        },
    )
    .await
}
