//! The offer sweep: offers that ran out move to expired and their place
//! is offered to the next person waiting. Runs in every worker process on
//! the scheduler's tick; each offer expires once however many run (the
//! claim locks and skips on PostgreSQL, SQLite serialises writers, and
//! the next offer commits with the claim).

use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::{service::offer_next, store};
use crate::{db::begin_write, error::AppResult, training::catalogue::store as catalogue};

/// Expires up to `limit` offers that ran out; returns how many.
pub async fn sweep(db: &DatabaseConnection, limit: u64) -> AppResult<usize> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let expired = store::claim_expired(&txn, now, limit).await?;
    for booking in &expired {
        store::release_place(&txn, booking.session_id).await?;
        if let Some(row) = catalogue::session(&txn, booking.session_id, None).await? {
            offer_next(&txn, &row, now).await?;
        }
    }
    txn.commit().await?;
    Ok(expired.len())
}
