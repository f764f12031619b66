//! The viewer: who is asking, established once per request from the
//! `Authorization: Bearer` header. No header means anonymous; a header that
//! does not verify is refused outright (401), never downgraded to anonymous.
//!
//! A signed-in account comes with its role grants and the local
//! authorities each grant reaches (the organisation's own authority, or for
//! a provider the authorities that commission it for that service), read
//! in one query that also checks the session is live and the account
//! active. An API client comes with its current scopes and authorities.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::tokens::{SubjectKind, TokenService};
use crate::{
    clients,
    error::{AppError, AppResult},
    identity::{model::Role, store},
    policy::ClientScope,
};

/// A role held in an organisation, and the authorities it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub organisation_id: Uuid,
    pub local_authorities: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountViewer {
    pub account_id: Uuid,
    pub session_id: Uuid,
    pub person_id: Uuid,
    pub grants: Vec<Grant>,
}

impl AccountViewer {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientViewer {
    pub client_id: Uuid,
    /// Scopes in the token that the client still holds.
    pub scopes: Vec<ClientScope>,
    pub local_authorities: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Account(Arc<AccountViewer>),
    Client(Arc<ClientViewer>),
}

impl Viewer {
    /// The signed-in account and its session, or `UNAUTHENTICATED` (API
    /// clients act for no account: `FORBIDDEN`).
    pub fn account(&self) -> AppResult<(Uuid, Uuid)> {
        match self {
            Viewer::Account(account) => Ok((account.account_id, account.session_id)),
            Viewer::Client(_) => Err(AppError::Forbidden),
            Viewer::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// The signed-in account viewer, as for [`Viewer::account`].
    pub fn account_viewer(&self) -> AppResult<&AccountViewer> {
        match self {
            Viewer::Account(account) => Ok(account),
            Viewer::Client(_) => Err(AppError::Forbidden),
            Viewer::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// Who to record in the audit trail as the actor.
    pub fn actor(&self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Viewer::Account(account) => (Some(account.account_id), None),
            Viewer::Client(client) => (None, Some(client.client_id)),
            Viewer::Anonymous => (None, None),
        }
    }

    /// A stable key for per-caller state (idempotency keys, rate limits).
    pub fn scope_key(&self) -> String {
        match self {
            Viewer::Account(account) => format!("account:{}", account.account_id),
            Viewer::Client(client) => format!("client:{}", client.client_id),
            Viewer::Anonymous => "anonymous".into(),
        }
    }
}

/// Establishes the viewer for a request.
pub async fn authenticate(
    db: &DatabaseConnection,
    tokens: &TokenService,
    headers: &HeaderMap,
) -> AppResult<Viewer> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthenticated)?;
    let claims = tokens.verify(token)?;
    let subject = Uuid::parse_str(&claims.sub).map_err(|_| AppError::Unauthenticated)?;
    match claims.kind {
        SubjectKind::Account => {
            let session_id = claims
                .sid
                .as_deref()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or(AppError::Unauthenticated)?;
            let viewer = store::principal(db, subject, session_id)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            Ok(Viewer::Account(Arc::new(viewer)))
        }
        SubjectKind::Client => {
            let granted: Vec<ClientScope> = claims
                .scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(ClientScope::from_code)
                .collect();
            let client = clients::store::active_client(db, subject)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            Ok(Viewer::Client(Arc::new(ClientViewer {
                client_id: subject,
                scopes: granted
                    .into_iter()
                    .filter(|s| client.scopes.contains(s))
                    .collect(),
                local_authorities: client.local_authorities,
            })))
        }
    }
}
