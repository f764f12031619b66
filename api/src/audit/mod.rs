//! The audit trail: who did (or read) what to which record, on whose
//! behalf, in which request. Append-only: the database refuses updates and
//! deletes (see the identity migration). Writes are recorded in the same
//! transaction as the change they describe.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{db::raw::exec, error::AppResult};

#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub actor_account: Option<Uuid>,
    pub actor_client: Option<Uuid>,
    pub on_behalf_of: Option<Uuid>,
    /// `domain.verb`, e.g. `session.create`, `plan.read`.
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: Option<Uuid>,
    /// The fields read or changed.
    pub fields: &'a [&'a str],
    /// Whose record it is (for a young person's own activity log).
    pub subject_person: Option<Uuid>,
    /// The authority the record belongs to (for managers' trails).
    pub local_authority: Option<Uuid>,
    pub request_id: &'a str,
}

pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> AppResult<()> {
    let fields = serde_json::to_string(entry.fields).unwrap_or_else(|_| "[]".into());
    exec(
        db,
        "INSERT INTO audit_events (occurred_at, actor_account_id, actor_client_id, on_behalf_of_person_id, \
         action, record_type, record_id, fields, subject_person_id, local_authority_id, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        vec![
            chrono::Utc::now().into(),
            entry.actor_account.into(),
            entry.actor_client.into(),
            entry.on_behalf_of.into(),
            entry.action.into(),
            entry.record_type.into(),
            entry.record_id.into(),
            fields.into(),
            entry.subject_person.into(),
            entry.local_authority.into(),
            entry.request_id.chars().take(64).collect::<String>().into(),
        ],
    )
    .await?;
    Ok(())
}
