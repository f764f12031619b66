//! Advocacy timescales: what each authority's contract with its provider
//! sets (`advocacy_contract_terms`: the contract's working hours and the
//! share of a timescale after which it is at risk;
//! `advocacy_contract_timescales`: each timescale's length per request
//! kind and urgency, `any` matching every kind or urgency), and each
//! request's clocks (`advocacy_request_timescales`: when each started, is
//! due and at risk, when it was met or stopped, and when the manager and
//! advocate were told, so that each notice goes once).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TERMS: &str = "advocacy_contract_terms";
const LENGTHS: &str = "advocacy_contract_timescales";
const CLOCKS: &str = "advocacy_request_timescales";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TERMS)
                    .col(uuid("local_authority_id"))
                    .col(uuid("provider_id"))
                    .col(integer("day_start_minute"))
                    .col(integer("day_end_minute"))
                    .col(string_len("time_zone", 64))
                    .col(integer("at_risk_percent"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(uuid("updated_by"))
                    .primary_key(Index::create().col("local_authority_id").col("provider_id"))
                    .foreign_key(&mut fk(
                        "advocacy_contract_terms_la",
                        (TERMS, "local_authority_id"),
                        ("local_authorities", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_contract_terms_provider",
                        (TERMS, "provider_id"),
                        ("organisations", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_contract_terms_by",
                        (TERMS, "updated_by"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LENGTHS)
                    .col(uuid("local_authority_id"))
                    .col(uuid("provider_id"))
                    .col(string_len("timescale", 24))
                    .col(string_len("kind", 16))
                    .col(string_len("urgency", 16))
                    .col(integer("amount"))
                    .col(string_len("unit", 16))
                    .primary_key(
                        Index::create()
                            .col("local_authority_id")
                            .col("provider_id")
                            .col("timescale")
                            .col("kind")
                            .col("urgency"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("advocacy_contract_timescales_terms")
                            .from(LENGTHS, ("local_authority_id", "provider_id"))
                            .to(TERMS, ("local_authority_id", "provider_id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CLOCKS)
                    .col(uuid("request_id"))
                    .col(string_len("timescale", 24))
                    .col(integer("amount"))
                    .col(string_len("unit", 16))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone("at_risk_at"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(boolean("provisional"))
                    .col(timestamp_with_time_zone_null("met_at"))
                    .col(timestamp_with_time_zone_null("stopped_at"))
                    .col(timestamp_with_time_zone_null("at_risk_told_at"))
                    .col(timestamp_with_time_zone_null("breached_told_at"))
                    .col(timestamp_with_time_zone_null("due_soon_at"))
                    .col(timestamp_with_time_zone_null("due_soon_told_at"))
                    .primary_key(Index::create().col("request_id").col("timescale"))
                    .foreign_key(&mut fk(
                        "advocacy_request_timescales_request",
                        (CLOCKS, "request_id"),
                        ("advocacy_requests", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The watcher's three sweeps (running clocks only), and the queue's
        // "at risk" and "breached" filters.
        for (name, cols, running) in [
            (
                "advocacy_timescales_at_risk",
                "at_risk_at",
                "at_risk_told_at IS NULL",
            ),
            (
                "advocacy_timescales_due",
                "due_at",
                "breached_told_at IS NULL",
            ),
            (
                "advocacy_timescales_due_soon",
                "due_soon_at",
                "due_soon_told_at IS NULL",
            ),
            (
                "advocacy_timescales_open",
                "request_id, at_risk_at, due_at",
                "TRUE",
            ),
        ] {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON {CLOCKS} ({cols}) \
                 WHERE met_at IS NULL AND stopped_at IS NULL AND {running}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [CLOCKS, LENGTHS, TERMS] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
