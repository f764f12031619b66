//! An organisation's administrators (and platform administrators) grant and
//! remove roles and disable and re-enable accounts: one function per change.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{model, store};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::{
        model::{AccountStatus, OrganisationKind, Role},
        organisations, sessions,
    },
    policy::{self, Action, Target},
    start_change,
};

#[derive(Debug, Serialize)]
pub struct RoleInput {
    pub account: Uuid,
    pub organisation: Uuid,
    pub role: Role,
}

/// What a role change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct RoleDone {
    pub account_id: Uuid,
    pub organisation_id: Uuid,
    /// Whether anything changed (granting a held role, or removing one not
    /// held, changes nothing).
    pub changed: bool,
}

/// Whether the viewer administers the platform (may grant what only
/// platform administrators grant, and manage any account).
fn platform_admin(tx: &Change<'_>) -> bool {
    policy::allows(
        tx.call.viewer,
        Action::ManageOrganisations,
        &Target::platform(),
    )
}

/// The organisation, its kind and the account's roles, once the viewer is
/// known to manage the organisation's staff (else `NOT_FOUND`: another
/// organisation's people are not the viewer's to know) and the account
/// holds a role there (else `NOT_FOUND`: new staff arrive by invitation).
async fn checked(tx: &Change<'_>, input: &RoleInput) -> AppResult<(Target, Vec<(Role, Uuid)>)> {
    let org = organisations::store::organisation(&tx.txn, input.organisation)
        .await?
        .ok_or(AppError::NotFound {
            entity: "Organisation",
        })?;
    let target = Target {
        local_authority: org.local_authority_id,
        ..Target::organisation(org.id)
    };
    tx.authorise(
        &target,
        &[Action::ManageStaff],
        Action::ManageStaff,
        "Organisation",
    )?;
    let grants = store::grants(&tx.txn, input.account).await?;
    if !grants.iter().any(|(_, o)| *o == org.id) {
        return Err(AppError::NotFound { entity: "Account" });
    }
    let held: Vec<Role> = grants.iter().map(|(r, _)| *r).collect();
    model::may_change_role(
        OrganisationKind::parse(&org.kind)?,
        input.role,
        &held,
        platform_admin(tx),
    )?;
    Ok((target, grants))
}

/// Grants a role in the organisation (holding it already: nothing changes).
pub async fn grant(call: &Call<'_>, input: RoleInput) -> AppResult<RoleDone> {
    let tx = start_change!(call, "grantRole", &input);
    let (target, _) = checked(&tx, &input).await?;
    let changed = crate::identity::store::grant_role(
        &tx.txn,
        input.account,
        input.organisation,
        input.role,
        Utc::now(),
    )
    .await?;
    if !changed {
        return Ok(unchanged(&input));
    }
    commit_role(*tx, AuditAction::RoleGrant, &target, &input).await
}

/// Removes a role in the organisation (not held: nothing changes). Nobody
/// removes their own administration of the organisation or the platform
/// (`FORBIDDEN`: ask another administrator).
pub async fn remove(call: &Call<'_>, input: RoleInput) -> AppResult<RoleDone> {
    let tx = start_change!(call, "removeRole", &input);
    let (target, _) = checked(&tx, &input).await?;
    if input.account == tx.actor.account_id && input.role.granted_by_platform_only() {
        return Err(AppError::Forbidden);
    }
    if !store::remove(&tx.txn, input.account, input.organisation, input.role).await? {
        return Ok(unchanged(&input));
    }
    commit_role(*tx, AuditAction::RoleRemove, &target, &input).await
}

/// Nothing to change: nothing written, nothing audited.
fn unchanged(input: &RoleInput) -> RoleDone {
    RoleDone {
        account_id: input.account,
        organisation_id: input.organisation,
        changed: false,
    }
}

async fn commit_role(
    tx: Change<'_>,
    action: AuditAction,
    target: &Target,
    input: &RoleInput,
) -> AppResult<RoleDone> {
    let person = crate::identity::store::account(&tx.txn, input.account)
        .await?
        .map(|a| a.person_id);
    let target = Target { person, ..*target };
    tx.commit(
        Audited {
            action,
            record: ("Account", input.account),
            fields: &["roles"],
            target: &target,
        },
        RoleDone {
            account_id: input.account,
            organisation_id: input.organisation,
            changed: true,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct DisableInput {
    pub account: Uuid,
    pub reason: String,
}

/// What disabling or enabling returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct AccountDone {
    pub account_id: Uuid,
}

/// The account, once the viewer may manage it: an administrator of the one
/// organisation all its roles are held in, or a platform administrator.
/// Someone who administers one of its organisations (but not all) is told
/// `FORBIDDEN`; anyone else `NOT_FOUND`. Never one's own account.
async fn manageable(
    tx: &Change<'_>,
    account: Uuid,
) -> AppResult<(crate::db::entities::accounts::Model, Target)> {
    let row = crate::identity::store::account(&tx.txn, account)
        .await?
        .ok_or(AppError::NotFound { entity: "Account" })?;
    let grants = store::grants(&tx.txn, account).await?;
    let manages = |org: Uuid| {
        policy::allows(
            tx.call.viewer,
            Action::ManageStaff,
            &Target::organisation(org),
        )
    };
    let sole = model::sole_organisation(&grants);
    let allowed = platform_admin(tx) || sole.is_some_and(manages);
    if !allowed {
        return Err(if grants.iter().any(|(_, org)| manages(*org)) {
            AppError::Forbidden
        } else {
            AppError::NotFound { entity: "Account" }
        });
    }
    if account == tx.actor.account_id {
        return Err(AppError::Forbidden);
    }
    let person = crate::identity::store::person(&tx.txn, row.person_id).await?;
    let target = Target {
        person: Some(row.person_id),
        local_authority: person.and_then(|p| p.local_authority_id),
        organisation: sole,
        ..Target::default()
    };
    Ok((row, target))
}

/// Disables an account: it can no longer sign in, and every session ends
/// in the same transaction (its access tokens stop on the next request,
/// its refresh tokens are refused, its sockets close with 4401). Disabled
/// already: nothing changes.
pub async fn disable(call: &Call<'_>, input: DisableInput) -> AppResult<AccountDone> {
    let tx = start_change!(call, "disableAccount", &input);
    let reason = model::reason(&input.reason)?;
    let (account, target) = manageable(&tx, input.account).await?;
    let done = AccountDone {
        account_id: account.id,
    };
    if account.status == AccountStatus::Disabled.as_str() {
        return Ok(done);
    }
    let now = Utc::now();
    store::disable(&tx.txn, account.id, now).await?;
    sessions::end_all_sessions(&tx.txn, account.id, now).await?;
    store::disabled_event(&tx.txn, account.id, &reason, tx.call.request_id).await?;
    tx.commit(
        Audited {
            action: AuditAction::AccountDisable,
            record: ("Account", account.id),
            fields: &["status", "disabledAt", "reason"],
            target: &target,
        },
        done,
    )
    .await
}

/// Re-enables a disabled account (active already: nothing changes; one
/// not yet activated: `CONFLICT`, its holder activates it).
pub async fn enable(call: &Call<'_>, account: Uuid) -> AppResult<AccountDone> {
    let tx = start_change!(call, "enableAccount", &account);
    let (account, target) = manageable(&tx, account).await?;
    let done = AccountDone {
        account_id: account.id,
    };
    match AccountStatus::parse(&account.status)? {
        AccountStatus::Active => return Ok(done),
        AccountStatus::Pending => {
            return Err(AppError::conflict(
                "this account has not been activated yet: its holder activates it",
            ));
        }
        AccountStatus::Disabled => {}
    }
    store::enable(&tx.txn, account.id, Utc::now()).await?;
    tx.commit(
        Audited {
            action: AuditAction::AccountEnable,
            record: ("Account", account.id),
            fields: &["status", "disabledAt"],
            target: &target,
        },
        done,
    )
    .await
}
