//! Organisation names are unique, whatever their case: an authority onboarded
//! twice under the same name would split its staff and its commissions. The
//! service refuses a clashing name with `CONFLICT`; this index holds the rule
//! when two platform administrators create the same name at once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX organisations_name_unique ON organisations (LOWER(name))",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS organisations_name_unique")
            .await?;
        Ok(())
    }
}
