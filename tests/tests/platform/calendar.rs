//! The stored working-day calendar: the migration's seed, and
//! `closeknit calendar import` through its library function, on a freshly
//! migrated database (SQLite, or PostgreSQL with
//! `CLOSEKNIT_TEST_DATABASE_URL`). The import file is a committed
//! synthetic one in gov.uk's format (`tests/fixtures/bank-holidays.json`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use closeknit::calendar::{
    Division,
    hours::{Span, WorkingHours},
    import::import_file,
    store::{self, BankHoliday},
};
use closeknit_tests::TestDb;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bank-holidays.json")
}

async fn migrated() -> (TestDb, DatabaseConnection) {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.unwrap();
    (test_db, db)
}

async fn stored(db: &DatabaseConnection, division: Division) -> Vec<BankHoliday> {
    store::holidays(db, division).await.unwrap()
}

#[tokio::test]
async fn the_migration_seeds_england_and_wales_2024_to_2027() {
    let (_test_db, db) = migrated().await;
    let seeded = stored(&db, Division::EnglandAndWales).await;
    assert_eq!(seeded.len(), 32);
    assert_eq!(seeded[0].on, d(2024, 1, 1));
    assert_eq!(seeded[0].title, "New Year\u{2019}s Day");
    let boxing_day = seeded.iter().find(|h| h.on == d(2026, 12, 28)).unwrap();
    assert_eq!(
        (boxing_day.title.as_str(), boxing_day.notes.as_str()),
        ("Boxing Day", "Substitute day")
    );
    assert!(stored(&db, Division::Scotland).await.is_empty());

    let cal = store::load(&db, Division::EnglandAndWales).await.unwrap();
    assert!(!cal.is_working_day(d(2026, 12, 28)));
    assert_eq!(
        cal.add_working_days(d(2026, 12, 24), 4),
        Some(d(2027, 1, 4))
    );
    let due = WorkingHours::default().deadline(
        &cal,
        "2026-12-24T11:00:00Z".parse().unwrap(),
        Span::WorkingDays(1),
    );
    assert_eq!(due, Some("2026-12-29T17:00:00Z".parse().unwrap()));
}

#[tokio::test]
async fn an_import_replaces_the_years_the_file_covers_and_keeps_the_rest() {
    let (_test_db, db) = migrated().await;
    let summary = import_file(&db, &fixture()).await.unwrap();
    assert_eq!(
        summary.to_string(),
        "england-and-wales: 16 bank holidays in 2027, 2030-2031 (replacing 8)\n\
         northern-ireland: 2 bank holidays in 2030 (replacing 0)\n\
         scotland: 2 bank holidays in 2030 (replacing 0)\n"
    );

    let ew = stored(&db, Division::EnglandAndWales).await;
    // 2024-2026 kept from the seed, 2027 replaced, 2030-2031 added.
    assert_eq!(ew.len(), 24 + 16);
    let moved = ew.iter().find(|h| h.on == d(2027, 5, 7)).unwrap();
    assert_eq!(moved.notes, "Moved to a Friday (synthetic)");
    assert!(!ew.iter().any(|h| h.on == d(2027, 5, 3)));
    assert!(ew.iter().any(|h| h.on == d(2026, 5, 4)));
    let causeway = &stored(&db, Division::NorthernIreland).await[1];
    assert_eq!(
        (causeway.title.as_str(), causeway.bunting),
        ("Synthetic Causeway Friday", false)
    );

    // The loaded calendar counts with what was imported.
    let cal = store::load(&db, Division::EnglandAndWales).await.unwrap();
    assert!(cal.is_working_day(d(2027, 5, 3)));
    assert_eq!(cal.add_working_days(d(2027, 5, 6), 1), Some(d(2027, 5, 10)));
    assert_eq!(
        cal.add_working_days(d(2030, 4, 18), 1),
        Some(d(2030, 4, 22))
    );
    assert!(cal.covers(d(2031, 6, 1)) && !cal.covers(d(2029, 6, 1)));

    // Importing the same file again changes nothing.
    let again = import_file(&db, &fixture()).await.unwrap();
    assert_eq!(again.divisions[0].replaced, 16);
    assert_eq!(stored(&db, Division::EnglandAndWales).await, ew);
}

#[tokio::test]
async fn a_malformed_file_writes_nothing_and_says_where_it_is_wrong() {
    let (_test_db, db) = migrated().await;
    let before = stored(&db, Division::EnglandAndWales).await;
    let good = std::fs::read_to_string(fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            // A bad date in the last division read: the earlier ones are
            // valid, and still nothing is written.
            good.replace("\"2030-08-05\"", "\"2030-08-32\""),
            "`scotland.events[1].date` must be a date (YYYY-MM-DD)",
        ),
        (
            good.replace(
                "\"division\": \"northern-ireland\"",
                "\"division\": \"scotland\"",
            ),
            "`northern-ireland.division` is \"scotland\"",
        ),
    ];
    for (i, (json, expected)) in cases.into_iter().enumerate() {
        assert_ne!(json, good, "case {i} changes the file");
        let path = dir.path().join(format!("case-{i}.json"));
        std::fs::write(&path, json).unwrap();
        let message = import_file(&db, &path).await.unwrap_err().message();
        assert!(message.contains(expected), "case {i}: {message}");
        assert_eq!(stored(&db, Division::EnglandAndWales).await, before);
        assert!(stored(&db, Division::NorthernIreland).await.is_empty());
    }
    let missing = import_file(&db, &dir.path().join("missing.json")).await;
    assert!(missing.unwrap_err().message().contains("could not be read"));
}
