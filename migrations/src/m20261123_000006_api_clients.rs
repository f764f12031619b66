//! Third-party API clients (OAuth2 client credentials): a hashed secret,
//! granted scopes, status, and the local authorities whose data the client
//! may reach (its commissioning authorities).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LocalAuthorities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    Name,
    SecretHash,
    Scopes,
    Status,
    CreatedByAccountId,
    SecretRotatedAt,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiClientAuthorities {
    Table,
    ClientId,
    LocalAuthorityId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiClients::Table)
                    .col(pk_uuid(ApiClients::Id))
                    .col(string_len(ApiClients::Name, 200))
                    .col(string_len(ApiClients::SecretHash, 64))
                    .col(string_len(ApiClients::Scopes, 500))
                    .col(string_len(ApiClients::Status, 16))
                    .col(uuid(ApiClients::CreatedByAccountId))
                    .col(timestamp_with_time_zone(ApiClients::SecretRotatedAt))
                    .col(timestamp_with_time_zone_null(ApiClients::RevokedAt))
                    .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                    .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("api_clients_created_by")
                            .from(ApiClients::Table, ApiClients::CreatedByAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiClientAuthorities::Table)
                    .col(uuid(ApiClientAuthorities::ClientId))
                    .col(uuid(ApiClientAuthorities::LocalAuthorityId))
                    .primary_key(
                        Index::create()
                            .col(ApiClientAuthorities::ClientId)
                            .col(ApiClientAuthorities::LocalAuthorityId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("api_client_authorities_client")
                            .from(ApiClientAuthorities::Table, ApiClientAuthorities::ClientId)
                            .to(ApiClients::Table, ApiClients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("api_client_authorities_local_authority")
                            .from(
                                ApiClientAuthorities::Table,
                                ApiClientAuthorities::LocalAuthorityId,
                            )
                            .to(LocalAuthorities::Table, LocalAuthorities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiClientAuthorities::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiClients::Table).to_owned())
            .await
    }
}
