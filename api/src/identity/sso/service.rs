//! Configuring an organisation's identity provider, and what the sign-in
//! screen may learn of it.

use chrono::Utc;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{model, store};
use crate::{
    audit::AuditAction,
    auth::viewer::Viewer,
    change::{Audited, Call},
    error::{AppError, AppResult},
    identity::{
        AccountServices,
        model::{Email, OrganisationKind, Role, may_see_organisation},
        store as identity_store,
    },
    policy::{self, Action, Target},
    start_change,
};

/// `configureSingleSignOn`'s input (the secret is kept out of the
/// idempotency key's serialised input: see [`Configure::key`]).
#[derive(Debug)]
pub struct Configure {
    pub organisation_id: Uuid,
    pub issuer: String,
    pub client_id: String,
    /// None keeps the stored secret.
    pub client_secret: Option<String>,
    pub email_domains: Vec<String>,
    pub new_account_roles: Vec<Role>,
    pub enabled: bool,
}

/// What identifies a repeated `configureSingleSignOn` (never the secret
/// itself: its hash).
#[derive(Serialize)]
struct Key<'a> {
    organisation_id: Uuid,
    issuer: &'a str,
    client_id: &'a str,
    client_secret_sha256: Option<String>,
    email_domains: &'a [String],
    new_account_roles: &'a [Role],
    enabled: bool,
}

impl Configure {
    fn key(&self) -> Key<'_> {
        use sha2::{Digest, Sha256};
        Key {
            organisation_id: self.organisation_id,
            issuer: &self.issuer,
            client_id: &self.client_id,
            client_secret_sha256: self
                .client_secret
                .as_ref()
                .map(|s| format!("{:x}", Sha256::digest(s.as_bytes()))),
            email_domains: &self.email_domains,
            new_account_roles: &self.new_account_roles,
            enabled: self.enabled,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Done {
    pub organisation_id: Uuid,
}

/// The sealing context of an organisation's client secret.
pub fn secret_context(organisation_id: Uuid) -> String {
    format!("identity_providers:{organisation_id}")
}

/// May the viewer configure the organisation's sign-in? NOT_FOUND when it
/// does not exist or they may not see it; FORBIDDEN when they may see it.
async fn authorised(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<crate::db::entities::organisations::Model> {
    if matches!(viewer, Viewer::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    let not_found = AppError::NotFound {
        entity: "Organisation",
    };
    let org = identity_store::organisation(db, organisation_id)
        .await?
        .ok_or(not_found)?;
    if policy::allows(
        viewer,
        Action::ConfigureSignIn,
        &Target::organisation(org.id),
    ) {
        Ok(org)
    } else if may_see_organisation(viewer, &org) {
        Err(AppError::Forbidden)
    } else {
        Err(AppError::NotFound {
            entity: "Organisation",
        })
    }
}

/// Sets up (or changes) the organisation's identity provider.
pub async fn configure(
    call: &Call<'_>,
    services: &AccountServices,
    input: Configure,
) -> AppResult<Done> {
    let tx = start_change!(call, "configureSingleSignOn", &input.key());
    let org = authorised(&tx.txn, call.viewer, input.organisation_id).await?;
    let kind = OrganisationKind::parse(&org.kind)?;
    let issuer = model::issuer(&input.issuer, services.development)?;
    let client_id = model::client_id(&input.client_id)?;
    let domains = model::email_domains(&input.email_domains)?;
    let roles = model::new_account_roles(kind, &input.new_account_roles)?;
    let existing = store::provider(&tx.txn, org.id).await?;
    let secret = match (&input.client_secret, &existing) {
        (Some(secret), _) => Some(services.secrets.seal(
            &secret_context(org.id),
            model::client_secret(secret)?.as_bytes(),
        )?),
        (None, Some(p)) if p.client_secret_ciphertext.is_some() => {
            p.client_secret_ciphertext.clone()
        }
        (None, _) => {
            return Err(AppError::bad_input(
                "input.clientSecret",
                "must be given the first time",
            ));
        }
    };
    // A domain signs in through one organisation only.
    for other in store::providers(&tx.txn).await? {
        if other.organisation_id != org.id
            && model::split(&other.email_domains)
                .iter()
                .any(|d| domains.contains(d))
        {
            return Err(AppError::bad_input(
                "input.emailDomains",
                "include a domain another organisation signs in with",
            ));
        }
    }
    let now = Utc::now();
    let row = store::ProviderRow {
        id: existing.as_ref().map_or_else(Uuid::now_v7, |p| p.id),
        organisation_id: org.id,
        issuer,
        client_id,
        client_secret_ciphertext: secret,
        email_domains: model::join(&domains),
        new_account_roles: roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(","),
        enabled: input.enabled,
        created_at: existing.as_ref().map_or(now, |p| p.created_at),
        updated_at: now,
    };
    store::save_provider(&tx.txn, &row).await?;
    let target = Target {
        local_authority: org.local_authority_id,
        ..Target::organisation(org.id)
    };
    let mut fields = vec![
        "issuer",
        "clientId",
        "emailDomains",
        "newAccountRoles",
        "enabled",
    ];
    if input.client_secret.is_some() {
        fields.push("clientSecret");
    }
    tx.commit(
        Audited {
            action: AuditAction::IdentityProviderConfigure,
            record: ("IdentityProvider", row.id),
            fields: &fields,
            target: &target,
        },
        Done {
            organisation_id: org.id,
        },
    )
    .await
}

/// The organisation's configuration, for those who may change it.
pub async fn configuration(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<Option<store::ProviderRow>> {
    let org = authorised(db, viewer, organisation_id).await?;
    store::provider(db, org.id).await
}

/// Where a sign-in through the organisation's provider starts.
pub fn start_url(services: &AccountServices, organisation_id: Uuid) -> String {
    format!("{}/auth/sso/{organisation_id}/start", services.public_url)
}

/// The start address when the email's domain signs in through an
/// organisation's (enabled) provider.
pub async fn start_url_for(
    db: &impl ConnectionTrait,
    services: &AccountServices,
    email: &str,
) -> AppResult<Option<String>> {
    let email = Email::parse("email", email)?;
    let Some(domain) = model::domain_of(email.as_str()) else {
        return Ok(None);
    };
    Ok(store::providers(db)
        .await?
        .into_iter()
        .find(|p| p.enabled && model::split(&p.email_domains).iter().any(|d| d == domain))
        .map(|p| start_url(services, p.organisation_id)))
}
