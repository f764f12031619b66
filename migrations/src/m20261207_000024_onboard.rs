//! Onboarding young people and carers, and their own account:
//! - `refresh_tokens.sign_in_method`: how the session (refresh-token
//!   family) began, set on its first token, so a person's list of their
//!   sessions can say how each was signed in;
//! - an index on `account_tokens (account_id, purpose)`: activation and
//!   email-change codes are looked up by their account.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "ALTER TABLE refresh_tokens ADD COLUMN sign_in_method varchar(32) NULL",
            "CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP INDEX account_tokens_account",
            "ALTER TABLE refresh_tokens DROP COLUMN sign_in_method",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
