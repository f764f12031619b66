//! Inviting, revoking, resending and accepting staff invitations.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    email::{INVITATION_EMAIL, InvitationEmailJob},
    model::{self, INVITATION_TTL, LINK_USED},
    store::{self, InvitationRow},
};
use crate::{
    audit::{self, AuditAction, AuditEntry},
    auth::tokens::TokenService,
    change::{Audited, Call, Change},
    db::{begin_write, entities::accounts},
    error::{AppError, AppResult},
    identity::{
        model::{AccountStatus, Email, OrganisationKind, Role, SignInMethod},
        passwords::{self, links},
        sessions,
        store::{self as identity, NewAccount},
    },
    jobs,
    policy::{self, Action, Target},
    start_change,
};

#[derive(Debug, Serialize)]
pub struct InviteInput {
    pub organisation_id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub roles: Vec<Role>,
}

/// What an invitation change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Done {
    pub invitation_id: Uuid,
}

/// Queues the email that makes the link's token and sends it, for the
/// invitation's current period (`expires_at`): a job left over from
/// before a resend sends nothing.
async fn queue_email(
    txn: &impl sea_orm::ConnectionTrait,
    invitation_id: Uuid,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    jobs::enqueue(
        txn,
        jobs::NewJob::new(
            INVITATION_EMAIL,
            InvitationEmailJob {
                invitation_id,
                expires_at,
            },
        )?
        .max_attempts(5)
        .timeout(std::time::Duration::from_secs(30)),
    )
    .await?;
    Ok(())
}

/// An account that may be given staff roles by invitation: active, with a
/// password (young people's and carers' accounts sign in with codes).
fn staff_account(account: &accounts::Model) -> bool {
    account.status == AccountStatus::Active.as_str() && account.password_hash.is_some()
}

/// Invites a member of staff into an organisation (its administrators,
/// platform administrators). Inviting the same address again replaces the
/// pending invitation.
pub async fn invite(call: &Call<'_>, input: InviteInput) -> AppResult<Done> {
    let tx = start_change!(call, "inviteStaff", &input);
    let target = Target::organisation(input.organisation_id);
    policy::authorize(call.viewer, Action::ManageStaff, &target)?;
    let organisation = identity::organisation(&tx.txn, input.organisation_id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "Organisation",
        })?;
    let kind = OrganisationKind::parse(&organisation.kind)?;
    let roles = model::check_roles(kind, &input.roles, tx.actor.has_role(Role::PlatformAdmin))?;
    let email = Email::parse("email", &input.email)?;
    let given_name = model::name("givenName", &input.given_name)?;
    let family_name = model::name("familyName", &input.family_name)?;
    if let Some(existing) = identity::account_by_email(&tx.txn, &email).await?
        && !staff_account(&existing)
    {
        return Err(AppError::bad_input(
            "email",
            "belongs to an account that cannot hold staff roles (a young person's or carer's, \
             or a disabled one)",
        ));
    }
    let now = Utc::now();
    store::replace_pending(&tx.txn, organisation.id, email.as_str(), now).await?;
    let row = InvitationRow {
        id: Uuid::now_v7(),
        organisation_id: organisation.id,
        email: email.as_str().to_string(),
        given_name,
        family_name,
        roles,
        created_at: now,
        expires_at: now + INVITATION_TTL,
        accepted_at: None,
        revoked_at: None,
    };
    store::insert(&tx.txn, &row, &links::placeholder(), tx.actor.account_id).await?;
    queue_email(&tx.txn, row.id, row.expires_at).await?;
    tx.commit(
        Audited {
            action: AuditAction::InvitationCreate,
            record: ("Invitation", row.id),
            fields: &["email", "givenName", "familyName", "roles", "expiresAt"],
            target: &target,
        },
        Done {
            invitation_id: row.id,
        },
    )
    .await
}

/// The invitation `id`, if the viewer manages its organisation (a viewer
/// who does not: NOT_FOUND), and its target.
async fn managed(tx: &Change<'_>, id: Uuid) -> AppResult<(InvitationRow, Target)> {
    let row = store::by_id(&tx.txn, id).await?.ok_or(AppError::NotFound {
        entity: "Invitation",
    })?;
    let target = Target::organisation(row.organisation_id);
    tx.authorise(
        &target,
        &[Action::ManageStaff],
        Action::ManageStaff,
        "Invitation",
    )?;
    Ok((row, target))
}

fn no_longer_open() -> AppError {
    AppError::bad_input("id", "has already been accepted or revoked")
}

/// Withdraws an open invitation: its link stops working.
pub async fn revoke(call: &Call<'_>, id: Uuid) -> AppResult<Done> {
    let tx = start_change!(call, "revokeInvitation", &id);
    let (row, target) = managed(&tx, id).await?;
    if !store::revoke(&tx.txn, row.id, Utc::now()).await? {
        return Err(no_longer_open());
    }
    tx.commit(
        Audited {
            action: AuditAction::InvitationRevoke,
            record: ("Invitation", row.id),
            fields: &["revokedAt"],
            target: &target,
        },
        Done {
            invitation_id: row.id,
        },
    )
    .await
}

/// Sends an open (pending or expired) invitation again with a new link
/// and 7 new days; the earlier link stops working.
pub async fn resend(call: &Call<'_>, id: Uuid) -> AppResult<Done> {
    let tx = start_change!(call, "resendInvitation", &id);
    let (row, target) = managed(&tx, id).await?;
    let expires_at = Utc::now() + INVITATION_TTL;
    if !store::renew(&tx.txn, row.id, &links::placeholder(), expires_at).await? {
        return Err(no_longer_open());
    }
    queue_email(&tx.txn, row.id, expires_at).await?;
    tx.commit(
        Audited {
            action: AuditAction::InvitationResend,
            record: ("Invitation", row.id),
            fields: &["expiresAt"],
            target: &target,
        },
        Done {
            invitation_id: row.id,
        },
    )
    .await
}

/// An open invitation and its organisation's name, by the link's token;
/// `None` for any token that does not work (unknown, expired, revoked,
/// used), alike.
pub async fn open_by_token(
    db: &DatabaseConnection,
    token: &str,
) -> AppResult<Option<(InvitationRow, String)>> {
    let Some(row) = store::by_token_hash(db, &links::hash(token)).await? else {
        return Ok(None);
    };
    if model::status(row.accepted_at, row.revoked_at, row.expires_at, Utc::now())
        != model::InvitationStatus::Pending
    {
        return Ok(None);
    }
    let Some(organisation) = identity::organisation(db, row.organisation_id).await? else {
        return Ok(None);
    };
    Ok(Some((row, organisation.name)))
}

/// Accepts an invitation by its link and signs in. For a new address the
/// account is made with `password` (which must meet the policy); for an
/// active staff account the roles are added (the link proves the address,
/// no password needed). Single use; all or nothing. An account with a
/// second factor, or one its roles now require, is accepted and then gets
/// `SECOND_FACTOR_REQUIRED` / `SECOND_FACTOR_ENROLMENT_REQUIRED` with a
/// challenge instead of a session.
pub async fn accept(
    db: &DatabaseConnection,
    tokens: &TokenService,
    token: &str,
    password: Option<String>,
    request_id: &str,
) -> AppResult<sessions::Session> {
    let used = || AppError::bad_input("token", LINK_USED);
    let (row, organisation_name) = open_by_token(db, token).await?.ok_or_else(used)?;
    let email = Email::parse("email", &row.email)?;
    let existing = identity::account_by_email(db, &email).await?;
    // The password is checked and hashed before the write transaction
    // (Argon2 is slow on purpose; the transaction holds a write lock).
    let new_password_hash = match &existing {
        Some(account) if staff_account(account) => None,
        Some(_) => {
            return Err(AppError::bad_input(
                "token",
                "This invitation cannot be used with this email address's account: ask the \
                 person who invited you",
            ));
        }
        None => {
            let password = password.ok_or_else(|| {
                AppError::bad_input("password", "is needed to set up your account")
            })?;
            let words = [
                row.email.clone(),
                row.given_name.clone(),
                row.family_name.clone(),
                organisation_name.clone(),
            ];
            Some(passwords::service::checked_hash("password", password, &words).await?)
        }
    };
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // The account as it is now, inside the transaction: made or changed
    // since it was read, the accept is tried again by the person.
    let current = identity::account_by_email(&txn, &email).await?;
    if current.as_ref().map(|a| (a.id, staff_account(a)))
        != existing.as_ref().map(|a| (a.id, staff_account(a)))
    {
        return Err(AppError::conflict(
            "The account for this address changed while the invitation was being accepted: try again.",
        ));
    }
    let account_id = match (&existing, new_password_hash) {
        (Some(account), _) => account.id,
        (None, Some(hash)) => {
            let id = identity::insert_account(
                &txn,
                NewAccount {
                    given_name: &row.given_name,
                    family_name: &row.family_name,
                    email: &email,
                    password_hash: Some(hash.clone()),
                    date_of_birth: None,
                    local_authority_id: None,
                    roles: &[],
                },
            )
            .await?;
            passwords::store::set_password(&txn, id, &hash, now).await?;
            id
        }
        (None, None) => return Err(AppError::internal(anyhow::anyhow!("no password hash"))),
    };
    if !store::accept(&txn, row.id, account_id, now).await? {
        return Err(used());
    }
    for role in &row.roles {
        crate::identity::store::grant_role(&txn, account_id, row.organisation_id, *role, now)
            .await?;
    }
    let account = identity::account(&txn, account_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("accepted account vanished")))?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account.id),
            record_type: "Invitation",
            record_id: Some(row.id),
            fields: &["acceptedAt", "roles"],
            ..AuditEntry::new(AuditAction::InvitationAccept, request_id)
        },
    )
    .await?;
    // The link proves the address, not a second factor: an account that has
    // one (or whose new roles require one) is accepted into the organisation
    // and then asked for it, exactly as `signIn` asks after a password.
    if let Some(step) = crate::identity::second_factor::sign_in::challenge_if_needed(
        &txn, &account, now, request_id,
    )
    .await?
    {
        txn.commit().await?;
        return Err(step);
    }
    let session = sessions::start(
        &txn,
        tokens,
        &account,
        now,
        request_id,
        SignInMethod::Invitation,
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Whether accepting an invitation to `email` needs a password (there is
/// no account for it yet).
pub async fn needs_password(db: &DatabaseConnection, email: &str) -> AppResult<bool> {
    let email = Email::parse("email", email)?;
    Ok(identity::account_by_email(db, &email).await?.is_none())
}
