//! Reference data every domain refers to: England's regions (fixed public
//! codes, inserted here) and local authorities (rows added by operators or
//! the demo seed).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    Code,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LocalAuthorities {
    Table,
    Id,
    OnsCode,
    Name,
    RegionId,
    CreatedAt,
    UpdatedAt,
}

/// ONS codes of England's nine regions (public statistical geography).
const REGIONS: [(&str, &str); 9] = [
    ("E12000001", "North East"),
    ("E12000002", "North West"),
    ("E12000003", "Yorkshire and The Humber"),
    ("E12000004", "East Midlands"),
    ("E12000005", "West Midlands"),
    ("E12000006", "East of England"),
    ("E12000007", "London"),
    ("E12000008", "South East"),
    ("E12000009", "South West"),
];

/// Fixed ids so that every database agrees on a region's global id.
fn region_id(index: usize) -> String {
    format!("0192f000-0000-7000-8000-{:012}", index + 1)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(pk_uuid(Regions::Id))
                    .col(string_len_uniq(Regions::Code, 9))
                    .col(string_len(Regions::Name, 100))
                    .col(timestamp_with_time_zone(Regions::CreatedAt))
                    .col(timestamp_with_time_zone(Regions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LocalAuthorities::Table)
                    .col(pk_uuid(LocalAuthorities::Id))
                    .col(string_len_uniq(LocalAuthorities::OnsCode, 9))
                    .col(string_len(LocalAuthorities::Name, 200))
                    .col(uuid(LocalAuthorities::RegionId))
                    .col(timestamp_with_time_zone(LocalAuthorities::CreatedAt))
                    .col(timestamp_with_time_zone(LocalAuthorities::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("local_authorities_region")
                            .from(LocalAuthorities::Table, LocalAuthorities::RegionId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("local_authorities_region_id")
                    .table(LocalAuthorities::Table)
                    .col(LocalAuthorities::RegionId)
                    .to_owned(),
            )
            .await?;

        let now = sea_orm::prelude::ChronoUtc::now();
        let mut insert = Query::insert();
        insert.into_table(Regions::Table).columns([
            Regions::Id,
            Regions::Code,
            Regions::Name,
            Regions::CreatedAt,
            Regions::UpdatedAt,
        ]);
        for (index, (code, name)) in REGIONS.iter().enumerate() {
            let id = sea_orm::prelude::Uuid::parse_str(&region_id(index))
                .map_err(|e| DbErr::Migration(e.to_string()))?;
            insert
                .values([
                    id.into(),
                    (*code).into(),
                    (*name).into(),
                    now.into(),
                    now.into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?;
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LocalAuthorities::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Regions::Table).to_owned())
            .await
    }
}
