//! Sweeps: scheduled passes over tables of things due at a time (reminders,
//! advocacy timescales), run in every worker process on one tick. Each
//! sweep claims its due rows so that however many processes run it,
//! nothing is done twice; a sweep that returns a full batch runs again at
//! once.

use std::time::Duration;

use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::error::AppResult;

/// Rows a sweep handles per pass.
const BATCH: u64 = 100;

/// One sweep: its name (for logs) and a pass over at most `limit` rows,
/// returning how many it handled.
#[derive(Clone, Copy)]
pub struct Sweep {
    pub name: &'static str,
    pub pass: for<'a> fn(&'a DatabaseConnection, u64) -> BoxFuture<'a, AppResult<usize>>,
}

/// Runs every sweep each `every` until cancelled.
pub async fn run(
    db: DatabaseConnection,
    every: Duration,
    sweeps: &[Sweep],
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        for sweep in sweeps {
            loop {
                match (sweep.pass)(&db, BATCH).await {
                    Ok(done) if done as u64 >= BATCH => continue,
                    Ok(0) => break,
                    Ok(done) => {
                        tracing::debug!(sweep = sweep.name, done, "sweep pass");
                        break;
                    }
                    Err(err) => {
                        err.log();
                        break;
                    }
                }
            }
        }
    }
}
