//! Training reminders: `training_bookings.offered_at`, when a freed place
//! was offered to the person (the start of its hold). The "offer expiring
//! in 6 hours" reminder goes only for holds longer than 12 hours, and a
//! hold cut short by the session's start less the course's cut-off cannot
//! be told from `offered_until` alone.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let timestamp_type = match manager.get_database_backend() {
            DbBackend::Sqlite => "timestamp_with_timezone_text",
            _ => "timestamp with time zone",
        };
        db.execute_unprepared(&format!(
            "ALTER TABLE training_bookings ADD COLUMN offered_at {timestamp_type} NULL"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE training_bookings DROP COLUMN offered_at")
            .await?;
        Ok(())
    }
}
