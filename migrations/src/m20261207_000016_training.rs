//! Kinship carers' training: the catalogue and its bookings.
//! - `training_courses`: a provider's course: title, description, the
//!   audiences it is for (a comma-separated set of codes), accessibility
//!   notes, an optional booking policy and the cancellation cut-off;
//! - `training_sessions`: one sitting of a course: when (UTC, with the
//!   time zone it is held in), online link or venue, capacity, facilitator,
//!   booking window, state and version; `places_taken` (booked plus
//!   offered) and `waitlist_seq` (the last waiting-list position handed
//!   out) are the counters that keep capacity atomic: a place is taken by
//!   one conditional `UPDATE` of this row;
//! - `training_session_authorities`: the authorities a session is open to
//!   (none: every authority);
//! - `training_bookings`: a person's place or waiting-list position on a
//!   session, at most one live (booked, waitlisted, offered) per person
//!   and session.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COURSES: &str = "training_courses";
const SESSIONS: &str = "training_sessions";
const OPEN_TO: &str = "training_session_authorities";
const BOOKINGS: &str = "training_bookings";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(COURSES)
                    .col(pk_uuid("id"))
                    .col(uuid("provider_organisation_id"))
                    .col(string_len("title", 200))
                    .col(text("description"))
                    // Every code: "kinship_carers,foster_carers,care_leavers,staff" (47).
                    .col(string_len("audience", 64))
                    .col(text_null("accessibility_notes"))
                    .col(text_null("booking_policy"))
                    .col(integer("cancellation_cutoff_hours"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "training_courses_provider",
                        (COURSES, "provider_organisation_id"),
                        ("organisations", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SESSIONS)
                    .col(pk_uuid("id"))
                    .col(uuid("course_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    // IANA names: "America/Argentina/ComodRivadavia" (32).
                    .col(string_len("time_zone", 64))
                    .col(string_len_null("online_link", 500))
                    .col(text_null("venue"))
                    .col(integer("capacity"))
                    .col(uuid("facilitator_person_id"))
                    .col(timestamp_with_time_zone("booking_opens_at"))
                    .col(timestamp_with_time_zone("booking_closes_at"))
                    // The longest code: "scheduled" (9).
                    .col(string_len("state", 16))
                    .col(integer("places_taken"))
                    .col(integer("waitlist_seq"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "training_sessions_course",
                        (SESSIONS, "course_id"),
                        (COURSES, "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_sessions_facilitator",
                        (SESSIONS, "facilitator_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OPEN_TO)
                    .col(uuid("session_id"))
                    .col(uuid("local_authority_id"))
                    .primary_key(Index::create().col("session_id").col("local_authority_id"))
                    .foreign_key(&mut fk(
                        "training_session_authorities_session",
                        (OPEN_TO, "session_id"),
                        (SESSIONS, "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_session_authorities_authority",
                        (OPEN_TO, "local_authority_id"),
                        ("local_authorities", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BOOKINGS)
                    .col(pk_uuid("id"))
                    .col(uuid("session_id"))
                    .col(uuid("person_id"))
                    // The longest code: "cancelled_late" (14).
                    .col(string_len("state", 16))
                    .col(integer_null("waitlist_position"))
                    .col(timestamp_with_time_zone_null("offered_until"))
                    .col(text_null("access_needs"))
                    .col(uuid_null("booked_by_client_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer("version"))
                    .foreign_key(&mut fk(
                        "training_bookings_session",
                        (BOOKINGS, "session_id"),
                        (SESSIONS, "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_bookings_person",
                        (BOOKINGS, "person_id"),
                        ("people", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_bookings_client",
                        (BOOKINGS, "booked_by_client_id"),
                        ("api_clients", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE INDEX training_courses_provider ON training_courses (provider_organisation_id)",
            "CREATE INDEX training_sessions_starts ON training_sessions (starts_at, id)",
            "CREATE INDEX training_sessions_course ON training_sessions (course_id)",
            "CREATE INDEX training_session_authorities_authority \
             ON training_session_authorities (local_authority_id)",
            // At most one live booking per person per session.
            "CREATE UNIQUE INDEX training_bookings_live ON training_bookings \
             (session_id, person_id) WHERE state IN ('booked', 'waitlisted', 'offered')",
            "CREATE UNIQUE INDEX training_bookings_position ON training_bookings \
             (session_id, waitlist_position)",
            "CREATE INDEX training_bookings_person ON training_bookings (person_id, created_at)",
            "CREATE INDEX training_bookings_offers ON training_bookings (state, offered_until)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [BOOKINGS, OPEN_TO, SESSIONS, COURSES] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
