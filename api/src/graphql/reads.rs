//! Read auditing for resolvers, one way for every domain: which fields a
//! query selected, and recording that the viewer read these records (these
//! fields of them) before the response leaves (`audit::reads` group-commits
//! them; if they cannot be recorded, the read fails).

use async_graphql::SelectionField;
use uuid::Uuid;

use super::context::RequestCtx;
use crate::{
    audit::{AuditAction, AuditEntry},
    error::AppResult,
};

/// One record read: whose it is, which authority holds it, and the fields
/// of it released to the viewer.
pub struct Read<'a> {
    pub id: Uuid,
    pub person: Option<Uuid>,
    pub local_authority: Option<Uuid>,
    pub fields: &'a [&'a str],
}

/// Records that the viewer read `reads` (`action` on records of
/// `record_type`), before the response leaves.
pub async fn record<'a>(
    request: &RequestCtx,
    action: AuditAction,
    record_type: &str,
    reads: impl IntoIterator<Item = Read<'a>>,
) -> AppResult<()> {
    let by = by(request, action);
    let entries: Vec<AuditEntry<'_>> = reads
        .into_iter()
        .map(|read| AuditEntry {
            record_type,
            record_id: Some(read.id),
            fields: read.fields,
            subject_person: read.person,
            local_authority: read.local_authority,
            ..by.clone()
        })
        .collect();
    request.reads.record(&entries).await
}

/// Who did `action` in this request: the start of every read's audit
/// entry (for reads that build their entries elsewhere, such as a report
/// shared with the command line).
pub fn by(request: &RequestCtx, action: AuditAction) -> AuditEntry<'_> {
    let (actor_account, actor_client) = request.viewer.actor();
    AuditEntry {
        actor_account,
        actor_client,
        ..AuditEntry::new(action, &request.request_id)
    }
}

/// The names of the fields selected under `field` along `path` (fragments
/// included, `__typename` and other meta fields left out), added to `out`
/// once each.
pub fn selected(field: SelectionField<'_>, path: &[&str], out: &mut Vec<String>) {
    match path.split_first() {
        None => {
            for child in field.selection_set() {
                let name = child.name();
                if !name.starts_with("__") && !out.iter().any(|n| n == name) {
                    out.push(name.to_string());
                }
            }
        }
        Some((head, rest)) => {
            for child in field.selection_set().filter(|c| c.name() == *head) {
                selected(child, rest, out);
            }
        }
    }
}

/// [`selected`] as borrowed names, for [`Read::fields`].
pub fn names(fields: &[String]) -> Vec<&str> {
    fields.iter().map(String::as_str).collect()
}
