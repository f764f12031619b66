//! Closeknit's schema migrations. Independent of the `closeknit` crate so that
//! the schema can be migrated (or inspected) without building the service.
//!
//! Rules for authors: one migration per change, never edit a migration that
//! has shipped, write `down` for every `up`, and keep each statement portable
//! between SQLite and PostgreSQL (on SQLite one `ALTER TABLE` per change and
//! foreign keys declared inline in `create_table`).

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_jobs;
mod m20261123_000002_idempotency_keys;
mod m20261123_000003_reference_data;
mod m20261123_000004_identity;
mod m20261123_000005_sign_in_codes;
mod m20261123_000006_api_clients;
mod m20261123_000007_notifications;
mod m20261123_000008_reminders;
mod m20261123_000009_push_devices;
mod m20261123_000010_staying_close;
mod m20261124_000011_check_ins_missed;
mod m20261207_000012_bank_holidays;
mod m20261207_000013_advocacy;
mod m20261207_000014_advocacy_timescales;
mod m20261207_000015_advocacy_records;
mod m20261207_000016_training;
mod m20261207_000017_training_running;
mod m20261207_000020_training_calendar;
mod m20261207_000021_people_admin;
mod m20261207_000022_orgs;
mod m20261207_000024_onboard;
mod util;

/// The bank holidays the migrations seed, for the working-day calendar's
/// unit tests (the application reads the stored table).
pub use m20261207_000012_bank_holidays::{ENGLAND_AND_WALES_2024_2027, SeedHoliday};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_jobs::Migration),
            Box::new(m20261123_000002_idempotency_keys::Migration),
            Box::new(m20261123_000003_reference_data::Migration),
            Box::new(m20261123_000004_identity::Migration),
            Box::new(m20261123_000005_sign_in_codes::Migration),
            Box::new(m20261123_000006_api_clients::Migration),
            Box::new(m20261123_000007_notifications::Migration),
            Box::new(m20261123_000008_reminders::Migration),
            Box::new(m20261123_000009_push_devices::Migration),
            Box::new(m20261123_000010_staying_close::Migration),
            Box::new(m20261124_000011_check_ins_missed::Migration),
            Box::new(m20261207_000012_bank_holidays::Migration),
            Box::new(m20261207_000013_advocacy::Migration),
            Box::new(m20261207_000014_advocacy_timescales::Migration),
            Box::new(m20261207_000015_advocacy_records::Migration),
            Box::new(m20261207_000016_training::Migration),
            Box::new(m20261207_000017_training_running::Migration),
            Box::new(m20261207_000020_training_calendar::Migration),
            Box::new(m20261207_000021_people_admin::Migration),
            Box::new(m20261207_000022_orgs::Migration),
            Box::new(m20261207_000024_onboard::Migration),
        ]
    }
}
