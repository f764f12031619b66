//! Scheduled reminders: a notification to create at a due time, one per
//! person and collapse key (rescheduling replaces it), sent exactly once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reminders {
    Table,
    Id,
    PersonId,
    Kind,
    Title,
    Body,
    SubjectType,
    SubjectId,
    CollapseKey,
    DueAt,
    State,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reminders::Table)
                    .col(pk_uuid(Reminders::Id))
                    .col(uuid(Reminders::PersonId))
                    .col(string_len(Reminders::Kind, 48))
                    .col(string_len(Reminders::Title, 200))
                    .col(text(Reminders::Body))
                    .col(string_len_null(Reminders::SubjectType, 64))
                    .col(uuid_null(Reminders::SubjectId))
                    .col(string_len(Reminders::CollapseKey, 200))
                    .col(timestamp_with_time_zone(Reminders::DueAt))
                    .col(string_len(Reminders::State, 16))
                    .col(timestamp_with_time_zone_null(Reminders::SentAt))
                    .col(timestamp_with_time_zone(Reminders::CreatedAt))
                    .col(timestamp_with_time_zone(Reminders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("reminders_person")
                            .from(Reminders::Table, Reminders::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("reminders_collapse_key")
                            .unique()
                            .col(Reminders::PersonId)
                            .col(Reminders::CollapseKey),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reminders_due")
                    .table(Reminders::Table)
                    .col(Reminders::State)
                    .col(Reminders::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reminders::Table).to_owned())
            .await
    }
}
