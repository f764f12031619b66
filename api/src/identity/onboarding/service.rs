//! Adding young people and kinship carers, inviting them to the app with an
//! activation code their worker reads out, and activating their account.
//!
//! The activation code is made inside the change, stored only as a keyed
//! hash, and handed back once to the worker: an idempotent replay of the
//! same change returns the record without the code (invite again for a
//! new one). The email to the person says how to get the app and that
//! their worker has a code; its job holds only the token's id.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{mail, model, store};
use crate::{
    audit::{self, AuditAction, AuditEntry},
    auth::{constant_time_eq, tokens::TokenService},
    change::{self, Audited, Call, Change, Started},
    db::begin_write,
    error::{AppError, AppResult},
    identity::{
        account::tokens::{self, NewToken},
        model::{AccountStatus, Email, Role, SignInMethod},
        sessions, store as identity,
    },
    jobs,
    policy::{self, Action, Target},
    text,
};

const NAME_MAX: usize = 100;

#[derive(Debug, Serialize)]
pub struct NewYoungPerson {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub local_authority: Uuid,
    pub email: String,
}

#[derive(Debug, Serialize)]
pub struct NewKinshipCarer {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub local_authority: Uuid,
}

/// A person added (what a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Added {
    pub person_id: Uuid,
    pub account_id: Uuid,
}

/// An activation code issued: the code only on the call that made it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issued {
    pub person_id: Uuid,
    pub account_id: Uuid,
    pub expires_at: chrono::DateTime<Utc>,
    #[serde(skip)]
    pub code: Option<String>,
}

/// The checked names and address of someone to add, and their team.
struct Checked {
    given_name: String,
    family_name: String,
    email: Email,
    team: Uuid,
}

async fn check_member(
    tx: &Change<'_>,
    given: &str,
    family: &str,
    email: &str,
    local_authority: Uuid,
) -> AppResult<Checked> {
    let given_name = text::name("givenName", given, NAME_MAX)?;
    let family_name = text::name("familyName", family, NAME_MAX)?;
    let email = Email::parse("email", email)?;
    let team = store::team_of(&tx.txn, local_authority)
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "localAuthorityId",
                "has no local authority team on Closeknit",
            )
        })?;
    if store::email_taken(&tx.txn, &email).await? {
        return Err(AppError::conflict(
            "An account already uses that email address.",
        ));
    }
    Ok(Checked {
        given_name,
        family_name,
        email,
        team,
    })
}

/// A personal adviser or LA manager adds a care leaver: a person, a
/// pending passwordless account and the young person role in the
/// authority's team.
pub async fn create_young_person(call: &Call<'_>, input: NewYoungPerson) -> AppResult<Added> {
    let tx = crate::start_change!(call, "createYoungPerson", &input);
    let authority = Target::local_authority(input.local_authority);
    policy::authorize(call.viewer, Action::ManageCareLeavers, &authority)?;
    let checked = check_member(
        &tx,
        &input.given_name,
        &input.family_name,
        &input.email,
        input.local_authority,
    )
    .await?;
    let now = Utc::now();
    model::check_care_leaver_birth(input.date_of_birth, now.date_naive())?;
    let (person_id, account_id) = store::insert_member(
        &tx.txn,
        store::NewMember {
            given_name: &checked.given_name,
            family_name: &checked.family_name,
            date_of_birth: Some(input.date_of_birth),
            local_authority_id: input.local_authority,
            email: &checked.email,
            role: Role::YoungPerson,
            organisation_id: checked.team,
            now,
        },
    )
    .await?;
    tx.commit(
        Audited {
            action: AuditAction::PersonCreate,
            record: ("YoungPerson", person_id),
            fields: &["givenName", "familyName", "dateOfBirth", "email"],
            target: &Target::person(person_id, Some(input.local_authority)),
        },
        Added {
            person_id,
            account_id,
        },
    )
    .await
}

/// Issues a fresh activation code for a pending account (ending any
/// earlier one) and queues the invitation email.
async fn issue_code(
    tx: &Change<'_>,
    tokens: &TokenService,
    account_id: Uuid,
) -> AppResult<(String, chrono::DateTime<Utc>)> {
    let now = Utc::now();
    let code = model::new_code();
    let expires_at = now + model::ACTIVATION_TTL;
    let token_id = tokens::issue(
        &tx.txn,
        NewToken {
            account_id,
            purpose: model::PURPOSE,
            token_hash: &model::code_hash(tokens, account_id, &code),
            new_email: None,
            created_by: Some(tx.actor.account_id),
            now,
            expires_at,
        },
    )
    .await?;
    jobs::enqueue(
        &tx.txn,
        jobs::NewJob::new(mail::APP_INVITE_EMAIL, mail::InviteEmailJob { token_id })?
            .max_attempts(5)
            .timeout(std::time::Duration::from_secs(30)),
    )
    .await?;
    Ok((code, expires_at))
}

#[derive(Debug, Serialize)]
pub struct Invite {
    pub young_person: Uuid,
}

/// A key worker, personal adviser or LA manager of the authority invites a
/// young person (not yet using the app) to the app.
pub async fn invite_young_person(
    call: &Call<'_>,
    tokens: &TokenService,
    input: Invite,
) -> AppResult<Issued> {
    let tx = match change::start::<Issued>(call, "inviteYoungPersonToApp", &input).await? {
        Started::Fresh(tx) => tx,
        Started::Replayed(done) => return Ok(done),
    };
    let member = store::member(&tx.txn, input.young_person, Role::YoungPerson).await?;
    let Some(member) = member else {
        return Err(AppError::NotFound {
            entity: "YoungPerson",
        });
    };
    let target = Target::person(member.person_id, member.local_authority_id);
    tx.authorise(
        &target,
        &[Action::InviteYoungPeople],
        Action::ReadYoungPerson,
        "YoungPerson",
    )?;
    if member.status != AccountStatus::Pending.as_str() {
        return Err(AppError::conflict(
            "This young person already uses the app (or their account is disabled).",
        ));
    }
    let (code, expires_at) = issue_code(&tx, tokens, member.account_id).await?;
    let done = tx
        .commit(
            Audited {
                action: AuditAction::AppInvite,
                record: ("YoungPerson", member.person_id),
                fields: &["activationCode"],
                target: &target,
            },
            Issued {
                person_id: member.person_id,
                account_id: member.account_id,
                expires_at,
                code: None,
            },
        )
        .await?;
    Ok(Issued {
        code: Some(code),
        ..done
    })
}

/// A training coordinator reaching the authority, or its LA manager, adds
/// a kinship carer with a pending account and gets their activation code.
pub async fn add_kinship_carer(
    call: &Call<'_>,
    tokens: &TokenService,
    input: NewKinshipCarer,
) -> AppResult<Issued> {
    let tx = match change::start::<Issued>(call, "addKinshipCarer", &input).await? {
        Started::Fresh(tx) => tx,
        Started::Replayed(done) => return Ok(done),
    };
    let authority = Target::local_authority(input.local_authority);
    policy::authorize(call.viewer, Action::AddKinshipCarers, &authority)?;
    let checked = check_member(
        &tx,
        &input.given_name,
        &input.family_name,
        &input.email,
        input.local_authority,
    )
    .await?;
    let (person_id, account_id) = store::insert_member(
        &tx.txn,
        store::NewMember {
            given_name: &checked.given_name,
            family_name: &checked.family_name,
            date_of_birth: None,
            local_authority_id: input.local_authority,
            email: &checked.email,
            role: Role::KinshipCarer,
            organisation_id: checked.team,
            now: Utc::now(),
        },
    )
    .await?;
    let target = Target::person(person_id, Some(input.local_authority));
    tx.audit(Audited {
        action: AuditAction::PersonCreate,
        record: ("KinshipCarer", person_id),
        fields: &["givenName", "familyName", "email"],
        target: &target,
    })
    .await?;
    let (code, expires_at) = issue_code(&tx, tokens, account_id).await?;
    let done = tx
        .commit(
            Audited {
                action: AuditAction::AppInvite,
                record: ("KinshipCarer", person_id),
                fields: &["activationCode"],
                target: &target,
            },
            Issued {
                person_id,
                account_id,
                expires_at,
                code: None,
            },
        )
        .await?;
    Ok(Issued {
        code: Some(code),
        ..done
    })
}

/// The first sign-in of a young person or carer, with the code their
/// worker gave them: activates the pending account and starts a session.
/// A wrong, expired, used or exhausted code, an unknown address or an
/// account that is not pending: the same `UNAUTHENTICATED`.
pub async fn activate(
    db: &sea_orm::DatabaseConnection,
    tokens: &Arc<TokenService>,
    email: &str,
    code: &str,
    request_id: &str,
) -> AppResult<sessions::Session> {
    let email = Email::parse("email", email)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let Some(account) = identity::account_by_email(&txn, &email).await? else {
        identity::security_event(&txn, "activation_failed", None, "unknown email", request_id)
            .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    let token = tokens::outstanding(&txn, account.id, model::PURPOSE).await?;
    let pending = account.status == AccountStatus::Pending.as_str();
    let refusal = match &token {
        _ if !pending => Some("account not pending"),
        None => Some("no outstanding code"),
        Some(t) if t.attempts >= model::MAX_ATTEMPTS => Some("too many attempts"),
        Some(t) if t.expires_at <= now => Some("code expired"),
        Some(t)
            if !constant_time_eq(
                t.token_hash.as_bytes(),
                model::code_hash(tokens, account.id, code).as_bytes(),
            ) =>
        {
            Some("wrong code")
        }
        Some(_) => None,
    };
    if let Some(reason) = refusal {
        if let Some(t) = &token {
            tokens::record_failure(&txn, t, model::MAX_ATTEMPTS, now).await?;
        }
        identity::security_event(
            &txn,
            "activation_failed",
            Some(account.id),
            reason,
            request_id,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    let token = token.ok_or(AppError::Unauthenticated)?;
    if !tokens::use_token(&txn, token.id, now).await?
        || !store::activate(&txn, account.id, now).await?
    {
        return Err(AppError::Unauthenticated);
    }
    let person = identity::person(&txn, account.person_id).await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "Account",
            record_id: Some(account.id),
            fields: &["status"],
            subject_person: Some(account.person_id),
            local_authority: person.and_then(|p| p.local_authority_id),
            ..AuditEntry::new(AuditAction::AccountActivate, request_id)
        },
    )
    .await?;
    let session = sessions::start(
        &txn,
        tokens,
        &account,
        now,
        request_id,
        SignInMethod::ActivationCode,
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}
