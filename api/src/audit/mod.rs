//! The audit trail: who did (or read) what to which record, on whose
//! behalf, in which request. Append-only: the database refuses updates and
//! deletes (see the identity migration). Writes are recorded in the same
//! transaction as the change they describe. Reads of sensitive records are
//! recorded before the response leaves (see [`reads`]): if the audit
//! write fails, the read fails, and nothing read is ever unrecorded, even
//! when the process stops right after.

pub mod actions;
pub mod graphql;
pub mod reads;
pub mod schema;
pub mod store;
pub mod words;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

pub use actions::AuditAction;

use crate::{db::raw::exec, error::AppResult};

#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_account: Option<Uuid>,
    pub actor_client: Option<Uuid>,
    pub on_behalf_of: Option<Uuid>,
    /// What was done (stored as its code, e.g. `plan.read`).
    pub action: AuditAction,
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

impl<'a> AuditEntry<'a> {
    /// An entry for `action` in request `request_id`, the rest to be filled
    /// in (`AuditEntry { record_id: ..., ..AuditEntry::new(action, id) }`).
    pub fn new(action: AuditAction, request_id: &'a str) -> Self {
        AuditEntry {
            actor_account: None,
            actor_client: None,
            on_behalf_of: None,
            action,
            record_type: "",
            record_id: None,
            fields: &[],
            subject_person: None,
            local_authority: None,
            request_id,
        }
    }
}

const COLUMNS: usize = 11;
/// Rows per INSERT: well within both backends' bind-parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

/// One record's column values, in [`INSERT`]'s order.
type Row = [sea_orm::Value; COLUMNS];

const INSERT: &str = "INSERT INTO audit_events (occurred_at, actor_account_id, actor_client_id, \
     on_behalf_of_person_id, action, record_type, record_id, fields, subject_person_id, \
     local_authority_id, request_id) VALUES ";

fn row(entry: &AuditEntry<'_>, now: chrono::DateTime<chrono::Utc>) -> Row {
    let fields = serde_json::to_string(entry.fields).unwrap_or_else(|_| "[]".into());
    [
        now.into(),
        entry.actor_account.into(),
        entry.actor_client.into(),
        entry.on_behalf_of.into(),
        entry.action.as_str().into(),
        entry.record_type.into(),
        entry.record_id.into(),
        fields.into(),
        entry.subject_person.into(),
        entry.local_authority.into(),
        entry.request_id.chars().take(64).collect::<String>().into(),
    ]
}

/// Inserts rows, [`ROWS_PER_STATEMENT`] per statement.
async fn insert_rows(db: &impl ConnectionTrait, rows: Vec<Row>) -> AppResult<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = String::from(INSERT);
        let mut params = Vec::with_capacity(ROWS_PER_STATEMENT * COLUMNS);
        for (i, row) in rows.by_ref().take(ROWS_PER_STATEMENT).enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 1..=COLUMNS {
                if c > 1 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * COLUMNS + c));
            }
            sql.push(')');
            params.extend(row);
        }
        exec(db, &sql, params).await?;
    }
    Ok(())
}

pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> AppResult<()> {
    record_many(db, std::slice::from_ref(&entry)).await
}

/// Appends several records (a page of reads, say) on `db`: in the caller's
/// transaction for a change; for reads see [`reads::ReadAudit`].
pub async fn record_many(db: &impl ConnectionTrait, entries: &[AuditEntry<'_>]) -> AppResult<()> {
    let now = chrono::Utc::now();
    insert_rows(db, entries.iter().map(|e| row(e, now)).collect()).await
}
