//! Records of reads, group-committed. Every request that reads sensitive
//! records waits until its records are committed before it answers (as
//! [`super::record_many`] does), but the records of requests that arrive
//! together share one statement and one commit: one writer task takes
//! whatever is waiting when it is free, so batches grow with load and a
//! lone request waits no longer than its own insert. A commit (its WAL
//! flush) per read was the largest single cost of a read on PostgreSQL.

use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::{AuditEntry, ROWS_PER_STATEMENT, Row, insert_rows, row};
use crate::error::{AppError, AppResult};

/// Most records one batch commits (a few statements' worth).
const ROWS_PER_BATCH: usize = 4 * ROWS_PER_STATEMENT;
/// Requests that may wait for the writer before senders wait for room.
const QUEUE: usize = 1024;

struct Pending {
    rows: Vec<Row>,
    done: oneshot::Sender<Result<(), Failure>>,
}

/// Why a batch was not committed (the cause is logged by the writer).
#[derive(Debug, Clone, Copy)]
enum Failure {
    Unavailable,
    Internal,
}

impl From<Failure> for AppError {
    fn from(failure: Failure) -> Self {
        let cause = anyhow::anyhow!("recording reads failed (the audit writer logged why)");
        match failure {
            Failure::Unavailable => AppError::Unavailable(cause),
            Failure::Internal => AppError::Internal(cause),
        }
    }
}

/// The handle requests record their reads through. Cloning is cheap; the
/// writer stops when the last handle is dropped.
#[derive(Clone)]
pub struct ReadAudit {
    sender: mpsc::Sender<Pending>,
}

impl ReadAudit {
    /// Starts the writer on the current runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write(db, receiver));
        ReadAudit { sender }
    }

    /// Records these reads; returns once they are committed. If they could
    /// not be, the read must fail: nothing read goes unrecorded.
    pub async fn record(&self, entries: &[AuditEntry<'_>]) -> AppResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let now = chrono::Utc::now();
        let rows = entries.iter().map(|e| row(e, now)).collect();
        let (done, committed) = oneshot::channel();
        let stopped = || AppError::Unavailable(anyhow::anyhow!("the audit writer has stopped"));
        self.sender
            .send(Pending { rows, done })
            .await
            .map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?.map_err(Into::into)
    }
}

/// The writer: one batch at a time, each everything waiting (up to
/// [`ROWS_PER_BATCH`]) in one transaction.
async fn write(db: DatabaseConnection, mut receiver: mpsc::Receiver<Pending>) {
    while let Some(first) = receiver.recv().await {
        let mut count = first.rows.len();
        let mut batch = vec![first];
        while count < ROWS_PER_BATCH {
            match receiver.try_recv() {
                Ok(next) => {
                    count += next.rows.len();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        let rows: Vec<Row> = batch
            .iter_mut()
            .flat_map(|p| std::mem::take(&mut p.rows))
            .collect();
        let result = commit(&db, rows).await.map_err(|err| {
            // Logged by kind (ERROR for a fault, WARN for an outage), by its
            // Display form: a database error's Debug form can carry values.
            err.log();
            tracing::warn!(records = count, "recording reads failed");
            match err {
                AppError::Unavailable(_) => Failure::Unavailable,
                _ => Failure::Internal,
            }
        });
        for pending in batch {
            // A request that went away no longer waits: nothing to tell it.
            let _ = pending.done.send(result);
        }
    }
}

async fn commit(db: &DatabaseConnection, rows: Vec<Row>) -> AppResult<()> {
    if rows.len() <= ROWS_PER_STATEMENT {
        return insert_rows(db, rows).await;
    }
    let txn = db.begin().await?;
    insert_rows(&txn, rows).await?;
    txn.commit().await?;
    Ok(())
}
