//! What can be done with API clients: administration by platform admins
//! (authorised, validated, audited, atomic) and the client-credentials grant.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    model::{self, ClientStatus},
    store::{self, ApiClientRow, NewClient},
};
use crate::audit::AuditAction;
use crate::{
    audit::{self, AuditEntry},
    auth::{
        constant_time_eq,
        tokens::{SubjectKind, TokenService},
        viewer::Viewer,
    },
    db::begin_write,
    error::{AppError, AppResult},
    identity::store as identity_store,
    policy::{self, Action, ClientScope, Target},
    reference::store as reference,
};

pub struct NewClientInput<'a> {
    pub name: &'a str,
    pub scopes: &'a [ClientScope],
    pub local_authorities: &'a [Uuid],
}

/// Creates a client; returns it with its secret (shown this once).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewClientInput<'_>,
    request_id: &str,
) -> AppResult<(ApiClientRow, String)> {
    policy::authorize(viewer, Action::ManageApiClients, &Target::platform())?;
    let (admin, _) = viewer.account()?;
    let name = model::client_name(input.name)?;
    let scopes = model::scopes("scopes", input.scopes)?;
    let mut authorities = input.local_authorities.to_vec();
    authorities.sort();
    authorities.dedup();
    if authorities.is_empty() {
        return Err(AppError::bad_input(
            "localAuthorityIds",
            "name at least one commissioning local authority",
        ));
    }
    for la in &authorities {
        if reference::local_authority(db, *la).await?.is_none() {
            return Err(AppError::bad_input(
                "localAuthorityIds",
                "includes an id that is not a local authority",
            ));
        }
    }
    let (secret, hash) = model::new_secret();
    let txn = begin_write(db).await?;
    let id = store::insert(
        &txn,
        NewClient {
            name: &name,
            secret_hash: &hash,
            scopes: &scopes,
            local_authorities: &authorities,
            created_by: admin,
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(admin),
            record_type: "ApiClient",
            record_id: Some(id),
            fields: &["name", "scopes", "localAuthorities"],
            ..AuditEntry::new(AuditAction::ApiClientCreate, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    let client = store::client(db, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("created client vanished")))?;
    Ok((client, secret))
}

/// Issues a new secret; the old one stops working at once.
pub async fn rotate(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    request_id: &str,
) -> AppResult<(ApiClientRow, String)> {
    policy::authorize(viewer, Action::ManageApiClients, &Target::platform())?;
    let (admin, _) = viewer.account()?;
    let (secret, hash) = model::new_secret();
    let txn = begin_write(db).await?;
    if !store::rotate_secret(&txn, id, &hash).await? {
        return Err(match store::client(&txn, id).await? {
            None => AppError::NotFound {
                entity: "ApiClient",
            },
            Some(_) => AppError::conflict("This client is revoked; create a new one instead."),
        });
    }
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(admin),
            record_type: "ApiClient",
            record_id: Some(id),
            fields: &["secret"],
            ..AuditEntry::new(AuditAction::ApiClientRotateSecret, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    let client = store::client(db, id).await?.ok_or(AppError::NotFound {
        entity: "ApiClient",
    })?;
    Ok((client, secret))
}

/// Revokes a client: its tokens stop working at once. Revoking a revoked
/// client changes nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    request_id: &str,
) -> AppResult<ApiClientRow> {
    policy::authorize(viewer, Action::ManageApiClients, &Target::platform())?;
    let (admin, _) = viewer.account()?;
    let txn = begin_write(db).await?;
    if store::revoke(&txn, id).await? {
        audit::record(
            &txn,
            AuditEntry {
                actor_account: Some(admin),
                record_type: "ApiClient",
                record_id: Some(id),
                fields: &["status"],
                ..AuditEntry::new(AuditAction::ApiClientRevoke, request_id)
            },
        )
        .await?;
    }
    let client = store::client(&txn, id).await?.ok_or(AppError::NotFound {
        entity: "ApiClient",
    })?;
    txn.commit().await?;
    Ok(client)
}

pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: &crate::paging::PageRequest,
) -> AppResult<Vec<ApiClientRow>> {
    policy::authorize(viewer, Action::ManageApiClients, &Target::platform())?;
    store::clients_page(db, page).await
}

pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<ApiClientRow>> {
    if !policy::allows(viewer, Action::ManageApiClients, &Target::platform()) {
        return Ok(None);
    }
    store::client(db, id).await
}

/// Why a token request failed, as RFC 6749 §5.2 names it.
#[derive(Debug)]
pub enum TokenError {
    InvalidRequest(&'static str),
    InvalidClient,
    UnsupportedGrantType,
    InvalidScope,
    RateLimited(std::time::Duration),
    Server(AppError),
}

impl From<AppError> for TokenError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::RateLimited { retry_after } => TokenError::RateLimited(retry_after),
            other => TokenError::Server(other),
        }
    }
}

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}

/// The client-credentials grant: checks the client id and secret, and
/// issues a short-lived access token for the requested scopes (all granted
/// scopes when none are asked for).
pub async fn issue_token(
    db: &DatabaseConnection,
    tokens: &TokenService,
    client_id: &str,
    secret: &str,
    requested: Option<&str>,
    request_id: &str,
) -> Result<IssuedToken, TokenError> {
    // An id that is not a UUID is an unknown client: same reply.
    let id = Uuid::parse_str(client_id).ok();
    let credentials = match id {
        Some(id) => store::credentials(db, id).await?,
        None => None,
    };
    let presented = model::hash_secret(secret);
    let Some((id, credentials)) = id.zip(credentials) else {
        identity_store::security_event(
            db,
            "client_auth_failed",
            None,
            "unknown client",
            request_id,
        )
        .await?;
        return Err(TokenError::InvalidClient);
    };
    let secret_ok = constant_time_eq(presented.as_bytes(), credentials.secret_hash.as_bytes());
    if !secret_ok || credentials.status != ClientStatus::Active {
        let detail = if secret_ok {
            format!("client {id} is revoked")
        } else {
            format!("wrong secret for client {id}")
        };
        identity_store::security_event(db, "client_auth_failed", None, &detail, request_id).await?;
        return Err(TokenError::InvalidClient);
    }
    let scopes: Vec<ClientScope> = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => credentials.scopes.clone(),
        Some(requested) => {
            let mut asked = Vec::new();
            for s in requested.split_whitespace() {
                let scope = ClientScope::from_code(s).ok_or(TokenError::InvalidScope)?;
                if !credentials.scopes.contains(&scope) {
                    return Err(TokenError::InvalidScope);
                }
                if !asked.contains(&scope) {
                    asked.push(scope);
                }
            }
            asked.sort();
            asked
        }
    };
    let scope = model::scopes_to_string(&scopes);
    let access_token = tokens.issue(SubjectKind::Client, &id.to_string(), None, Some(&scope))?;
    Ok(IssuedToken {
        access_token,
        expires_in: tokens.ttl_secs(),
        scope,
    })
}
