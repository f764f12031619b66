//! What advocates record on a request and the safeguarding concerns shared
//! with the authority:
//! - `advocacy_records`: one row per record (a non-instructed visit, a
//!   contact with the young person, a representation, a meeting, an
//!   outcome): its type, the day it happened and who wrote it, with the
//!   type's own answers as a JSON document (`body`);
//! - `advocacy_people_consulted`: the people an advocate spoke to about a
//!   child on a visit. What they said is other people's personal data
//!   (`third_party`), kept apart so that the young person's view and a
//!   data-protection export can leave it out;
//! - `advocacy_safeguarding_shares`: a concern shared with the authority:
//!   why, what, with whom and when, whether the young person was told and,
//!   if not, why telling them would put them at risk, and when a manager
//!   recorded that the risk has passed.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RECORDS: &str = "advocacy_records";
const CONSULTED: &str = "advocacy_people_consulted";
const SHARES: &str = "advocacy_safeguarding_shares";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RECORDS)
                    .col(pk_uuid("id"))
                    .col(uuid("request_id"))
                    // The longest code: "representation" (14).
                    .col(string_len("record_type", 16))
                    .col(date("occurred_on"))
                    .col(uuid("recorded_by_person_id"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(&mut fk(
                        "advocacy_records_request",
                        (RECORDS, "request_id"),
                        ("advocacy_requests", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_records_by",
                        (RECORDS, "recorded_by_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CONSULTED)
                    .col(pk_uuid("id"))
                    .col(uuid("record_id"))
                    .col(uuid("request_id"))
                    .col(integer("position"))
                    .col(string_len("name", 200))
                    .col(string_len("role", 200))
                    .col(text("what_they_said"))
                    .col(boolean("third_party"))
                    .foreign_key(&mut fk(
                        "advocacy_people_consulted_record",
                        (CONSULTED, "record_id"),
                        (RECORDS, "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_people_consulted_request",
                        (CONSULTED, "request_id"),
                        ("advocacy_requests", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SHARES)
                    .col(pk_uuid("id"))
                    .col(uuid("request_id"))
                    .col(uuid("shared_by_person_id"))
                    .col(text("reason"))
                    .col(text("what_was_shared"))
                    .col(string_len("shared_with_name", 200))
                    .col(string_len("shared_with_role", 200))
                    .col(timestamp_with_time_zone("shared_at"))
                    .col(boolean_null("young_person_told"))
                    .col(text_null("risk_reason"))
                    .col(timestamp_with_time_zone_null("risk_passed_at"))
                    .col(uuid_null("risk_passed_by_person_id"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "advocacy_safeguarding_shares_request",
                        (SHARES, "request_id"),
                        ("advocacy_requests", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_safeguarding_shares_by",
                        (SHARES, "shared_by_person_id"),
                        ("people", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_safeguarding_shares_passed_by",
                        (SHARES, "risk_passed_by_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (name, table, cols) in [
            (
                "advocacy_records_request",
                RECORDS,
                "request_id, occurred_on, id",
            ),
            (
                "advocacy_people_consulted_record",
                CONSULTED,
                "record_id, position",
            ),
            ("advocacy_people_consulted_request", CONSULTED, "request_id"),
            (
                "advocacy_safeguarding_shares_request",
                SHARES,
                "request_id, shared_at",
            ),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({cols})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [SHARES, CONSULTED, RECORDS] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
