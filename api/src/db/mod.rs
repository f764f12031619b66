//! Database access: connecting (SQLite or PostgreSQL, chosen by URL),
//! readiness, migrations and the generated entities.

pub mod claim;
pub mod entities;
pub mod raw;
pub mod rows;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::{config::DatabaseSettings, metrics::Metrics};

fn options(
    settings: &DatabaseSettings,
    max_connections: u32,
    statement_timeout: bool,
) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.url.expose().clone());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .sqlx_logging(false)
        .set_application_name("closeknit");
    if statement_timeout {
        options.statement_timeout(settings.statement_timeout);
    }
    let busy_timeout = settings.acquire_timeout.max(Duration::from_secs(5));
    options.map_sqlx_sqlite_opts(move |o| {
        o.create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
    });
    options
}

/// Opens the pool. SQLite gets WAL, foreign keys, a busy timeout and a
/// created-if-missing file; PostgreSQL gets a statement timeout. Both get a
/// short acquire timeout so an unreachable database fails fast.
pub async fn connect(
    settings: &DatabaseSettings,
    metrics: Option<Metrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut db = Database::connect(options(settings, settings.max_connections, true)).await?;
    if let Some(metrics) = metrics {
        db.set_metric_callback(move |info| metrics.observe_statement(info.elapsed, info.failed));
    }
    Ok(db)
}

/// A single connection for schema changes: no statement timeout (an index
/// build may take longer than any request should), holding the migration
/// lock so that several replicas starting at once migrate one at a time.
pub struct MigrationConnection {
    pub db: DatabaseConnection,
}

/// Arbitrary, fixed key of the PostgreSQL advisory lock around migrations.
const MIGRATION_LOCK: i64 = 0x636c_6f73_656b_6e69;

impl MigrationConnection {
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, DbErr> {
        let db = Database::connect(options(settings, 1, false)).await?;
        if is_postgres(&db) {
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_lock($1)",
                [MIGRATION_LOCK.into()],
            ))
            .await?;
        }
        Ok(MigrationConnection { db })
    }

    /// Releases the lock (closing the connection would too).
    pub async fn close(self) -> Result<(), DbErr> {
        if is_postgres(&self.db) {
            self.db
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_unlock($1)",
                    [MIGRATION_LOCK.into()],
                ))
                .await?;
        }
        self.db.close().await
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// up front (`BEGIN IMMEDIATE`), so a read-then-write transaction waits for
/// other writers instead of failing with a stale snapshot.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Applies pending migrations. Returns true when the database was empty
/// before (so the caller may load demo data into it).
pub async fn migrate(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let fresh = Migrator::get_applied_migrations(db).await?.is_empty();
    Migrator::up(db, None).await?;
    Ok(fresh)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    Unreachable(String),
    PendingMigrations(Vec<String>),
}

/// Readiness: the database answers and no migration is pending.
pub async fn readiness(db: &DatabaseConnection) -> Readiness {
    let ping = db
        .execute_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT 1",
        ))
        .await;
    if let Err(err) = ping {
        return Readiness::Unreachable(err.to_string());
    }
    match Migrator::get_pending_migrations_read_only(db).await {
        Ok(pending) if pending.is_empty() => Readiness::Ready,
        Ok(pending) => {
            Readiness::PendingMigrations(pending.iter().map(|m| m.name().to_string()).collect())
        }
        Err(err) => Readiness::Unreachable(err.to_string()),
    }
}

/// Pool gauges: (connections open, of which idle, maximum).
pub fn pool_stats(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
    }
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}
