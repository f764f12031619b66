//! The background job queue (transactional outbox). Times are epoch
//! milliseconds so that due-time comparisons are integer comparisons on both
//! SQLite and PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    State,
    Attempts,
    MaxAttempts,
    TimeoutMs,
    RunAtMs,
    LockedBy,
    LockedAtMs,
    LeaseUntilMs,
    LastError,
    CreatedAtMs,
    UpdatedAtMs,
    FinishedAtMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(big_pk_auto(Jobs::Id))
                    .col(string_len(Jobs::Kind, 64))
                    .col(text(Jobs::Payload))
                    .col(string_len(Jobs::State, 16))
                    .col(integer(Jobs::Attempts).default(0))
                    .col(integer(Jobs::MaxAttempts))
                    .col(big_integer(Jobs::TimeoutMs))
                    .col(big_integer(Jobs::RunAtMs))
                    .col(string_len_null(Jobs::LockedBy, 128))
                    .col(big_integer_null(Jobs::LockedAtMs))
                    .col(big_integer_null(Jobs::LeaseUntilMs))
                    .col(text_null(Jobs::LastError))
                    .col(big_integer(Jobs::CreatedAtMs))
                    .col(big_integer(Jobs::UpdatedAtMs))
                    .col(big_integer_null(Jobs::FinishedAtMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_due")
                    .table(Jobs::Table)
                    .col(Jobs::State)
                    .col(Jobs::RunAtMs)
                    .col(Jobs::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_lease")
                    .table(Jobs::Table)
                    .col(Jobs::State)
                    .col(Jobs::LeaseUntilMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
