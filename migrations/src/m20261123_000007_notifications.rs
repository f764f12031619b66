//! Notifications: each person's in-app inbox, their channel choices per
//! kind of notification, and their time zone and quiet hours.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    PersonId,
    Kind,
    Urgent,
    Title,
    Body,
    SubjectType,
    SubjectId,
    CollapseKey,
    CreatedAt,
    ReadAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    PersonId,
    Kind,
    Channels,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    PersonId,
    TimeZone,
    QuietStartMinute,
    QuietEndMinute,
    UpdatedAt,
}

fn person_fk(name: &str, table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(People::Table, People::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_uuid(Notifications::Id))
                    .col(uuid(Notifications::PersonId))
                    .col(string_len(Notifications::Kind, 48))
                    .col(boolean(Notifications::Urgent))
                    .col(string_len(Notifications::Title, 200))
                    .col(text(Notifications::Body))
                    .col(string_len_null(Notifications::SubjectType, 64))
                    .col(uuid_null(Notifications::SubjectId))
                    .col(string_len_null(Notifications::CollapseKey, 200))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(timestamp_with_time_zone(Notifications::UpdatedAt))
                    .foreign_key(&mut person_fk(
                        "notifications_person",
                        Notifications::Table,
                        Notifications::PersonId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_person_id")
                    .table(Notifications::Table)
                    .col(Notifications::PersonId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        // One live notification per collapse key and person: a rescheduled
        // reminder replaces the old one.
        manager
            .create_index(
                Index::create()
                    .name("notifications_collapse_key")
                    .table(Notifications::Table)
                    .col(Notifications::PersonId)
                    .col(Notifications::CollapseKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(uuid(NotificationPreferences::PersonId))
                    .col(string_len(NotificationPreferences::Kind, 48))
                    .col(string_len(NotificationPreferences::Channels, 64))
                    .col(timestamp_with_time_zone(NotificationPreferences::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(NotificationPreferences::PersonId)
                            .col(NotificationPreferences::Kind),
                    )
                    .foreign_key(&mut person_fk(
                        "notification_preferences_person",
                        NotificationPreferences::Table,
                        NotificationPreferences::PersonId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationSettings::Table)
                    .col(pk_uuid(NotificationSettings::PersonId))
                    .col(string_len(NotificationSettings::TimeZone, 64))
                    .col(integer_null(NotificationSettings::QuietStartMinute))
                    .col(integer_null(NotificationSettings::QuietEndMinute))
                    .col(timestamp_with_time_zone(NotificationSettings::UpdatedAt))
                    .foreign_key(&mut person_fk(
                        "notification_settings_person",
                        NotificationSettings::Table,
                        NotificationSettings::PersonId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationSettings::Table.into_iden(),
            NotificationPreferences::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
