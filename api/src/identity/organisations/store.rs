//! SQL for organisations and commissions (identity's own tables).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::Period;
use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get, unique},
    error::{AppError, AppResult},
    paging::PageRequest,
};

/// An organisation as stored.
#[derive(Debug, Clone)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub local_authority_id: Option<Uuid>,
    pub requires_second_factor: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ORG_COLUMNS: &str =
    "id, name, kind, local_authority_id, requires_second_factor, created_at, updated_at";

fn organisation_row(r: &QueryResult) -> AppResult<OrganisationRow> {
    Ok(OrganisationRow {
        id: get(r, "id")?,
        name: get(r, "name")?,
        kind: get(r, "kind")?,
        local_authority_id: get(r, "local_authority_id")?,
        requires_second_factor: get(r, "requires_second_factor")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub async fn organisation(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<OrganisationRow>> {
    let rows = query(
        db,
        &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    first(rows, organisation_row)
}

/// Another organisation with this name, whatever its case.
pub async fn name_taken(
    db: &impl ConnectionTrait,
    name: &str,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT id FROM organisations WHERE LOWER(name) = LOWER($1)",
        vec![name.into()],
    )
    .await?;
    let ids: Vec<Uuid> = all(rows, |r| get(r, "id"))?;
    Ok(ids.iter().any(|id| Some(*id) != except))
}

/// Inserts an organisation: a name taken meanwhile (the case-blind unique
/// index) is `CONFLICT`.
pub async fn insert(db: &impl ConnectionTrait, row: &OrganisationRow) -> AppResult<()> {
    let inserted = unique(
        exec(
        db,
        "INSERT INTO organisations (id, name, kind, local_authority_id, requires_second_factor, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            row.id.into(),
            row.name.clone().into(),
            row.kind.clone().into(),
            row.local_authority_id.into(),
            row.requires_second_factor.into(),
            row.created_at.into(),
            row.updated_at.into(),
        ],
    )
    .await,
    )?;
    name_kept(inserted, &row.name)
}

fn name_kept(written: bool, name: &str) -> AppResult<()> {
    if written {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "an organisation is already called \"{name}\""
        )))
    }
}

pub async fn update(db: &impl ConnectionTrait, row: &OrganisationRow) -> AppResult<()> {
    let written = unique(
        exec(
        db,
        "UPDATE organisations SET name = $2, kind = $3, local_authority_id = $4, updated_at = $5 \
         WHERE id = $1",
        vec![
            row.id.into(),
            row.name.clone().into(),
            row.kind.clone().into(),
            row.local_authority_id.into(),
            row.updated_at.into(),
        ],
    )
    .await,
    )?;
    name_kept(written, &row.name)
}

/// Holds the organisation's row until the transaction ends, so that two
/// commission changes of one organisation run one after the other (their
/// overlap checks see each other's periods). SQLite's write transactions
/// are serial already.
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE organisations SET updated_at = updated_at WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    Ok(())
}

/// The roles held in an organisation (each once).
pub async fn roles_held(db: &impl ConnectionTrait, organisation: Uuid) -> AppResult<Vec<String>> {
    let rows = query(
        db,
        "SELECT DISTINCT role FROM role_grants WHERE organisation_id = $1",
        vec![organisation.into()],
    )
    .await?;
    all(rows, |r| get(r, "role"))
}

/// A page of organisations by name (then id), of a kind and matching a
/// search of the name, if given. The cursor key is `id|name`.
pub async fn page(
    db: &impl ConnectionTrait,
    page: &PageRequest,
    kind: Option<&str>,
    search: Option<&str>,
) -> AppResult<Vec<OrganisationRow>> {
    let mut sql = format!("SELECT {ORG_COLUMNS} FROM organisations WHERE 1 = 1");
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let Some(kind) = kind {
        values.push(kind.into());
        sql.push_str(&format!(" AND kind = ${}", values.len()));
    }
    if let Some(search) = search {
        values.push(format!("%{}%", like_escape(&search.to_lowercase())).into());
        sql.push_str(&format!(
            " AND LOWER(name) LIKE ${} ESCAPE '\\'",
            values.len()
        ));
    }
    if let Some((id, name)) = page.after.as_deref().and_then(after_key) {
        values.push(name.into());
        let n = values.len();
        values.push(id.into());
        sql.push_str(&format!(
            " AND (name > ${n} OR (name = ${n} AND id > ${}))",
            n + 1
        ));
    } else if page.after.is_some() {
        return Err(AppError::bad_input(
            "after",
            "is not a cursor from this list",
        ));
    }
    values.push(page.sql_limit().into());
    sql.push_str(&format!(" ORDER BY name, id LIMIT ${}", values.len()));
    let rows = query(db, &sql, values).await?;
    all(rows, organisation_row)
}

/// The cursor key of an organisation in [`page`].
pub fn key(row: &OrganisationRow) -> String {
    format!("{}|{}", row.id, row.name)
}

fn after_key(key: &str) -> Option<(Uuid, String)> {
    let (id, name) = key.split_once('|')?;
    Some((id.parse().ok()?, name.to_string()))
}

/// `%`, `_` and `\` matched literally in a `LIKE ... ESCAPE '\'` pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A commission period as stored.
#[derive(Debug, Clone)]
pub struct CommissionRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub local_authority_id: Uuid,
    pub service: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CommissionRow {
    pub fn period(&self) -> Period {
        Period {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        }
    }
}

const COMMISSION_COLUMNS: &str = "id, organisation_id, local_authority_id, service, starts_on, \
                                  ends_on, created_at, updated_at";

fn commission_row(r: &QueryResult) -> AppResult<CommissionRow> {
    Ok(CommissionRow {
        id: get(r, "id")?,
        organisation_id: get(r, "organisation_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        service: get(r, "service")?,
        starts_on: get(r, "starts_on")?,
        ends_on: get(r, "ends_on")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub async fn commission(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<CommissionRow>> {
    let rows = query(
        db,
        &format!("SELECT {COMMISSION_COLUMNS} FROM commissions WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    first(rows, commission_row)
}

/// The periods of one organisation's commission by an authority for a
/// service, earliest first.
pub async fn periods(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    local_authority: Uuid,
    service: &str,
) -> AppResult<Vec<CommissionRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COMMISSION_COLUMNS} FROM commissions WHERE organisation_id = $1 \
             AND local_authority_id = $2 AND service = $3 ORDER BY starts_on, id"
        ),
        vec![organisation.into(), local_authority.into(), service.into()],
    )
    .await?;
    all(rows, commission_row)
}

/// Every commission period of these organisations, by organisation, then
/// authority, service and start.
pub async fn commissions_of(
    db: &impl ConnectionTrait,
    organisations: &[Uuid],
) -> AppResult<Vec<CommissionRow>> {
    if organisations.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=organisations.len()).map(|i| format!("${i}")).collect();
    let rows = query(
        db,
        &format!(
            "SELECT {COMMISSION_COLUMNS} FROM commissions WHERE organisation_id IN ({}) \
             ORDER BY organisation_id, local_authority_id, service, starts_on, id",
            placeholders.join(", ")
        ),
        organisations.iter().map(|id| (*id).into()).collect(),
    )
    .await?;
    all(rows, commission_row)
}

/// The services an organisation is commissioned for (any period).
pub async fn services_of(db: &impl ConnectionTrait, organisation: Uuid) -> AppResult<Vec<String>> {
    let rows = query(
        db,
        "SELECT DISTINCT service FROM commissions WHERE organisation_id = $1",
        vec![organisation.into()],
    )
    .await?;
    all(rows, |r| get(r, "service"))
}

pub async fn insert_commission(db: &impl ConnectionTrait, row: &CommissionRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO commissions (id, organisation_id, local_authority_id, service, starts_on, \
         ends_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        vec![
            row.id.into(),
            row.organisation_id.into(),
            row.local_authority_id.into(),
            row.service.clone().into(),
            row.starts_on.into(),
            row.ends_on.into(),
            row.created_at.into(),
            row.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_commission_end(
    db: &impl ConnectionTrait,
    id: Uuid,
    ends_on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE commissions SET ends_on = $2, updated_at = $3 WHERE id = $1",
        vec![id.into(), ends_on.into(), now.into()],
    )
    .await?;
    Ok(())
}
