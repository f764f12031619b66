//! An authority's Staying Close settings say how many days after it was due
//! a planned check-in that was not held counts as missed (14 by default).

use sea_orm_migration::{prelude::*, schema::integer};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("staying_close_settings")
                    .add_column(integer("check_in_missed_after_days").default(14))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("staying_close_settings")
                    .drop_column("check_in_missed_after_days")
                    .to_owned(),
            )
            .await
    }
}
