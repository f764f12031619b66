//! One-time sign-in codes for passwordless accounts (young people, kinship
//! carers): stored as keyed hashes, short-lived, single use, few attempts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SignInCodes {
    Table,
    Id,
    AccountId,
    CodeHash,
    Attempts,
    ExpiresAt,
    ConsumedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInCodes::Table)
                    .col(pk_uuid(SignInCodes::Id))
                    .col(uuid(SignInCodes::AccountId))
                    .col(string_len(SignInCodes::CodeHash, 64))
                    .col(integer(SignInCodes::Attempts).default(0))
                    .col(timestamp_with_time_zone(SignInCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInCodes::ConsumedAt))
                    .col(timestamp_with_time_zone(SignInCodes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("sign_in_codes_account")
                            .from(SignInCodes::Table, SignInCodes::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sign_in_codes_account_id")
                    .table(SignInCodes::Table)
                    .col(SignInCodes::AccountId)
                    .col(SignInCodes::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInCodes::Table).to_owned())
            .await
    }
}
