//! A single sign-on, step by step: the browser is sent to the provider
//! ([`begin`]), comes back with a code ([`finish`]: the code is exchanged,
//! the ID token checked and the person matched to an account), and the app
//! exchanges the one-time result it was handed for a session
//! ([`complete`]).
//!
//! Matching: an account linked to the provider's (issuer, subject) signs in,
//! whatever its email says now. Otherwise, and only at an account's first
//! single sign-on with this issuer, by the verified email: a pending
//! invitation of the organisation (accepted: the account and its roles), the
//! organisation's rule (a listed domain and roles for new accounts: an
//! account is created with them), or an active account already holding a
//! role in the organisation. The account is then linked to the subject.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    model::{self, Failure},
    oidc, service, store,
};
use crate::{
    audit::{self, AuditAction, AuditEntry},
    auth::{constant_time_eq, tokens::TokenService},
    db::{begin_write, entities::accounts},
    error::{AppError, AppResult},
    identity::{
        AccountServices,
        model::{AccountStatus, Email, Role, SignInMethod},
        sessions, store as identity_store,
    },
};

/// How long a sign-in may stay at the provider.
pub const LOGIN_TTL: Duration = Duration::minutes(10);
/// How long the app has to exchange the result for a session.
pub const RESULT_TTL: Duration = Duration::minutes(2);

pub fn hash(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

fn pkce_context(login_id: Uuid) -> String {
    format!("sso_logins:{login_id}")
}

pub fn callback_url(services: &AccountServices) -> String {
    format!("{}/auth/sso/callback", services.public_url)
}

/// Where the browser goes next.
#[derive(Debug)]
pub enum Next {
    /// To the provider, keeping `state` in a cookie bound to this browser.
    Provider { url: String, state: String },
    /// Back to the app (`return_to#code=` or `#error=`).
    Back(String),
    /// Nowhere to go back to: a plain 400.
    BadRequest(&'static str),
}

fn back_with_error(return_to: &str, failure: Failure) -> Next {
    Next::Back(format!("{return_to}#error={}", failure.code()))
}

async fn refuse(
    db: &impl ConnectionTrait,
    return_to: &str,
    failure: Failure,
    account: Option<Uuid>,
    detail: &str,
    request_id: &str,
) -> AppResult<Next> {
    // Provider errors can be long and are not ours: kept short.
    let detail: String = detail.chars().take(500).collect();
    let detail = detail.as_str();
    tracing::warn!(
        request_id,
        reason = failure.code(),
        detail,
        "single sign-on refused"
    );
    identity_store::security_event(
        db,
        "sso_failed",
        account,
        &format!("{}: {detail}", failure.code()),
        request_id,
    )
    .await?;
    Ok(back_with_error(return_to, failure))
}

/// Starts a sign-in through the organisation's provider.
pub async fn begin(
    db: &DatabaseConnection,
    services: &AccountServices,
    organisation_id: Uuid,
    return_to: &str,
    request_id: &str,
) -> AppResult<Next> {
    if !model::return_allowed(return_to, &services.sso_return_urls) {
        return Ok(Next::BadRequest(
            "return_to is not an address sign-in may return to",
        ));
    }
    let provider = match store::provider(db, organisation_id).await? {
        Some(p) if p.enabled => p,
        _ => {
            let detail = "no enabled identity provider";
            return refuse(
                db,
                return_to,
                Failure::Unavailable,
                None,
                detail,
                request_id,
            )
            .await;
        }
    };
    let client = oidc::Provider {
        issuer: &provider.issuer,
        client_id: &provider.client_id,
        client_secret: None,
        redirect_url: callback_url(services),
    };
    let auth = match oidc::authorise(&client).await {
        Ok(auth) => auth,
        Err(e) => {
            return refuse(db, return_to, e.failure, None, &e.detail, request_id).await;
        }
    };
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = store::LoginRow {
        id,
        organisation_id,
        nonce: auth.nonce,
        pkce_verifier_ciphertext: services
            .secrets
            .seal(&pkce_context(id), auth.pkce_verifier.as_bytes())?,
        return_to: return_to.to_string(),
        expires_at: now + LOGIN_TTL,
        used_at: None,
    };
    store::insert_login(db, &row, &hash(&auth.state), now).await?;
    Ok(Next::Provider {
        url: auth.url,
        state: auth.state,
    })
}

/// What came back from the provider.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    /// The provider's `error` (the person cancelled, or it refused).
    pub error: Option<&'a str>,
    /// The state this browser was given at the start (its cookie).
    pub browser_state: Option<&'a str>,
}

/// Ends a sign-in: checks it, asks the provider, matches the account and
/// hands the browser a one-time result.
pub async fn finish(
    db: &DatabaseConnection,
    services: &AccountServices,
    back: Callback<'_>,
    request_id: &str,
) -> AppResult<Next> {
    let Some(state) = back.state.filter(|s| !s.is_empty() && s.len() <= 512) else {
        return Ok(Next::BadRequest("state is missing"));
    };
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let Some(login) = store::login_by_state(&txn, &hash(state)).await? else {
        identity_store::security_event(&txn, "sso_failed", None, "unknown state", request_id)
            .await?;
        txn.commit().await?;
        return Ok(Next::BadRequest("this sign-in is not known; start again"));
    };
    let return_to = login.return_to.clone();
    let fresh = login.used_at.is_none() && login.expires_at > now;
    if !fresh || !store::use_login(&txn, login.id, now).await? {
        let next = refuse(
            &txn,
            &return_to,
            Failure::Expired,
            None,
            "state used or expired",
            request_id,
        )
        .await?;
        txn.commit().await?;
        return Ok(next);
    }
    // Used from here on, whatever follows.
    txn.commit().await?;
    let same_browser = back
        .browser_state
        .is_some_and(|b| constant_time_eq(b.as_bytes(), state.as_bytes()));
    if !same_browser {
        let detail = "the browser did not start this sign-in";
        return refuse(db, &return_to, Failure::Expired, None, detail, request_id).await;
    }
    if let Some(error) = back.error {
        let detail = format!(
            "the provider answered {}",
            error.chars().take(64).collect::<String>()
        );
        return refuse(db, &return_to, Failure::Denied, None, &detail, request_id).await;
    }
    let Some(code) = back.code.filter(|c| !c.is_empty()) else {
        return refuse(db, &return_to, Failure::Denied, None, "no code", request_id).await;
    };
    let provider = match store::provider(db, login.organisation_id).await? {
        Some(p) if p.enabled => p,
        _ => {
            let detail = "no enabled identity provider";
            return refuse(
                db,
                &return_to,
                Failure::Unavailable,
                None,
                detail,
                request_id,
            )
            .await;
        }
    };
    let secret = match &provider.client_secret_ciphertext {
        Some(sealed) => {
            let plain = services
                .secrets
                .open(&service::secret_context(provider.organisation_id), sealed)?;
            Some(String::from_utf8(plain).map_err(AppError::internal)?)
        }
        None => None,
    };
    let verifier = services
        .secrets
        .open(&pkce_context(login.id), &login.pkce_verifier_ciphertext)?;
    let verifier = String::from_utf8(verifier).map_err(AppError::internal)?;
    let client = oidc::Provider {
        issuer: &provider.issuer,
        client_id: &provider.client_id,
        client_secret: secret,
        redirect_url: callback_url(services),
    };
    let identity = match oidc::identity(&client, code, verifier, &login.nonce).await {
        Ok(identity) => identity,
        Err(e) => return refuse(db, &return_to, e.failure, None, &e.detail, request_id).await,
    };
    if !identity.email_verified {
        let detail = "the provider did not verify the email";
        return refuse(
            db,
            &return_to,
            Failure::EmailNotVerified,
            None,
            detail,
            request_id,
        )
        .await;
    }
    let txn = begin_write(db).await?;
    let matched = match_account(&txn, &provider, &identity, now, request_id).await?;
    let account = match matched {
        Ok(account) => account,
        Err((failure, account, detail)) => {
            let next = refuse(&txn, &return_to, failure, account, detail, request_id).await?;
            txn.commit().await?;
            return Ok(next);
        }
    };
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let result = URL_SAFE_NO_PAD.encode(bytes);
    store::insert_result(&txn, account, &hash(&result), now, now + RESULT_TTL).await?;
    txn.commit().await?;
    Ok(Next::Back(format!("{return_to}#code={result}")))
}

type Matched = Result<Uuid, (Failure, Option<Uuid>, &'static str)>;

fn usable(account: &accounts::Model) -> bool {
    account.status == AccountStatus::Active.as_str() && account.disabled_at.is_none()
}

/// Finds (or, as an invitation or rule allows, creates) the account.
async fn match_account(
    txn: &impl ConnectionTrait,
    provider: &store::ProviderRow,
    identity: &oidc::Identity,
    now: DateTime<Utc>,
    request_id: &str,
) -> AppResult<Matched> {
    if let Some((link_id, account_id)) =
        store::linked_account(txn, &provider.issuer, &identity.subject).await?
    {
        return Ok(match identity_store::account(txn, account_id).await? {
            Some(a) if usable(&a) => {
                store::touch_link(txn, link_id, now).await?;
                Ok(a.id)
            }
            _ => Err((
                Failure::AccountDisabled,
                Some(account_id),
                "linked account disabled",
            )),
        });
    }
    let Some(email) = identity
        .email
        .as_deref()
        .and_then(|e| Email::parse("email", e).ok())
    else {
        return Ok(Err((Failure::NoAccount, None, "no usable email")));
    };
    let org = provider.organisation_id;
    let existing = identity_store::account_by_email(txn, &email).await?;
    if let Some(a) = &existing {
        if !usable(a) {
            return Ok(Err((
                Failure::AccountDisabled,
                Some(a.id),
                "account not active",
            )));
        }
        // Matching by email is for an account's first single sign-on only.
        if store::linked_to_issuer(txn, a.id, &provider.issuer).await? {
            let detail = "account linked to another subject of this issuer";
            return Ok(Err((Failure::NoAccount, Some(a.id), detail)));
        }
    }
    let account_id =
        if let Some(invitation) = store::pending_invitation(txn, org, email.as_str(), now).await? {
            let mut roles = Vec::new();
            for code in model::split(&invitation.roles) {
                roles.push((Role::parse(&code)?, org));
            }
            let account_id = match &existing {
                Some(a) => {
                    for (role, org) in &roles {
                        crate::identity::store::grant_role(txn, a.id, *org, *role, now).await?;
                    }
                    a.id
                }
                None => {
                    identity_store::insert_account(
                        txn,
                        identity_store::NewAccount {
                            given_name: &invitation.given_name,
                            family_name: &invitation.family_name,
                            email: &email,
                            password_hash: None,
                            date_of_birth: None,
                            local_authority_id: None,
                            roles: &roles,
                        },
                    )
                    .await?
                }
            };
            if !store::accept_invitation(txn, invitation.id, account_id, now).await? {
                return Err(AppError::conflict("the invitation changed meanwhile"));
            }
            audited(
                txn,
                AuditAction::InvitationAccept,
                account_id,
                ("Invitation", invitation.id),
                request_id,
            )
            .await?;
            account_id
        } else if let Some(a) = &existing {
            if !store::holds_role_in(txn, a.id, org).await? {
                let detail = "an account without a role in the organisation";
                return Ok(Err((Failure::NoAccount, Some(a.id), detail)));
            }
            a.id
        } else {
            let roles: Vec<(Role, Uuid)> = model::split(&provider.new_account_roles)
                .iter()
                .map(|r| Role::parse(r).map(|r| (r, org)))
                .collect::<AppResult<_>>()?;
            let domain_listed = model::domain_of(email.as_str())
                .is_some_and(|d| model::split(&provider.email_domains).iter().any(|l| l == d));
            if !domain_listed || roles.is_empty() {
                return Ok(Err((
                    Failure::NoAccount,
                    None,
                    "no invitation or rule for this email",
                )));
            }
            let local = email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string();
            let given = identity.given_name.clone().unwrap_or(local);
            let family = identity.family_name.clone().unwrap_or_default();
            identity_store::insert_account(
                txn,
                identity_store::NewAccount {
                    given_name: given.chars().take(100).collect::<String>().as_str(),
                    family_name: family.chars().take(100).collect::<String>().as_str(),
                    email: &email,
                    password_hash: None,
                    date_of_birth: None,
                    local_authority_id: None,
                    roles: &roles,
                },
            )
            .await?
        };
    let link_id = Uuid::now_v7();
    store::link(
        txn,
        link_id,
        account_id,
        &provider.issuer,
        &identity.subject,
        now,
    )
    .await?;
    audited(
        txn,
        AuditAction::ExternalIdentityLink,
        account_id,
        ("ExternalIdentity", link_id),
        request_id,
    )
    .await?;
    Ok(Ok(account_id))
}

/// An audit record of the account's own doing.
async fn audited(
    txn: &impl ConnectionTrait,
    action: AuditAction,
    account_id: Uuid,
    record: (&str, Uuid),
    request_id: &str,
) -> AppResult<()> {
    let person = identity_store::account(txn, account_id)
        .await?
        .map(|a| a.person_id);
    audit::record(
        txn,
        AuditEntry {
            actor_account: Some(account_id),
            record_type: record.0,
            record_id: Some(record.1),
            subject_person: person,
            ..AuditEntry::new(action, request_id)
        },
    )
    .await
}

/// Exchanges a one-time result for a session. Unknown, used or expired
/// results, and disabled accounts, are all `UNAUTHENTICATED`.
pub async fn complete(
    db: &DatabaseConnection,
    tokens: &TokenService,
    result: &str,
    request_id: &str,
) -> AppResult<sessions::Session> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let Some(account_id) = store::take_result(&txn, &hash(result.trim()), now).await? else {
        identity_store::security_event(
            &txn,
            "sso_failed",
            None,
            "unknown or used result",
            request_id,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    let account = match identity_store::account(&txn, account_id).await? {
        Some(a) if usable(&a) => a,
        _ => {
            identity_store::security_event(
                &txn,
                "sso_failed",
                Some(account_id),
                "account not active",
                request_id,
            )
            .await?;
            txn.commit().await?;
            return Err(AppError::Unauthenticated);
        }
    };
    let session = sessions::start(
        &txn,
        tokens,
        &account,
        now,
        request_id,
        SignInMethod::SingleSignOn,
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Deletes sign-ins and results past use (run with the worker's upkeep).
pub async fn purge(db: &impl ConnectionTrait) -> AppResult<u64> {
    store::purge(db, Utc::now() - Duration::days(1)).await
}
