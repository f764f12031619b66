//! Signing in and sessions. A session is a refresh-token family: each
//! refresh rotates the token; presenting a token that was already used
//! revokes the whole family (someone holds a copy) and records a security
//! event. Access tokens name their session (`sid`), and a revoked session or
//! disabled account stops them at once, not only when they expire.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{model::Email, password, store};
use crate::audit::AuditAction;
use crate::identity::model::{AccountStatus, SignInMethod};
use crate::{
    audit::{self, AuditEntry},
    auth::tokens::{SubjectKind, TokenService},
    db::{begin_write, entities::accounts},
    error::{AppError, AppResult},
    notifications::live::{self, SessionEnded},
};

/// How long a refresh token (and so an idle session) lives.
pub const REFRESH_TTL: Duration = Duration::days(30);

/// What a successful sign-in or refresh hands back.
#[derive(Debug, Clone)]
pub struct Session {
    pub account_id: Uuid,
    pub session_id: Uuid,
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

async fn open_session(
    txn: &impl sea_orm::ConnectionTrait,
    tokens: &TokenService,
    account_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Session> {
    let (refresh_token, hash) = new_refresh_token();
    let refresh_expires_at = now + REFRESH_TTL;
    store::insert_refresh_token(txn, family_id, account_id, &hash, now, refresh_expires_at).await?;
    let access_token = tokens.issue_at(
        SubjectKind::Account,
        &account_id.to_string(),
        Some(&family_id.to_string()),
        None,
        now.timestamp(),
    )?;
    Ok(Session {
        account_id,
        session_id: family_id,
        access_token,
        access_expires_at: now + Duration::seconds(tokens.ttl_secs()),
        refresh_token,
        refresh_expires_at,
    })
}

/// Staff sign-in. Every failure (unknown email, wrong password, disabled or
/// locked account) is the same `UNAUTHENTICATED`, after the same password
/// work; the reason goes to the security events. A right password for an
/// account with a second factor, or required to have one, is
/// `SECOND_FACTOR_REQUIRED` / `SECOND_FACTOR_ENROLMENT_REQUIRED` carrying a
/// challenge (see [`super::second_factor::sign_in`]).
pub async fn sign_in_with_password(
    db: &DatabaseConnection,
    tokens: &TokenService,
    email: &str,
    password_attempt: String,
    request_id: &str,
) -> AppResult<Session> {
    let email = Email::parse("email", email)?;
    let account = store::account_by_email(db, &email).await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&password_attempt, stored.as_deref()))
            .await
            .map_err(AppError::internal)?;

    let now = Utc::now();
    let txn = begin_write(db).await?;
    let refusal = match &account {
        None => Some("unknown email"),
        Some(a) if a.status != AccountStatus::Active.as_str() => Some("account disabled"),
        Some(a) if a.locked_until.is_some_and(|until| until > now) => Some("account locked"),
        Some(_) if !matches => Some("wrong password"),
        Some(_) => None,
    };
    if let Some(reason) = refusal {
        let account_id = account.as_ref().map(|a| a.id);
        if let (Some(id), "wrong password") = (account_id, reason)
            && store::record_failed_sign_in(&txn, id, now).await?
        {
            store::security_event(
                &txn,
                "account_locked",
                Some(id),
                "too many failed sign-ins",
                request_id,
            )
            .await?;
        }
        store::security_event(&txn, "sign_in_failed", account_id, reason, request_id).await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    let account = account.ok_or(AppError::Unauthenticated)?;
    // A right password is not yet a sign-in for an account with a second
    // factor (or required to have one): the failure count stands until the
    // factor is passed too, so wrong codes lock the account as wrong
    // passwords do.
    if let Some(step) =
        super::second_factor::sign_in::challenge_if_needed(&txn, &account, now, request_id).await?
    {
        txn.commit().await?;
        return Err(step);
    }
    let session = start(
        &txn,
        tokens,
        &account,
        now,
        request_id,
        SignInMethod::Password,
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Starts a new session for an account that has just proved who it is:
/// resets failure counters, opens a refresh-token family, records the
/// sign-in (with how it was made) in the sign-in history, audits.
pub async fn start(
    txn: &impl sea_orm::ConnectionTrait,
    tokens: &TokenService,
    account: &accounts::Model,
    now: DateTime<Utc>,
    request_id: &str,
    method: SignInMethod,
) -> AppResult<Session> {
    store::record_sign_in(txn, account.id, now).await?;
    store::signed_in_event(txn, account.id, method, request_id).await?;
    let session = open_session(txn, tokens, account.id, Uuid::now_v7(), now).await?;
    super::account::store::mark_sign_in_method(txn, session.session_id, method).await?;
    // Sign-ins appear in the person's authority's trail (staff and young
    // people alike) and in the person's own activity log.
    let authority = store::person(txn, account.person_id)
        .await?
        .and_then(|p| p.local_authority_id);
    audit::record(
        txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "Session",
            record_id: Some(session.session_id),
            subject_person: Some(account.person_id),
            local_authority: authority,
            ..AuditEntry::new(AuditAction::SessionCreate, request_id)
        },
    )
    .await?;
    Ok(session)
}

/// Rotates a refresh token. Reuse of an already-rotated token revokes the
/// whole family and is recorded as a security event.
pub async fn refresh(
    db: &DatabaseConnection,
    tokens: &TokenService,
    refresh_token: &str,
    request_id: &str,
) -> AppResult<Session> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let Some(row) = store::refresh_token_by_hash(&txn, &hash_token(refresh_token)).await? else {
        return Err(AppError::Unauthenticated);
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    if row.used_at.is_some() || !store::use_refresh_token(&txn, row.id, now).await? {
        end_session(&txn, row.account_id, row.family_id, now).await?;
        store::security_event(
            &txn,
            "refresh_token_reuse",
            Some(row.account_id),
            "a rotated refresh token was presented again; the session was revoked",
            request_id,
        )
        .await?;
        if let Some(account) = store::account(&txn, row.account_id).await? {
            crate::notifications::service::notify(
                &txn,
                crate::notifications::service::NewNotification {
                    person_id: account.person_id,
                    kind: crate::notifications::model::Kind::Security,
                    title: "We signed you out to keep your account safe",
                    body: "An old sign-in for your account was used again, which can mean \
                           someone else has a copy of it. We have signed that device out. \
                           Sign in again on your own phone. If this keeps happening, tell \
                           your key worker or personal adviser.",
                    subject: None,
                    collapse_key: None,
                },
            )
            .await?;
        }
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    let active = store::account(&txn, row.account_id)
        .await?
        .is_some_and(|a| a.status == AccountStatus::Active.as_str());
    if !active {
        return Err(AppError::Unauthenticated);
    }
    let session = open_session(&txn, tokens, row.account_id, row.family_id, now).await?;
    txn.commit().await?;
    Ok(session)
}

/// Ends one session inside `txn`: its refresh tokens are revoked (so its
/// access tokens stop at once) and, when `txn` commits, every instance
/// closes the subscription sockets it opened.
pub async fn end_session(
    txn: &impl sea_orm::ConnectionTrait,
    account_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    store::revoke_family(txn, session_id, now).await?;
    live::announce_session_ended(
        txn,
        SessionEnded {
            account_id,
            session_id: Some(session_id),
        },
    )
    .await
}

/// Ends every session of an account inside `txn` (logging out everywhere;
/// disabling an account must call this in the same transaction): refresh
/// tokens revoked, and on commit every instance closes the account's
/// subscription sockets (close code 4401). Returns how many were open.
pub async fn end_all_sessions(
    txn: &impl sea_orm::ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let revoked = store::revoke_all_for_account(txn, account_id, now).await?;
    live::announce_session_ended(
        txn,
        SessionEnded {
            account_id,
            session_id: None,
        },
    )
    .await?;
    Ok(revoked)
}

/// Ends one session (the one the access token belongs to).
pub async fn logout(
    db: &DatabaseConnection,
    account_id: Uuid,
    session_id: Uuid,
    request_id: &str,
) -> AppResult<()> {
    let txn = db.begin().await?;
    end_session(&txn, account_id, session_id, Utc::now()).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account_id),
            record_type: "Session",
            record_id: Some(session_id),
            ..AuditEntry::new(AuditAction::SessionEnd, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every session of an account. Returns how many were open.
pub async fn logout_everywhere(
    db: &DatabaseConnection,
    account_id: Uuid,
    request_id: &str,
) -> AppResult<u64> {
    let txn = db.begin().await?;
    let revoked = end_all_sessions(&txn, account_id, Utc::now()).await?;
    // Signed out on every device: no device should still get its pushes.
    crate::push::store::remove_all_for_account(&txn, account_id).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account_id),
            record_type: "Account",
            record_id: Some(account_id),
            ..AuditEntry::new(AuditAction::SessionEndAll, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(revoked)
}
