//! The changes a signed-in person makes to their own second factor (set
//! one up, new recovery codes, remove it), an organisation administrator's
//! reset of a member's, and the organisation's requirement. A code a
//! signed-in person gets wrong is BAD_USER_INPUT (`input.code`); five in a
//! row refuse these changes for 15 minutes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model,
    store::{self, Factor},
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    db::entities::accounts,
    error::{AppError, AppResult},
    identity::{model::may_see_organisation, store as identity_store},
    policy::{self, Action, Target},
    secrets::SecretBox,
    start_change,
};

/// A new authenticator to add to an app, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrolment {
    /// The seed in base32, for typing in.
    pub secret: String,
    /// `otpauth://totp/Closeknit:<email>?...`, for a QR code.
    pub otpauth_uri: String,
}

/// Recovery codes in clear: returned once, never stored so.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoveryCodes(pub Vec<String>);

/// Makes a new seed for `account`, stored sealed and unconfirmed (an
/// earlier unconfirmed one is replaced). CONFLICT when a confirmed one
/// stands.
pub(super) async fn begin_enrolment(
    txn: &impl sea_orm::ConnectionTrait,
    secrets: &SecretBox,
    account: &accounts::Model,
    now: DateTime<Utc>,
) -> AppResult<Enrolment> {
    let seed = model::new_seed()?;
    let sealed = secrets.seal(&model::seal_context(account.id), &seed)?;
    let totp = model::totp(seed, &account.email)?;
    if !store::put_unconfirmed(txn, account.id, &sealed, now).await? {
        return Err(AppError::conflict(
            "A second factor is set up already. Remove it before setting up another.",
        ));
    }
    Ok(Enrolment {
        secret: totp.get_secret_base32(),
        otpauth_uri: totp.get_url(),
    })
}

/// Whether `code` is the factor's code for a step not used before; if so,
/// that step is recorded (and the factor confirmed when `confirm`).
pub(super) async fn code_matches(
    txn: &impl sea_orm::ConnectionTrait,
    secrets: &SecretBox,
    account: &accounts::Model,
    factor: &Factor,
    code: &str,
    confirm: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let seed = secrets.open(&model::seal_context(account.id), &factor.secret_ciphertext)?;
    let totp = model::totp(seed, &account.email)?;
    match model::accepted_step(&totp, code, now, factor.last_used_step) {
        Some(step) => store::use_step(txn, account.id, step, confirm, now).await,
        None => Ok(false),
    }
}

/// A new set of recovery codes for `account`, replacing any earlier set.
pub(super) async fn new_recovery_codes(
    txn: &impl sea_orm::ConnectionTrait,
    account: Uuid,
    now: DateTime<Utc>,
) -> AppResult<RecoveryCodes> {
    let codes: Vec<String> = (0..model::RECOVERY_CODES)
        .map(|_| model::new_recovery_code())
        .collect();
    store::replace_recovery_codes(txn, account, &codes, now).await?;
    Ok(RecoveryCodes(codes))
}

/// The signed-in account, if it signs in with a password (staff); anyone
/// else: FORBIDDEN.
async fn own_account(tx: &Change<'_>) -> AppResult<(accounts::Model, Target)> {
    let target = Target::person(tx.actor.person_id, None);
    if !policy::allows(tx.call.viewer, Action::ManageOwnAccount, &target) {
        return Err(AppError::Forbidden);
    }
    let account = identity_store::account(&tx.txn, tx.actor.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if account.password_hash.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok((account, target))
}

/// The account's factor: as `confirmed` asks (else NOT_FOUND, or CONFLICT
/// when it is confirmed already and should not be), and not locked by
/// wrong codes (else BAD_USER_INPUT).
fn usable(factor: Option<Factor>, confirmed: bool, now: DateTime<Utc>) -> AppResult<Factor> {
    let factor = match factor {
        Some(f) if f.confirmed_at.is_some() == confirmed => f,
        Some(_) if !confirmed => {
            return Err(AppError::conflict("Your second factor is set up already."));
        }
        _ => {
            return Err(AppError::NotFound {
                entity: "SecondFactor",
            });
        }
    };
    if factor.locked_until.is_some_and(|until| until > now) {
        return Err(AppError::bad_input(
            "input.code",
            "was wrong too many times. Try again in 15 minutes.",
        ));
    }
    Ok(factor)
}

/// Refuses a wrong code: counts it (committed) and says BAD_USER_INPUT.
async fn wrong_code(tx: Box<Change<'_>>, account: Uuid, now: DateTime<Utc>) -> AppError {
    let outcome = async move {
        store::record_wrong_code(&tx.txn, account, now).await?;
        identity_store::security_event(
            &tx.txn,
            "second_factor_code_wrong",
            Some(account),
            "",
            tx.call.request_id,
        )
        .await?;
        tx.txn.commit().await?;
        AppResult::Ok(())
    }
    .await;
    match outcome {
        Ok(()) => AppError::bad_input(
            "input.code",
            "is not the code your authenticator app shows now.",
        ),
        Err(err) => err,
    }
}

/// A signed-in member of staff starts setting up an authenticator app.
pub async fn start_enrolment(call: &Call<'_>, secrets: &SecretBox) -> AppResult<Enrolment> {
    let tx = start_change!(call, "startSecondFactorEnrolment", &());
    let (account, _) = own_account(&tx).await?;
    let enrolment = begin_enrolment(&tx.txn, secrets, &account, chrono::Utc::now()).await?;
    tx.txn.commit().await?;
    Ok(enrolment)
}

/// Confirms the authenticator with a code from it; returns the recovery
/// codes (once).
pub async fn confirm_enrolment(
    call: &Call<'_>,
    secrets: &SecretBox,
    code: &str,
) -> AppResult<RecoveryCodes> {
    let tx = start_change!(call, "confirmSecondFactorEnrolment", &());
    let now = Utc::now();
    let (account, target) = own_account(&tx).await?;
    let factor = usable(store::factor(&tx.txn, account.id).await?, false, now)?;
    if !code_matches(&tx.txn, secrets, &account, &factor, code, true, now).await? {
        return Err(wrong_code(tx, account.id, now).await);
    }
    let codes = new_recovery_codes(&tx.txn, account.id, now).await?;
    tx.commit(
        audited(AuditAction::SecondFactorEnrol, account.id, &target),
        codes,
    )
    .await
}

/// New recovery codes (the old ones stop working), given a code.
pub async fn renew_recovery_codes(
    call: &Call<'_>,
    secrets: &SecretBox,
    code: &str,
) -> AppResult<RecoveryCodes> {
    let tx = start_change!(call, "renewRecoveryCodes", &());
    let now = Utc::now();
    let (account, target) = own_account(&tx).await?;
    let factor = usable(store::factor(&tx.txn, account.id).await?, true, now)?;
    if !code_matches(&tx.txn, secrets, &account, &factor, code, false, now).await? {
        return Err(wrong_code(tx, account.id, now).await);
    }
    let codes = new_recovery_codes(&tx.txn, account.id, now).await?;
    tx.commit(
        audited(AuditAction::RecoveryCodesRenew, account.id, &target),
        codes,
    )
    .await
}

/// Removes the signed-in person's second factor, given a code. FORBIDDEN
/// while an organisation they read case records for requires one.
pub async fn remove(call: &Call<'_>, secrets: &SecretBox, code: &str) -> AppResult<bool> {
    let tx = start_change!(call, "removeSecondFactor", &());
    let now = Utc::now();
    let (account, target) = own_account(&tx).await?;
    let factor = usable(store::factor(&tx.txn, account.id).await?, true, now)?;
    if store::required_for(&tx.txn, account.id).await? {
        return Err(AppError::Forbidden);
    }
    if !code_matches(&tx.txn, secrets, &account, &factor, code, false, now).await? {
        return Err(wrong_code(tx, account.id, now).await);
    }
    store::remove(&tx.txn, account.id).await?;
    tx.commit(
        audited(AuditAction::SecondFactorRemove, account.id, &target),
        true,
    )
    .await
}

fn audited(action: AuditAction, account: Uuid, target: &Target) -> Audited<'_> {
    Audited {
        action,
        record: ("SecondFactor", account),
        fields: &[],
        target,
    }
}

#[derive(Debug, Serialize)]
pub struct ResetInput {
    pub account: Uuid,
}

/// What an administrator's reset returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ResetDone {
    pub account_id: Uuid,
    /// Whether there was a second factor to remove.
    pub removed: bool,
}

/// An organisation's administrator removes a member's second factor (and
/// recovery codes), say when their phone is lost; they set up a new one
/// at their next sign-in where it is required. NOT_FOUND unless the
/// viewer manages the staff of an organisation the member holds a role in.
pub async fn reset(call: &Call<'_>, input: ResetInput) -> AppResult<ResetDone> {
    let tx = start_change!(call, "resetSecondFactor", &input);
    let account = identity_store::account(&tx.txn, input.account)
        .await?
        .ok_or(AppError::NotFound { entity: "Account" })?;
    let organisation = store::organisations_of(&tx.txn, account.id)
        .await?
        .into_iter()
        .find(|org| {
            policy::allows(
                tx.call.viewer,
                Action::ManageStaff,
                &Target::organisation(*org),
            )
        })
        .ok_or(AppError::NotFound { entity: "Account" })?;
    let removed = store::remove(&tx.txn, account.id).await?;
    let target = Target {
        person: Some(account.person_id),
        ..Target::organisation(organisation)
    };
    tx.commit(
        audited(AuditAction::SecondFactorRemove, account.id, &target),
        ResetDone {
            account_id: account.id,
            removed,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct RequirementInput {
    pub organisation: Uuid,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct RequirementDone {
    pub organisation_id: Uuid,
    pub required: bool,
}

/// Sets whether staff of an organisation holding a role that reads case
/// records must pass a second factor at sign-in. FORBIDDEN for those who
/// may see the organisation but not configure its sign-in; NOT_FOUND for
/// anyone else.
pub async fn set_requirement(
    call: &Call<'_>,
    input: RequirementInput,
) -> AppResult<RequirementDone> {
    let tx = start_change!(call, "setOrganisationSecondFactorRequirement", &input);
    let not_found = AppError::NotFound {
        entity: "Organisation",
    };
    let Some(org) = identity_store::organisation(&tx.txn, input.organisation).await? else {
        return Err(not_found);
    };
    let target = Target::organisation(org.id);
    if !policy::allows(call.viewer, Action::ConfigureSignIn, &target) {
        return Err(if may_see_organisation(call.viewer, &org) {
            AppError::Forbidden
        } else {
            not_found
        });
    }
    store::set_requirement(&tx.txn, org.id, input.required, Utc::now()).await?;
    tx.commit(
        Audited {
            action: AuditAction::OrganisationSignInSettings,
            record: ("Organisation", org.id),
            fields: &["requiresSecondFactor"],
            target: &target,
        },
        RequirementDone {
            organisation_id: org.id,
            required: input.required,
        },
    )
    .await
}
