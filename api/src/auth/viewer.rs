//! The viewer: who is asking, established once per request from the
//! `Authorization: Bearer` header. No header means anonymous; a header that
//! does not verify is refused outright (401), never downgraded to anonymous.

use axum::http::{HeaderMap, header};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::tokens::{SubjectKind, TokenService};
use crate::{
    error::{AppError, AppResult},
    identity::store,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Account { account_id: Uuid, session_id: Uuid },
}

impl Viewer {
    /// The signed-in account and its session, or `UNAUTHENTICATED`.
    pub fn account(&self) -> AppResult<(Uuid, Uuid)> {
        match self {
            Viewer::Account {
                account_id,
                session_id,
            } => Ok((*account_id, *session_id)),
            Viewer::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// A stable key for per-caller state (idempotency keys, rate limits).
    pub fn scope_key(&self) -> String {
        match self {
            Viewer::Account { account_id, .. } => format!("account:{account_id}"),
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
    if claims.kind != SubjectKind::Account {
        return Err(AppError::Unauthenticated);
    }
    let account_id = Uuid::parse_str(&claims.sub).map_err(|_| AppError::Unauthenticated)?;
    let session_id = claims
        .sid
        .as_deref()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or(AppError::Unauthenticated)?;
    if !store::session_is_live(db, account_id, session_id).await? {
        return Err(AppError::Unauthenticated);
    }
    Ok(Viewer::Account {
        account_id,
        session_id,
    })
}
