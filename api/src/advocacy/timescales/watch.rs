//! The watcher: tells the provider's managers once when a request's
//! timescale becomes at risk and once when it is breached, and the
//! advocate once the working day before first contact is due. Runs in
//! every worker process on the scheduler's tick; each notice goes once
//! however many run (claims lock or serialise their rows, and the notice
//! commits with its claim).

use chrono::Utc;
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::store::{self, Alarm, Rung};
use crate::advocacy::{notices, requests::store::request};
use crate::{
    db::begin_write,
    error::AppResult,
    identity::{directory, model::Role},
};

/// Tells up to `limit` alarms of each kind that went off; returns how many.
pub async fn sweep(db: &DatabaseConnection, limit: u64) -> AppResult<usize> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let mut told = 0;
    // Breaches first: a clock found already breached is not also told it
    // is at risk.
    for alarm in [Alarm::Breached, Alarm::AtRisk, Alarm::DueSoon] {
        let rungs = store::claim(&txn, alarm, now, limit).await?;
        told += rungs.len();
        for rung in &rungs {
            // One notice that cannot be made must not hold up the rest: it
            // is logged and stays claimed.
            let savepoint = txn.begin().await?;
            match tell(&savepoint, alarm, rung, now).await {
                Ok(()) => savepoint.commit().await?,
                Err(err) => {
                    savepoint.rollback().await?;
                    err.log();
                }
            }
        }
    }
    txn.commit().await?;
    Ok(told)
}

async fn tell(
    db: &impl sea_orm::ConnectionTrait,
    alarm: Alarm,
    rung: &Rung,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let Some(row) = request(db, rung.request_id).await? else {
        return Ok(());
    };
    let people = match alarm {
        Alarm::AtRisk | Alarm::Breached => {
            directory::role_holders_at(db, Role::AdvocacyManager, row.provider_id).await?
        }
        // Only while it can still be met.
        Alarm::DueSoon if rung.due_at >= now => row.advocate_person_id.into_iter().collect(),
        Alarm::DueSoon => Vec::new(),
    };
    for person in people {
        notices::timescale(db, &row, person, alarm, rung).await?;
    }
    Ok(())
}
