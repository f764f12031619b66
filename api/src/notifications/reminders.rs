//! Scheduled reminders: "tell this person this at that time". Domains
//! schedule them in their own transactions (a check-in booked, a training
//! place taken); the scheduler turns due ones into notifications exactly
//! once, however many workers run it: claiming a reminder and creating its
//! notification happen in one transaction, and concurrent schedulers skip
//! rows another has locked (PostgreSQL) or wait their turn (SQLite, one
//! writer). One reminder per person and collapse key: scheduling again
//! reschedules it, and the notification it makes replaces the earlier one
//! with the same key.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use super::{
    model::Kind,
    service::{self, NewNotification},
};
use crate::{
    db::{
        begin_write,
        claim::Claim,
        raw::{exec, query},
    },
    error::{AppError, AppResult},
};

/// A reminder to schedule.
pub struct NewReminder<'a> {
    pub person_id: Uuid,
    pub kind: Kind,
    pub title: &'a str,
    pub body: &'a str,
    pub subject: Option<(&'a str, Uuid)>,
    /// Identifies the thing reminded about, e.g. `check-in:<id>`.
    pub collapse_key: &'a str,
    pub due_at: DateTime<Utc>,
}

/// Schedules (or reschedules) a reminder, in the caller's transaction.
/// Scheduling a sent reminder again for the same time changes its words
/// but does not send it again; a new time makes it pending again.
pub async fn schedule(db: &impl ConnectionTrait, reminder: NewReminder<'_>) -> AppResult<()> {
    if reminder.collapse_key.is_empty() || reminder.collapse_key.len() > 200 {
        return Err(AppError::internal(anyhow::anyhow!(
            "reminder collapse keys are 1 to 200 bytes"
        )));
    }
    // The same rules notify() applies, checked now rather than at send time.
    let title = reminder.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::internal(anyhow::anyhow!(
            "reminder titles are 1 to 200 characters"
        )));
    }
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO reminders (id, person_id, kind, title, body, subject_type, subject_id, \
         collapse_key, due_at, state, sent_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', NULL, $10, $10) \
         ON CONFLICT (person_id, collapse_key) DO UPDATE SET kind = excluded.kind, \
         title = excluded.title, body = excluded.body, subject_type = excluded.subject_type, \
         subject_id = excluded.subject_id, due_at = excluded.due_at, \
         state = CASE WHEN reminders.state = 'sent' AND reminders.due_at = excluded.due_at \
                 THEN 'sent' ELSE 'pending' END, \
         sent_at = CASE WHEN reminders.state = 'sent' AND reminders.due_at = excluded.due_at \
                   THEN reminders.sent_at ELSE NULL END, \
         updated_at = excluded.updated_at",
        vec![
            Uuid::now_v7().into(),
            reminder.person_id.into(),
            reminder.kind.as_str().into(),
            title.into(),
            reminder.body.into(),
            reminder.subject.map(|(t, _)| t.to_string()).into(),
            reminder.subject.map(|(_, id)| id).into(),
            reminder.collapse_key.into(),
            reminder.due_at.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Cancels a pending reminder (the thing it was about went away).
pub async fn cancel(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    collapse_key: &str,
) -> AppResult<bool> {
    let result = exec(
        db,
        "UPDATE reminders SET state = 'cancelled', updated_at = $3 \
         WHERE person_id = $1 AND collapse_key = $2 AND state = 'pending'",
        vec![person_id.into(), collapse_key.into(), Utc::now().into()],
    )
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A claimed reminder, read by column name (the `RETURNING` list).
#[derive(FromQueryResult)]
struct Due {
    person_id: Uuid,
    kind: String,
    title: String,
    body: String,
    subject_type: Option<String>,
    subject_id: Option<Uuid>,
    collapse_key: String,
}

/// Sends up to `limit` due reminders; returns how many.
pub async fn send_due(db: &DatabaseConnection, limit: u64) -> AppResult<usize> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let sql = Claim {
        table: "reminders",
        key: &["id"],
        due: "SELECT id FROM reminders WHERE state = 'pending' AND due_at <= $1 \
              ORDER BY due_at LIMIT $2",
        lock_of: None,
        set: "state = 'sent', sent_at = $1, updated_at = $1",
        returning: "person_id, kind, title, body, subject_type, subject_id, collapse_key",
    }
    .sql(txn.get_database_backend());
    let rows = query(
        &txn,
        &sql,
        vec![now.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()],
    )
    .await?;
    let due = rows
        .iter()
        .map(|r| Due::from_query_result(r, ""))
        .collect::<Result<Vec<Due>, _>>()?;
    let mut failed = Vec::new();
    for reminder in &due {
        let Ok(kind) = Kind::parse(&reminder.kind) else {
            tracing::error!(kind = reminder.kind, "reminder of an unknown kind skipped");
            failed.push(reminder);
            continue;
        };
        // One bad reminder must not hold up the rest: each is sent under a
        // savepoint, and one that fails is marked failed (and logged).
        let savepoint = txn.begin().await?;
        let sent = service::notify(
            &savepoint,
            NewNotification {
                person_id: reminder.person_id,
                kind,
                title: &reminder.title,
                body: &reminder.body,
                subject: reminder.subject_type.as_deref().zip(reminder.subject_id),
                collapse_key: Some(&reminder.collapse_key),
            },
        )
        .await;
        match sent {
            Ok(_) => savepoint.commit().await?,
            Err(err) => {
                savepoint.rollback().await?;
                err.log();
                failed.push(reminder);
            }
        }
    }
    for reminder in &failed {
        exec(
            &txn,
            "UPDATE reminders SET state = 'failed', updated_at = $3 \
             WHERE person_id = $1 AND collapse_key = $2",
            vec![
                reminder.person_id.into(),
                reminder.collapse_key.clone().into(),
                now.into(),
            ],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(due.len())
}
