//! Queries for API clients.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{self, ClientStatus};
use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
    paging::PageRequest,
    policy::ClientScope,
};

/// An API client as stored (never with its secret).
#[derive(Debug, Clone)]
pub struct ApiClientRow {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<ClientScope>,
    pub status: ClientStatus,
    pub local_authorities: Vec<Uuid>,
    pub secret_rotated_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a token request checks.
pub struct Credentials {
    pub secret_hash: String,
    pub status: ClientStatus,
    pub scopes: Vec<ClientScope>,
}

/// What an authenticated client may currently do.
pub struct ActiveClient {
    pub scopes: Vec<ClientScope>,
    pub local_authorities: Vec<Uuid>,
}

const COLUMNS: &str = "c.id, c.name, c.scopes, c.status, c.secret_rotated_at, c.revoked_at, \
     c.created_at, c.updated_at";

fn row(r: &QueryResult) -> AppResult<ApiClientRow> {
    Ok(ApiClientRow {
        id: get(r, "id")?,
        name: get(r, "name")?,
        scopes: model::scopes_from_string(&get::<String>(r, "scopes")?)?,
        status: ClientStatus::parse(&get::<String>(r, "status")?)?,
        local_authorities: Vec::new(),
        secret_rotated_at: get(r, "secret_rotated_at")?,
        revoked_at: get(r, "revoked_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// Scalar subquery for other domains' statements: the name of the API
/// client with id `client` (an SQL expression of the caller's statement,
/// never user input); `NULL` when there is none.
pub(crate) fn client_name_sql(client: &str) -> String {
    format!("(SELECT cl_c.name FROM api_clients cl_c WHERE cl_c.id = {client})")
}

async fn with_authorities(
    db: &impl ConnectionTrait,
    mut rows: Vec<ApiClientRow>,
) -> AppResult<Vec<ApiClientRow>> {
    for client in &mut rows {
        client.local_authorities = authorities(db, client.id).await?;
    }
    Ok(rows)
}

async fn authorities(db: &impl ConnectionTrait, client_id: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT local_authority_id FROM api_client_authorities WHERE client_id = $1 \
         ORDER BY local_authority_id",
        vec![client_id.into()],
    )
    .await?;
    rows.iter()
        .map(|r| get(r, "local_authority_id"))
        .collect::<AppResult<Vec<Uuid>>>()
}

pub async fn credentials(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Credentials>> {
    let rows = query(
        db,
        "SELECT secret_hash, status, scopes FROM api_clients WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(Credentials {
        secret_hash: get(r, "secret_hash")?,
        status: ClientStatus::parse(&get::<String>(r, "status")?)?,
        scopes: model::scopes_from_string(&get::<String>(r, "scopes")?)?,
    }))
}

/// The client's current scopes and authorities, if it is active.
pub async fn active_client(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<ActiveClient>> {
    let rows = query(
        db,
        "SELECT c.scopes, a.local_authority_id FROM api_clients c \
         LEFT JOIN api_client_authorities a ON a.client_id = c.id \
         WHERE c.id = $1 AND c.status = 'active'",
        vec![id.into()],
    )
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let scopes: String = get(first, "scopes")?;
    let mut local_authorities = Vec::new();
    for r in &rows {
        if let Some(la) = get::<Option<Uuid>>(r, "local_authority_id")? {
            local_authorities.push(la);
        }
    }
    Ok(Some(ActiveClient {
        scopes: model::scopes_from_string(&scopes)?,
        local_authorities,
    }))
}

pub async fn client(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<ApiClientRow>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM api_clients c WHERE c.id = $1"),
        vec![id.into()],
    )
    .await?;
    let rows = rows.iter().map(row).collect::<AppResult<Vec<_>>>()?;
    Ok(with_authorities(db, rows).await?.into_iter().next())
}

/// Clients newest first (ids are time-ordered).
pub async fn clients_page(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> AppResult<Vec<ApiClientRow>> {
    let after = page.after_key::<Uuid>()?;
    let limit = page.sql_limit();
    let rows = match after {
        Some(after) => query(
            db,
            &format!(
                "SELECT {COLUMNS} FROM api_clients c WHERE c.id < $1 ORDER BY c.id DESC LIMIT $2"
            ),
            vec![after.into(), limit.into()],
        )
        .await?,
        None => {
            query(
                db,
                &format!("SELECT {COLUMNS} FROM api_clients c ORDER BY c.id DESC LIMIT $1"),
                vec![limit.into()],
            )
            .await?
        }
    };
    let rows = rows.iter().map(row).collect::<AppResult<Vec<_>>>()?;
    with_authorities(db, rows).await
}

pub struct NewClient<'a> {
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub scopes: &'a [ClientScope],
    pub local_authorities: &'a [Uuid],
    pub created_by: Uuid,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewClient<'_>) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO api_clients (id, name, secret_hash, scopes, status, created_by_account_id, \
         secret_rotated_at, revoked_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, NULL, $6, $6)",
        vec![
            id.into(),
            new.name.into(),
            new.secret_hash.into(),
            model::scopes_to_string(new.scopes).into(),
            new.created_by.into(),
            now.into(),
        ],
    )
    .await?;
    for la in new.local_authorities {
        exec(
            db,
            "INSERT INTO api_client_authorities (client_id, local_authority_id) VALUES ($1, $2)",
            vec![id.into(), (*la).into()],
        )
        .await?;
    }
    Ok(id)
}

/// Replaces an active client's secret; false when it is not active.
pub async fn rotate_secret(
    db: &impl ConnectionTrait,
    id: Uuid,
    secret_hash: &str,
) -> AppResult<bool> {
    let now = Utc::now();
    let result = exec(
        db,
        "UPDATE api_clients SET secret_hash = $2, secret_rotated_at = $3, updated_at = $3 \
         WHERE id = $1 AND status = 'active'",
        vec![id.into(), secret_hash.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes an active client; false when it was not active.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    let now = Utc::now();
    let result = exec(
        db,
        "UPDATE api_clients SET status = 'revoked', revoked_at = $2, updated_at = $2 \
         WHERE id = $1 AND status = 'active'",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}
