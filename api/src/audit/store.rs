//! Reading the audit trail, always within a policy scope.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use crate::{
    clients,
    db::{raw::query, rows::get},
    error::{AppError, AppResult},
    identity::directory,
    paging::PageRequest,
    policy::Scope,
};

/// An audit record with the actor's display details.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_account_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    pub on_behalf_of_person_id: Option<Uuid>,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<Uuid>,
    pub fields: Vec<String>,
    pub subject_person_id: Option<Uuid>,
    pub local_authority_id: Option<Uuid>,
    pub request_id: String,
    /// The acting person's name, or the client's name.
    pub actor_name: Option<String>,
    /// The actor's first role and its organisation.
    pub actor_role: Option<String>,
    pub actor_organisation: Option<String>,
}

/// The trail's columns, with the actor's name, first role and its
/// organisation from identity (or the client's name from clients), through
/// the fragments those domains export: one statement per page.
fn select() -> String {
    let account = "e.actor_account_id";
    format!(
        "SELECT e.id, e.occurred_at, e.actor_account_id, e.actor_client_id, \
         e.on_behalf_of_person_id, e.action, e.record_type, e.record_id, e.fields, \
         e.subject_person_id, e.local_authority_id, e.request_id, \
         COALESCE({}, {}) AS actor_name, {} AS actor_role, {} AS actor_organisation \
         FROM audit_events e",
        directory::account_holder_name_sql(account),
        clients::store::client_name_sql("e.actor_client_id"),
        directory::account_first_role_sql(account),
        directory::account_first_role_organisation_sql(account),
    )
}

fn row(r: &QueryResult) -> AppResult<AuditRow> {
    let fields: String = get(r, "fields")?;
    let fields = serde_json::from_str(&fields).map_err(|err| {
        AppError::internal(anyhow::anyhow!("unreadable audit_events.fields: {err}"))
    })?;
    Ok(AuditRow {
        id: get(r, "id")?,
        occurred_at: get(r, "occurred_at")?,
        actor_account_id: get(r, "actor_account_id")?,
        actor_client_id: get(r, "actor_client_id")?,
        on_behalf_of_person_id: get(r, "on_behalf_of_person_id")?,
        action: get(r, "action")?,
        record_type: get(r, "record_type")?,
        record_id: get(r, "record_id")?,
        fields,
        subject_person_id: get(r, "subject_person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        request_id: get(r, "request_id")?,
        actor_name: get(r, "actor_name")?,
        actor_role: get(r, "actor_role")?,
        actor_organisation: get(r, "actor_organisation")?,
    })
}

/// Newest first, keyset by id, with extra conditions joined by AND.
async fn page_where(
    db: &impl ConnectionTrait,
    conditions: Vec<String>,
    mut params: Vec<Value>,
    page: &PageRequest,
) -> AppResult<Vec<AuditRow>> {
    let mut conditions = conditions;
    if let Some(after) = page.after_key::<i64>()? {
        params.push(after.into());
        conditions.push(format!("e.id < ${}", params.len()));
    }
    params.push(page.sql_limit().into());
    let sql = format!(
        "{} WHERE {} ORDER BY e.id DESC LIMIT ${}",
        select(),
        conditions.join(" AND "),
        params.len()
    );
    let rows = query(db, &sql, params).await?;
    rows.iter().map(row).collect()
}

/// One authority's trail, if the scope reaches it (otherwise no rows).
pub async fn authority_trail(
    db: &impl ConnectionTrait,
    scope: &Scope,
    authority: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<AuditRow>> {
    if !scope.everything && !scope.local_authorities.contains(&authority) {
        return Ok(Vec::new());
    }
    page_where(
        db,
        vec!["e.local_authority_id = $1".into()],
        vec![authority.into()],
        page,
    )
    .await
}

/// What happened to a person's records, by others, and the person's own
/// sign-ins and sign-outs; the person's own reads and changes are left out. Only the person in the
/// scope (the viewer) can be asked about.
pub async fn person_activity(
    db: &impl ConnectionTrait,
    scope: &Scope,
    own_account: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<AuditRow>> {
    let Some(person) = scope.own_person else {
        return Ok(Vec::new());
    };
    page_where(
        db,
        vec![
            "e.subject_person_id = $1".into(),
            "(e.actor_account_id IS NULL OR e.actor_account_id <> $2 OR e.action LIKE 'session.%')"
                .into(),
        ],
        vec![person.into(), own_account.into()],
        page,
    )
    .await
}
