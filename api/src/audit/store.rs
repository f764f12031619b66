//! Reading the audit trail, always within a policy scope.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use crate::{db::raw::query, error::AppResult, paging::PageRequest, policy::Scope};

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

const SELECT: &str = "SELECT e.id, e.occurred_at, e.actor_account_id, e.actor_client_id, \
     e.on_behalf_of_person_id, e.action, e.record_type, e.record_id, e.fields, \
     e.subject_person_id, e.local_authority_id, e.request_id, \
     COALESCE(p.given_name || ' ' || p.family_name, c.name), \
     (SELECT g.role FROM role_grants g WHERE g.account_id = e.actor_account_id \
      ORDER BY g.created_at, g.id LIMIT 1), \
     (SELECT o.name FROM role_grants g JOIN organisations o ON o.id = g.organisation_id \
      WHERE g.account_id = e.actor_account_id ORDER BY g.created_at, g.id LIMIT 1) \
     FROM audit_events e \
     LEFT JOIN accounts a ON a.id = e.actor_account_id \
     LEFT JOIN people p ON p.id = a.person_id \
     LEFT JOIN api_clients c ON c.id = e.actor_client_id";

fn row(r: &QueryResult) -> AppResult<AuditRow> {
    let fields: String = r.try_get_by_index(8)?;
    Ok(AuditRow {
        id: r.try_get_by_index(0)?,
        occurred_at: r.try_get_by_index(1)?,
        actor_account_id: r.try_get_by_index(2)?,
        actor_client_id: r.try_get_by_index(3)?,
        on_behalf_of_person_id: r.try_get_by_index(4)?,
        action: r.try_get_by_index(5)?,
        record_type: r.try_get_by_index(6)?,
        record_id: r.try_get_by_index(7)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        subject_person_id: r.try_get_by_index(9)?,
        local_authority_id: r.try_get_by_index(10)?,
        request_id: r.try_get_by_index(11)?,
        actor_name: r.try_get_by_index(12)?,
        actor_role: r.try_get_by_index(13)?,
        actor_organisation: r.try_get_by_index(14)?,
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
    params.push(i64::try_from(page.fetch_limit()).unwrap_or(i64::MAX).into());
    let sql = format!(
        "{SELECT} WHERE {} ORDER BY e.id DESC LIMIT ${}",
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
