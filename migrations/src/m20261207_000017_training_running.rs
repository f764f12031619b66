//! Training, second part: peer-group series, running sessions, calendars
//! and third-party booking.
//! - `training_series`: a recurring group (a course, an RFC 5545 RRULE
//!   from a first start in a time zone, a length, and what each sitting
//!   copies: capacity, facilitator, link or venue, booking window);
//!   `training_sessions.series_id` and `occurrence_starts_at` (the
//!   occurrence's original start, its `RECURRENCE-ID`) tie each generated
//!   session to it, once per occurrence, so one occurrence can be edited or
//!   cancelled on its own;
//! - `training_bookings.calendar_sequence`: the `SEQUENCE` of the booking's
//!   calendar entry, raised by every change people's calendars must follow;
//!   `moved_to_booking_id` (a place moved to another session);
//!   `attendance_marked_by` / `_at`; `offer_reminded_at` and
//!   `day_before_reminded_at` (each reminder goes once);
//! - `training_waitlist_moves`: a coordinator moving someone up the waiting
//!   list, with their reason;
//! - `training_booking_consents`: a carer's consent for a third-party app
//!   to book for them, granted and revoked per client (history kept; at
//!   most one live consent per carer and client).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SERIES: &str = "training_series";
const SESSIONS: &str = "training_sessions";
const BOOKINGS: &str = "training_bookings";
const MOVES: &str = "training_waitlist_moves";
const CONSENTS: &str = "training_booking_consents";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SERIES)
                    .col(pk_uuid("id"))
                    .col(uuid("course_id"))
                    // "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12" and the like.
                    .col(string_len("rrule", 500))
                    .col(timestamp_with_time_zone("first_starts_at"))
                    .col(string_len("time_zone", 64))
                    .col(integer("duration_minutes"))
                    .col(integer("capacity"))
                    .col(uuid("facilitator_person_id"))
                    .col(string_len_null("online_link", 500))
                    .col(text_null("venue"))
                    // Booking opens this many days before each sitting and
                    // closes this many hours before it starts.
                    .col(integer("booking_opens_days_before"))
                    .col(integer("booking_closes_hours_before"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "training_series_course",
                        (SERIES, "course_id"),
                        ("training_courses", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_series_facilitator",
                        (SERIES, "facilitator_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MOVES)
                    .col(pk_uuid("id"))
                    .col(uuid("booking_id"))
                    .col(integer("from_position"))
                    .col(integer("to_position"))
                    .col(text("reason"))
                    .col(uuid("moved_by_person_id"))
                    .col(timestamp_with_time_zone("moved_at"))
                    .foreign_key(&mut fk(
                        "training_waitlist_moves_booking",
                        (MOVES, "booking_id"),
                        (BOOKINGS, "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_waitlist_moves_by",
                        (MOVES, "moved_by_person_id"),
                        ("people", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CONSENTS)
                    .col(pk_uuid("id"))
                    .col(uuid("person_id"))
                    .col(uuid("client_id"))
                    .col(timestamp_with_time_zone("granted_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk(
                        "training_booking_consents_person",
                        (CONSENTS, "person_id"),
                        ("people", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "training_booking_consents_client",
                        (CONSENTS, "client_id"),
                        ("api_clients", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let (uuid_type, timestamp_type) = match manager.get_database_backend() {
            DbBackend::Sqlite => ("uuid_text", "timestamp_with_timezone_text"),
            _ => ("uuid", "timestamp with time zone"),
        };
        // One column per statement, with its reference inline: SQLite adds
        // a column with a REFERENCES clause (NULL default) but not a
        // separate foreign-key constraint.
        for statement in [
            format!(
                "ALTER TABLE {SESSIONS} ADD COLUMN series_id {uuid_type} NULL \
                 REFERENCES {SERIES} (id)"
            ),
            format!("ALTER TABLE {SESSIONS} ADD COLUMN occurrence_starts_at {timestamp_type} NULL"),
            format!(
                "ALTER TABLE {BOOKINGS} ADD COLUMN calendar_sequence integer NOT NULL DEFAULT 0"
            ),
            format!(
                "ALTER TABLE {BOOKINGS} ADD COLUMN moved_to_booking_id {uuid_type} NULL \
                 REFERENCES {BOOKINGS} (id)"
            ),
            format!(
                "ALTER TABLE {BOOKINGS} ADD COLUMN attendance_marked_by {uuid_type} NULL \
                 REFERENCES people (id)"
            ),
            format!("ALTER TABLE {BOOKINGS} ADD COLUMN attendance_marked_at {timestamp_type} NULL"),
            format!("ALTER TABLE {BOOKINGS} ADD COLUMN offer_reminded_at {timestamp_type} NULL"),
            format!(
                "ALTER TABLE {BOOKINGS} ADD COLUMN day_before_reminded_at {timestamp_type} NULL"
            ),
            "CREATE INDEX training_series_course ON training_series (course_id)".into(),
            "CREATE UNIQUE INDEX training_sessions_occurrence ON training_sessions \
             (series_id, occurrence_starts_at)"
                .into(),
            "CREATE INDEX training_waitlist_moves_booking ON training_waitlist_moves (booking_id)"
                .into(),
            "CREATE UNIQUE INDEX training_booking_consents_live ON training_booking_consents \
             (person_id, client_id) WHERE revoked_at IS NULL"
                .into(),
            "CREATE INDEX training_booking_consents_client ON training_booking_consents \
             (client_id)"
                .into(),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP INDEX training_sessions_occurrence",
            "ALTER TABLE training_bookings DROP COLUMN day_before_reminded_at",
            "ALTER TABLE training_bookings DROP COLUMN offer_reminded_at",
            "ALTER TABLE training_bookings DROP COLUMN attendance_marked_at",
            "ALTER TABLE training_bookings DROP COLUMN attendance_marked_by",
            "ALTER TABLE training_bookings DROP COLUMN moved_to_booking_id",
            "ALTER TABLE training_bookings DROP COLUMN calendar_sequence",
            "ALTER TABLE training_sessions DROP COLUMN occurrence_starts_at",
            "ALTER TABLE training_sessions DROP COLUMN series_id",
        ] {
            db.execute_unprepared(statement).await?;
        }
        for table in [CONSENTS, MOVES, SERIES] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
