//! Advocacy requests: instructed and non-instructed, their lifecycle
//! (`advocacy_requests`: who, which authority and provider, state and the
//! times of each step, the version), what the request says
//! (`advocacy_request_details`: the content only the child's advocates and
//! their provider's managers read, kept apart from the status everyone
//! with a part in the request sees), and the timeline of every change
//! (`advocacy_request_events`, one row per version).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const REQUESTS: &str = "advocacy_requests";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(REQUESTS)
                    .col(pk_uuid("id"))
                    .col(uuid("person_id"))
                    .col(uuid("local_authority_id"))
                    .col(uuid("provider_id"))
                    .col(string_len("kind", 16))
                    .col(string_len("state", 24))
                    .col(string_len("urgency", 16))
                    .col(uuid("referrer_person_id"))
                    .col(string_len("referrer_relationship", 32))
                    .col(boolean("referrer_told_progress"))
                    .col(uuid_null("advocate_person_id"))
                    .col(string_len_null("decline_reason", 32))
                    .col(string_len_null("outcome", 32))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("submitted_at"))
                    .col(timestamp_with_time_zone_null("triaged_at"))
                    .col(timestamp_with_time_zone_null("assigned_at"))
                    .col(timestamp_with_time_zone_null("first_contact_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(timestamp_with_time_zone("last_activity_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "advocacy_requests_person",
                        (REQUESTS, "person_id"),
                        ("people", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_requests_la",
                        (REQUESTS, "local_authority_id"),
                        ("local_authorities", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_requests_provider",
                        (REQUESTS, "provider_id"),
                        ("organisations", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_requests_referrer",
                        (REQUESTS, "referrer_person_id"),
                        ("people", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_requests_advocate",
                        (REQUESTS, "advocate_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The manager's queue (provider, authority, state, newest first),
        // the advocate's caseload, the child's and the referrer's own.
        for (name, cols) in [
            (
                "advocacy_requests_queue",
                "provider_id, local_authority_id, state, submitted_at, id",
            ),
            (
                "advocacy_requests_authority",
                "local_authority_id, submitted_at, id",
            ),
            (
                "advocacy_requests_advocate",
                "advocate_person_id, state, submitted_at",
            ),
            ("advocacy_requests_person", "person_id, submitted_at"),
            (
                "advocacy_requests_referrer",
                "referrer_person_id, submitted_at",
            ),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {REQUESTS} ({cols})"))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("advocacy_request_details")
                    .col(pk_uuid("request_id"))
                    .col(string_len("subject", 32))
                    .col(string_len("eligibility_groups", 256))
                    .col(text_null("in_their_words"))
                    .col(string_len("contact_methods", 128))
                    .col(text_null("contact_times"))
                    .col(string_len("communication_needs", 128))
                    .col(string_len_null("language", 100))
                    .col(boolean("interpreter_needed"))
                    .col(text_null("why_not_instructed"))
                    .col(text_null("knows_child_best"))
                    .col(text("upcoming_decisions"))
                    .col(text_null("referral_basis"))
                    .col(text_null("what_changed"))
                    .col(text_null("child_view"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "advocacy_request_details_request",
                        ("advocacy_request_details", "request_id"),
                        (REQUESTS, "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("advocacy_request_events")
                    .col(uuid("request_id"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("actor_person_id"))
                    .col(string_len("event", 32))
                    .col(string_len("state", 24))
                    .col(string_len("kind", 16))
                    .col(uuid_null("advocate_person_id"))
                    .col(string_len_null("reason", 32))
                    .col(text_null("note"))
                    .primary_key(Index::create().col("request_id").col("version"))
                    .foreign_key(&mut fk(
                        "advocacy_request_events_request",
                        ("advocacy_request_events", "request_id"),
                        (REQUESTS, "id"),
                    ))
                    .foreign_key(&mut fk(
                        "advocacy_request_events_actor",
                        ("advocacy_request_events", "actor_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "advocacy_request_events",
            "advocacy_request_details",
            REQUESTS,
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
