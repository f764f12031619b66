//! A person's own account: changing their sign-in address (confirmed by a
//! code sent to the new address, with a notice to the old one), and ending
//! their own sessions.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    mail, store,
    tokens::{self, NewToken},
};
use crate::{
    audit::AuditAction,
    auth::{constant_time_eq, tokens::TokenService},
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::{model::Email, onboarding::store as onboarding, sessions, store as identity},
    jobs,
    policy::{self, Action, Target},
    start_change,
};

/// How long an email-change code works.
pub const CODE_TTL: Duration = Duration::minutes(30);
pub const MAX_ATTEMPTS: i32 = 5;
/// `account_tokens.purpose` of email-change codes.
pub const PURPOSE: &str = "email_change";

/// The keyed hash stored for an email-change code.
pub fn code_hash(tokens: &TokenService, account_id: Uuid, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tokens.derived_secret("email-change-code"));
    hasher.update(account_id.as_bytes());
    hasher.update(code.trim().as_bytes());
    format!("{:x}", hasher.finalize())
}

pub fn new_code() -> String {
    format!("{:06}", rand::random_range(0..1_000_000u32))
}

/// The viewer manages their own account; the target is their person.
async fn own(tx: &Change<'_>) -> AppResult<Target> {
    let person = tx.actor.person_id;
    let authority = identity::person(&tx.txn, person)
        .await?
        .and_then(|p| p.local_authority_id);
    let target = Target::person(person, authority);
    policy::authorize(tx.call.viewer, Action::ManageOwnAccount, &target)?;
    Ok(target)
}

#[derive(Debug, Serialize)]
pub struct EmailChangeRequest {
    pub new_email: String,
}

/// What asking for an email change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Requested {
    pub expires_at: DateTime<Utc>,
}

/// Asks to move the account to `new_email`: a code goes to the new
/// address (made by its email job) and a notice to the current one.
pub async fn request_email_change(
    call: &Call<'_>,
    input: EmailChangeRequest,
) -> AppResult<Requested> {
    let tx = start_change!(call, "requestEmailChange", &input);
    let target = own(&tx).await?;
    let new_email = Email::parse("newEmail", &input.new_email)?;
    let account = identity::account(&tx.txn, tx.actor.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if account.email == new_email.as_str() {
        return Err(AppError::bad_input(
            "newEmail",
            "is already your email address",
        ));
    }
    if onboarding::email_taken(&tx.txn, &new_email).await? {
        return Err(AppError::conflict(
            "Another account already uses that email address.",
        ));
    }
    let now = Utc::now();
    let expires_at = now + CODE_TTL;
    let token_id = tokens::issue(
        &tx.txn,
        NewToken {
            account_id: account.id,
            purpose: PURPOSE,
            token_hash: tokens::PENDING,
            new_email: Some(new_email.as_str()),
            created_by: Some(account.id),
            now,
            expires_at,
        },
    )
    .await?;
    for kind in [mail::EMAIL_CHANGE_NOTICE, mail::EMAIL_CHANGE_CODE] {
        jobs::enqueue(
            &tx.txn,
            jobs::NewJob::new(kind, mail::EmailChangeJob { token_id })?
                .max_attempts(5)
                .timeout(std::time::Duration::from_secs(30)),
        )
        .await?;
    }
    tx.commit(
        Audited {
            action: AuditAction::EmailChangeRequest,
            record: ("Account", account.id),
            fields: &["newEmail"],
            target: &target,
        },
        Requested { expires_at },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct EmailChangeConfirmation {
    pub code: String,
}

/// The account's address after a confirmed change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Changed {
    pub email: String,
}

/// Confirms the change with the code from the new address. A wrong,
/// expired, used or exhausted code (5 tries): BAD_USER_INPUT on `code`,
/// the try counted. The address taken meanwhile: CONFLICT.
pub async fn confirm_email_change(
    call: &Call<'_>,
    tokens_: &TokenService,
    input: EmailChangeConfirmation,
) -> AppResult<Changed> {
    let tx = start_change!(call, "confirmEmailChange", &input);
    let target = own(&tx).await?;
    let account_id = tx.actor.account_id;
    let now = Utc::now();
    let token = tokens::outstanding(&tx.txn, account_id, PURPOSE).await?;
    let right = token.as_ref().is_some_and(|t| {
        t.attempts < MAX_ATTEMPTS
            && t.expires_at > now
            && constant_time_eq(
                t.token_hash.as_bytes(),
                code_hash(tokens_, account_id, &input.code).as_bytes(),
            )
    });
    let (Some(token), true) = (token.clone(), right) else {
        if let Some(t) = &token {
            tokens::record_failure(&tx.txn, t, MAX_ATTEMPTS, now).await?;
        }
        let Change { txn, .. } = *tx;
        txn.commit().await?;
        return Err(AppError::bad_input(
            "code",
            "is wrong, used or out of date: ask for a new one",
        ));
    };
    let new_email = Email::parse("newEmail", token.new_email.as_deref().unwrap_or_default())?;
    if !tokens::use_token(&tx.txn, token.id, now).await? {
        return Err(AppError::bad_input(
            "code",
            "is wrong, used or out of date: ask for a new one",
        ));
    }
    if onboarding::email_taken(&tx.txn, &new_email).await? {
        // The code is used up: the address cannot be had.
        let Change { txn, .. } = *tx;
        txn.commit().await?;
        return Err(AppError::conflict(
            "Another account started using that email address. Ask to change to a different one.",
        ));
    }
    store::set_email(&tx.txn, account_id, &new_email, now).await?;
    tx.commit(
        Audited {
            action: AuditAction::EmailChange,
            record: ("Account", account_id),
            fields: &["email"],
            target: &target,
        },
        Changed {
            email: new_email.as_str().to_string(),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct EndSession {
    pub session: Uuid,
}

/// Ends one of the viewer's own live sessions (this one included) and
/// closes its sockets; anyone else's, or one already ended: NOT_FOUND.
pub async fn end_my_session(call: &Call<'_>, input: EndSession) -> AppResult<Uuid> {
    let tx = start_change!(call, "endMySession", &input);
    let target = own(&tx).await?;
    let account_id = tx.actor.account_id;
    let now = Utc::now();
    let live = store::live_sessions(&tx.txn, account_id, now).await?;
    if !live.iter().any(|s| s.id == input.session) {
        return Err(AppError::NotFound { entity: "Session" });
    }
    sessions::end_session(&tx.txn, account_id, input.session, now).await?;
    tx.commit(
        Audited {
            action: AuditAction::SessionEnd,
            record: ("Session", input.session),
            fields: &[],
            target: &target,
        },
        input.session,
    )
    .await
}
