//! Password reset and change.

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{email::ResetEmailJob, links, policy, store};
use crate::{
    audit::{self, AuditAction, AuditEntry},
    auth::tokens::TokenService,
    db::{begin_write, entities::accounts},
    error::{AppError, AppResult},
    identity::{
        account::tokens::{self, NewToken},
        model::{AccountStatus, Email, SignInMethod},
        password, sessions, store as identity,
    },
    jobs,
};

/// How long a reset link works. OWASP's Forgot Password Cheat Sheet asks
/// for short-lived reset tokens: a link sitting in a mailbox is a way into
/// the account for anyone who reads that mailbox later, and an hour is
/// enough to act on an email one has just asked for.
pub const RESET_TTL: Duration = Duration::hours(1);

/// What a used, expired or unknown reset link is told.
pub const RESET_LINK_USED: &str =
    "This password reset link has expired or has already been used: ask for a new one";

/// Whether an account signs in with a password (staff) and may now.
fn active_with_password(account: &accounts::Model) -> bool {
    account.status == AccountStatus::Active.as_str() && account.password_hash.is_some()
}

/// Emails a reset link if `email` is an active staff account with a
/// password. The caller tells everyone the same thing.
pub async fn request_reset(
    db: &DatabaseConnection,
    email: &str,
    request_id: &str,
) -> AppResult<()> {
    let email = Email::parse("email", email)?;
    let account = identity::account_by_email(db, &email).await?;
    let Some(account) = account.filter(active_with_password) else {
        identity::security_event(
            db,
            "password_reset_refused",
            None,
            "no active account with a password",
            request_id,
        )
        .await?;
        return Ok(());
    };
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // Only the latest link works (issuing retires the earlier ones). The
    // token is made when the email is sent (see `email`): until then the
    // row holds a placeholder and the job only this row's id.
    let id = tokens::issue(
        &txn,
        NewToken {
            account_id: account.id,
            purpose: store::PURPOSE,
            token_hash: &links::placeholder(),
            new_email: None,
            created_by: None,
            now,
            expires_at: now + RESET_TTL,
        },
    )
    .await?;
    jobs::enqueue(
        &txn,
        jobs::NewJob::new(
            super::email::PASSWORD_RESET_EMAIL,
            ResetEmailJob { token_id: id },
        )?
        .max_attempts(5)
        .timeout(std::time::Duration::from_secs(30)),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "Account",
            record_id: Some(account.id),
            subject_person: Some(account.person_id),
            ..AuditEntry::new(AuditAction::PasswordResetRequest, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The words a guesser would try first for this account's password.
pub async fn guessable_words(
    db: &impl ConnectionTrait,
    account: &accounts::Model,
) -> AppResult<Vec<String>> {
    let mut words = vec![account.email.clone()];
    if let Some(person) = identity::person(db, account.person_id).await? {
        words.push(person.given_name);
        words.push(person.family_name);
    }
    words.extend(store::organisation_names(db, account.id).await?);
    Ok(words)
}

/// Checks `new_password` against the policy and hashes it (off the async
/// threads: Argon2 is deliberately slow).
pub async fn checked_hash(
    field: &str,
    new_password: String,
    words: &[String],
) -> AppResult<String> {
    let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
    policy::check(field, &new_password, &inputs)?;
    tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(AppError::internal)?
}

/// Sets a new password with a reset link. Ends every session of the
/// account, clears failed sign-ins and any lock. Does not sign in: the
/// person signs in with the new password (and any second factor).
pub async fn reset(
    db: &DatabaseConnection,
    token: &str,
    new_password: String,
    request_id: &str,
) -> AppResult<()> {
    let used = || AppError::bad_input("token", RESET_LINK_USED);
    let token_hash = links::hash(token);
    let row = store::usable_by_hash(db, &token_hash, Utc::now())
        .await?
        .ok_or_else(used)?;
    let account = identity::account(db, row.account_id)
        .await?
        .filter(active_with_password)
        .ok_or_else(used)?;
    let words = guessable_words(db, &account).await?;
    let hashed = checked_hash("newPassword", new_password, &words).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // Single use, and only while it still works: a second request with the
    // same link, or one that arrives after it expired, changes nothing.
    if row.expires_at <= now || !tokens::use_token(&txn, row.id, now).await? {
        return Err(used());
    }
    store::set_password(&txn, account.id, &hashed, now).await?;
    tokens::retire(&txn, account.id, store::PURPOSE, now).await?;
    sessions::end_all_sessions(&txn, account.id, now).await?;
    identity::security_event(
        &txn,
        "password_reset",
        Some(account.id),
        "every session ended",
        request_id,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "Account",
            record_id: Some(account.id),
            fields: &["password"],
            subject_person: Some(account.person_id),
            ..AuditEntry::new(AuditAction::PasswordReset, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A signed-in staff member changes their password: the current one must
/// be right (a wrong one counts as a failed sign-in). Every session ends,
/// and a fresh one is returned.
pub async fn change(
    db: &DatabaseConnection,
    tokens: &TokenService,
    account_id: Uuid,
    current_password: String,
    new_password: String,
    request_id: &str,
) -> AppResult<sessions::Session> {
    let account = identity::account(db, account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !active_with_password(&account) {
        // Young people and carers sign in with emailed codes.
        return Err(AppError::Forbidden);
    }
    let stored = account.password_hash.clone();
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&current_password, stored.as_deref()))
            .await
            .map_err(AppError::internal)?;
    let now = Utc::now();
    if !matches {
        let txn = begin_write(db).await?;
        if identity::record_failed_sign_in(&txn, account.id, now).await? {
            identity::security_event(
                &txn,
                "account_locked",
                Some(account.id),
                "too many wrong passwords",
                request_id,
            )
            .await?;
        }
        identity::security_event(
            &txn,
            "password_change_failed",
            Some(account.id),
            "wrong current password",
            request_id,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::bad_input(
            "currentPassword",
            "is not your current password",
        ));
    }
    let words = guessable_words(db, &account).await?;
    let hashed = checked_hash("newPassword", new_password, &words).await?;
    let txn = begin_write(db).await?;
    store::set_password(&txn, account.id, &hashed, now).await?;
    tokens::retire(&txn, account.id, store::PURPOSE, now).await?;
    sessions::end_all_sessions(&txn, account.id, now).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "Account",
            record_id: Some(account.id),
            fields: &["password"],
            subject_person: Some(account.person_id),
            ..AuditEntry::new(AuditAction::PasswordChange, request_id)
        },
    )
    .await?;
    let session = sessions::start(
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
