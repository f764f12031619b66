//! Push devices: an app installation's push token (or a browser's Web Push
//! subscription), owned by the account signed in on it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PushDevices {
    Table,
    Id,
    AccountId,
    Platform,
    Token,
    WebP256dh,
    WebAuth,
    AppVersion,
    TimeZone,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PushDevices::Table)
                    .col(pk_uuid(PushDevices::Id))
                    .col(uuid(PushDevices::AccountId))
                    .col(string_len(PushDevices::Platform, 16))
                    .col(string_len(PushDevices::Token, 1024))
                    .col(string_len_null(PushDevices::WebP256dh, 128))
                    .col(string_len_null(PushDevices::WebAuth, 64))
                    .col(string_len(PushDevices::AppVersion, 32))
                    .col(string_len(PushDevices::TimeZone, 64))
                    .col(timestamp_with_time_zone(PushDevices::CreatedAt))
                    .col(timestamp_with_time_zone(PushDevices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("push_devices_account")
                            .from(PushDevices::Table, PushDevices::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("push_devices_token")
                            .unique()
                            .col(PushDevices::Platform)
                            .col(PushDevices::Token),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("push_devices_account_id")
                    .table(PushDevices::Table)
                    .col(PushDevices::AccountId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PushDevices::Table).to_owned())
            .await
    }
}
