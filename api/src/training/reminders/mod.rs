//! Training reminders, swept on the scheduler's tick in every worker
//! process, each sent exactly once however many run: the claim marks the
//! booking (`offer_reminded_at`, `day_before_reminded_at`) and the
//! notification is written in the same transaction (rows locked and
//! skipped on PostgreSQL; SQLite serialises writers).
//!
//! - An offer expiring within 6 hours, when its hold was longer than 12
//!   hours (a shorter hold was already short when it was offered).
//! - The day before: a booked place on a scheduled session starting within
//!   24 hours. If the session is later moved to a later time, so that the
//!   reminder went more than 24 hours before the new start, it goes again
//!   for the new time; moved earlier, it does not (the change's own notice
//!   tells the person the new time).
//!
//! Both are `TrainingReminder` notifications, so they honour the person's
//! channels and quiet hours (through `notify`) and carry no `.ics`.

mod store;

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::{bookings::store as bookings, catalogue::store as catalogue, notices};
use crate::{db::begin_write, error::AppResult};

/// How long before an offer runs out its reminder goes.
pub const OFFER_REMINDER: Duration = Duration::hours(6);
/// Holds at most this long get no "expiring" reminder.
pub const SHORT_HOLD: Duration = Duration::hours(12);
/// How long before a session its reminder goes.
pub const DAY_BEFORE: Duration = Duration::hours(24);

/// Records when a place was offered (the start of its hold), with the offer.
pub(in crate::training) async fn offered_at(
    db: &impl ConnectionTrait,
    booking: Uuid,
    at: chrono::DateTime<Utc>,
) -> AppResult<()> {
    store::set_offered_at(db, booking, at).await
}

/// Reminds up to `limit` people whose offered place is held for less than
/// 6 more hours; returns how many.
pub async fn offers_expiring(db: &DatabaseConnection, limit: u64) -> AppResult<usize> {
    let txn = begin_write(db).await?;
    let claimed = store::claim_offers_expiring(&txn, Utc::now(), limit).await?;
    for id in &claimed {
        remind(&txn, *id, Reminder::OfferExpiring).await?;
    }
    txn.commit().await?;
    Ok(claimed.len())
}

/// Reminds up to `limit` people booked on sessions starting within a day;
/// returns how many.
pub async fn day_before(db: &DatabaseConnection, limit: u64) -> AppResult<usize> {
    let txn = begin_write(db).await?;
    let claimed = store::claim_day_before(&txn, Utc::now(), limit).await?;
    for id in &claimed {
        remind(&txn, *id, Reminder::DayBefore).await?;
    }
    txn.commit().await?;
    Ok(claimed.len())
}

#[derive(Clone, Copy)]
enum Reminder {
    OfferExpiring,
    DayBefore,
}

/// Sends one claimed reminder under a savepoint: one that fails is logged
/// and stays marked (it is not retried on every tick, holding up the
/// rest), and the others still go.
async fn remind(txn: &DatabaseTransaction, id: Uuid, reminder: Reminder) -> AppResult<()> {
    let Some(booking) = bookings::booking(txn, id).await? else {
        return Ok(());
    };
    let Some(row) = catalogue::session(txn, booking.session_id, None).await? else {
        return Ok(());
    };
    let savepoint = txn.begin().await?;
    let sent = match (reminder, booking.offered_until) {
        (Reminder::OfferExpiring, Some(until)) => {
            notices::offer_expiring(&savepoint, &booking, &row, until).await
        }
        (Reminder::OfferExpiring, None) => Ok(()),
        (Reminder::DayBefore, _) => notices::day_before(&savepoint, &booking, &row).await,
    };
    match sent {
        Ok(()) => savepoint.commit().await?,
        Err(err) => {
            savepoint.rollback().await?;
            err.log();
        }
    }
    Ok(())
}
