//! The audit trail: who did (or read) what to which record, on whose
//! behalf, in which request. Append-only: the database refuses updates and
//! deletes (see the identity migration). Writes are recorded in the same
//! transaction as the change they describe. Reads of sensitive records are
//! recorded before the response leaves (see [`record_many`]): if the audit
//! write fails, the read fails, and nothing read is ever unrecorded, even
//! when the process stops right after.

pub mod graphql;
pub mod store;
pub mod words;

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

const COLUMNS: usize = 11;

fn values(entry: &AuditEntry<'_>, now: chrono::DateTime<chrono::Utc>) -> Vec<sea_orm::Value> {
    let fields = serde_json::to_string(entry.fields).unwrap_or_else(|_| "[]".into());
    vec![
        now.into(),
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
    ]
}

pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> AppResult<()> {
    record_many(db, std::slice::from_ref(&entry)).await
}

/// Appends several records in one statement (a page of reads, say).
pub async fn record_many(db: &impl ConnectionTrait, entries: &[AuditEntry<'_>]) -> AppResult<()> {
    // Well within both backends' bind-parameter limits per statement.
    for chunk in entries.chunks(500) {
        let now = chrono::Utc::now();
        let mut sql = String::from(
            "INSERT INTO audit_events (occurred_at, actor_account_id, actor_client_id, \
             on_behalf_of_person_id, action, record_type, record_id, fields, subject_person_id, \
             local_authority_id, request_id) VALUES ",
        );
        let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
        for (i, entry) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let placeholders: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", i * COLUMNS + c))
                .collect();
            sql.push('(');
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
            params.extend(values(entry, now));
        }
        exec(db, &sql, params).await?;
    }
    Ok(())
}
