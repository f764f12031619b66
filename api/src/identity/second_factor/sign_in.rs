//! The step between a right password and a session, for accounts with a
//! second factor (or required to have one): a single-use challenge (5
//! minutes, stored hashed), then a code from the authenticator app or a
//! recovery code (`complete`), or, when the organisation requires a factor
//! the account has not set up, enrolment with the challenge in place of a
//! session (`start_enrolment` / `confirm_enrolment`, which signs in).
//!
//! Every refusal is the same UNAUTHENTICATED (the reason goes to the
//! security events). A wrong code counts towards the account's lockout as
//! a wrong password does (five in a row lock it for 15 minutes), and five
//! wrong codes use a challenge up.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{
    model::{self, Purpose},
    service::{self, Enrolment, RecoveryCodes},
    store::{self, Challenge},
};
use crate::{
    audit::{self, AuditAction, AuditEntry},
    auth::tokens::TokenService,
    db::{begin_write, entities::accounts},
    error::{AppError, AppResult},
    identity::{
        model::{AccountStatus, SignInMethod},
        sessions::{self, Session},
        store as identity_store,
    },
    secrets::SecretBox,
};

/// What finishes a sign-in after the password.
#[derive(Debug)]
pub enum Proof {
    /// A code from the authenticator app.
    Code(String),
    /// One of the account's recovery codes.
    RecoveryCode(String),
}

/// After a right password (inside the sign-in's transaction): the refusal
/// carrying a new challenge when the account has a confirmed second factor
/// (`SECOND_FACTOR_REQUIRED`) or must set one up first
/// (`SECOND_FACTOR_ENROLMENT_REQUIRED`); `None` when the password is enough.
pub async fn challenge_if_needed(
    txn: &impl ConnectionTrait,
    account: &accounts::Model,
    now: DateTime<Utc>,
    request_id: &str,
) -> AppResult<Option<AppError>> {
    let confirmed = store::factor(txn, account.id)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some());
    let purpose = if confirmed {
        Purpose::SecondFactor
    } else if store::required_for(txn, account.id).await? {
        Purpose::Enrol
    } else {
        return Ok(None);
    };
    let (challenge, hash) = model::new_challenge();
    let expires_at = store::insert_challenge(txn, account.id, &hash, purpose, now).await?;
    identity_store::security_event(
        txn,
        "second_factor_challenge",
        Some(account.id),
        purpose.as_str(),
        request_id,
    )
    .await?;
    Ok(Some(AppError::SecondFactor {
        enrol: purpose == Purpose::Enrol,
        challenge,
        expires_at,
    }))
}

/// The live challenge `token` names for `purpose`, with its account (active
/// and not locked); else the reason it is refused.
async fn live(
    txn: &impl ConnectionTrait,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> AppResult<Result<(Challenge, accounts::Model), &'static str>> {
    let Some(challenge) = store::challenge_by_hash(txn, &model::challenge_hash(token)).await?
    else {
        return Ok(Err("unknown challenge"));
    };
    if challenge.purpose != purpose.as_str() {
        return Ok(Err("challenge for another step"));
    }
    if challenge.used_at.is_some() {
        return Ok(Err("challenge used"));
    }
    if challenge.expires_at <= now {
        return Ok(Err("challenge expired"));
    }
    let Some(account) = identity_store::account(txn, challenge.account_id).await? else {
        return Ok(Err("unknown account"));
    };
    if account.status != AccountStatus::Active.as_str() {
        return Ok(Err("account disabled"));
    }
    if account.locked_until.is_some_and(|until| until > now) {
        return Ok(Err("account locked"));
    }
    Ok(Ok((challenge, account)))
}

/// Records a refused step and commits the record; UNAUTHENTICATED.
async fn refuse(
    txn: sea_orm::DatabaseTransaction,
    account: Option<uuid::Uuid>,
    reason: &str,
    request_id: &str,
) -> AppResult<AppError> {
    identity_store::security_event(&txn, "sign_in_failed", account, reason, request_id).await?;
    txn.commit().await?;
    Ok(AppError::Unauthenticated)
}

/// A wrong code against `challenge`: counted on the challenge and towards
/// the account's lockout, then refused.
async fn wrong_code(
    txn: sea_orm::DatabaseTransaction,
    challenge: &Challenge,
    reason: &str,
    now: DateTime<Utc>,
    request_id: &str,
) -> AppResult<AppError> {
    store::challenge_wrong_code(&txn, challenge.id, now).await?;
    let account = challenge.account_id;
    if identity_store::record_failed_sign_in(&txn, account, now).await? {
        identity_store::security_event(
            &txn,
            "account_locked",
            Some(account),
            "too many failed sign-ins",
            request_id,
        )
        .await?;
    }
    refuse(txn, Some(account), reason, request_id).await
}

/// Finishes a sign-in with a code or a recovery code.
pub async fn complete(
    db: &DatabaseConnection,
    tokens: &TokenService,
    secrets: &SecretBox,
    token: &str,
    proof: Proof,
    request_id: &str,
) -> AppResult<Session> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let (challenge, account) = match live(&txn, token, Purpose::SecondFactor, now).await? {
        Ok(found) => found,
        Err(reason) => return Err(refuse(txn, None, reason, request_id).await?),
    };
    let factor = store::factor(&txn, account.id)
        .await?
        .filter(|f| f.confirmed_at.is_some());
    let (passed, method) = match (&proof, factor) {
        (_, None) => (false, SignInMethod::PasswordAndTotp),
        (Proof::Code(code), Some(factor)) => (
            service::code_matches(&txn, secrets, &account, &factor, code, false, now).await?,
            SignInMethod::PasswordAndTotp,
        ),
        (Proof::RecoveryCode(code), Some(_)) => (
            store::use_recovery_code(&txn, account.id, code, now).await?,
            SignInMethod::PasswordAndRecoveryCode,
        ),
    };
    if !passed {
        let reason = match proof {
            Proof::Code(_) => "wrong or reused second factor code",
            Proof::RecoveryCode(_) => "wrong or used recovery code",
        };
        return Err(wrong_code(txn, &challenge, reason, now, request_id).await?);
    }
    if !store::use_challenge(&txn, challenge.id, now).await? {
        return Err(AppError::Unauthenticated);
    }
    if method == SignInMethod::PasswordAndRecoveryCode {
        audit_own(&txn, &account, AuditAction::RecoveryCodeUse, request_id).await?;
    }
    let session = sessions::start(&txn, tokens, &account, now, request_id, method).await?;
    txn.commit().await?;
    Ok(session)
}

/// Starts setting up an authenticator with an enrolment challenge.
pub async fn start_enrolment(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    token: &str,
    request_id: &str,
) -> AppResult<Enrolment> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let account = match live(&txn, token, Purpose::Enrol, now).await? {
        Ok((_, account)) => account,
        Err(reason) => return Err(refuse(txn, None, reason, request_id).await?),
    };
    let enrolment = service::begin_enrolment(&txn, secrets, &account, now).await?;
    txn.commit().await?;
    Ok(enrolment)
}

/// Confirms the authenticator with a code and an enrolment challenge:
/// returns the recovery codes (once) and a session.
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    tokens: &TokenService,
    secrets: &SecretBox,
    token: &str,
    code: &str,
    request_id: &str,
) -> AppResult<(RecoveryCodes, Session)> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let (challenge, account) = match live(&txn, token, Purpose::Enrol, now).await? {
        Ok(found) => found,
        Err(reason) => return Err(refuse(txn, None, reason, request_id).await?),
    };
    let factor = store::factor(&txn, account.id)
        .await?
        .filter(|f| f.confirmed_at.is_none());
    let passed = match factor {
        Some(factor) => {
            service::code_matches(&txn, secrets, &account, &factor, code, true, now).await?
        }
        None => false,
    };
    if !passed {
        let reason = "wrong code confirming a second factor";
        return Err(wrong_code(txn, &challenge, reason, now, request_id).await?);
    }
    if !store::use_challenge(&txn, challenge.id, now).await? {
        return Err(AppError::Unauthenticated);
    }
    let codes = service::new_recovery_codes(&txn, account.id, now).await?;
    audit_own(&txn, &account, AuditAction::SecondFactorEnrol, request_id).await?;
    let method = SignInMethod::PasswordAndTotp;
    let session = sessions::start(&txn, tokens, &account, now, request_id, method).await?;
    txn.commit().await?;
    Ok((codes, session))
}

/// Audits a step the account took on its own second factor while signing in.
async fn audit_own(
    txn: &impl ConnectionTrait,
    account: &accounts::Model,
    action: AuditAction,
    request_id: &str,
) -> AppResult<()> {
    audit::record(
        txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "SecondFactor",
            record_id: Some(account.id),
            subject_person: Some(account.person_id),
            ..AuditEntry::new(action, request_id)
        },
    )
    .await
}
