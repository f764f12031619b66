//! Onboarding young people and carers, and their own account:
//! `refresh_tokens.sign_in_method`, how the session (refresh-token family)
//! began, set on its first token, so a person's list of their sessions can
//! say how each was signed in.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE refresh_tokens ADD COLUMN sign_in_method varchar(32) NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE refresh_tokens DROP COLUMN sign_in_method")
            .await?;
        Ok(())
    }
}
