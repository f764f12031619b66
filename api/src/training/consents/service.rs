//! A carer grants or revokes an app's consent to book for them.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store::{self, ConsentRow};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    clients,
    error::{AppError, AppResult},
    policy::{self, Action, Target},
    start_change,
};

#[derive(Debug, Serialize)]
pub(in crate::training) struct ConsentInput {
    pub client: Uuid,
}

/// What a consent change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Done {
    pub consent_id: Uuid,
    pub client_id: Uuid,
}

/// The viewer books training for themselves (else FORBIDDEN), and the
/// client exists and is not revoked (else NOT_FOUND).
async fn checked(tx: &Change<'_>, client: Uuid) -> AppResult<Target> {
    let target = Target::person(tx.actor.person_id, None);
    if !policy::allows(tx.call.viewer, Action::BookTraining, &target) {
        return Err(AppError::Forbidden);
    }
    match clients::store::client(&tx.txn, client).await? {
        Some(row) if row.revoked_at.is_none() => Ok(target),
        _ => Err(AppError::NotFound {
            entity: "ApiClient",
        }),
    }
}

/// The carer lets the client book for them. Granting a consent that is
/// live already changes nothing (and returns it).
pub(in crate::training) async fn grant(call: &Call<'_>, input: ConsentInput) -> AppResult<Done> {
    let tx = start_change!(call, "grantTrainingBookingConsent", &input);
    let target = checked(&tx, input.client).await?;
    let me = tx.actor.person_id;
    if let Some(live) = store::live(&tx.txn, me, input.client).await? {
        return Ok(Done {
            consent_id: live.id,
            client_id: live.client_id,
        });
    }
    let row = ConsentRow {
        id: Uuid::now_v7(),
        person_id: me,
        client_id: input.client,
        granted_at: Utc::now(),
        revoked_at: None,
    };
    store::insert(&tx.txn, &row).await?;
    commit(*tx, AuditAction::TrainingConsentGrant, &target, &row).await
}

/// The carer withdraws the client's consent: NOT_FOUND when none is live.
pub(in crate::training) async fn revoke(call: &Call<'_>, input: ConsentInput) -> AppResult<Done> {
    let tx = start_change!(call, "revokeTrainingBookingConsent", &input);
    let target = checked(&tx, input.client).await?;
    let row = store::live(&tx.txn, tx.actor.person_id, input.client)
        .await?
        .ok_or(AppError::NotFound {
            entity: "TrainingBookingConsent",
        })?;
    store::revoke(&tx.txn, row.id, Utc::now()).await?;
    commit(*tx, AuditAction::TrainingConsentRevoke, &target, &row).await
}

async fn commit(
    tx: Change<'_>,
    action: AuditAction,
    target: &Target,
    row: &ConsentRow,
) -> AppResult<Done> {
    tx.commit(
        Audited {
            action,
            record: ("TrainingBookingConsent", row.id),
            fields: &["clientId", "grantedAt", "revokedAt"],
            target,
        },
        Done {
            consent_id: row.id,
            client_id: row.client_id,
        },
    )
    .await
}
