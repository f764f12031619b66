//! The real migrations, up and down, on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit_tests::{TestDb, beyond_api};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

async fn count(db: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    let total = Migrator::migrations().len();
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        total
    );

    Migrator::up(&db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM regions").await, 9);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM jobs").await, 0);

    Migrator::down(&db, None).await.unwrap();
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        total
    );
    assert!(
        db.execute_unprepared("SELECT 1 FROM jobs").await.is_err(),
        "tables are gone after down"
    );

    Migrator::up(&db, None).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM regions").await, 9);
}

#[tokio::test]
async fn each_migration_steps_down_and_up_alone() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    let total = Migrator::migrations().len();
    for applied in 1..=total {
        Migrator::up(&db, Some(1)).await.unwrap();
        assert_eq!(
            Migrator::get_applied_migrations(&db).await.unwrap().len(),
            applied
        );
    }
    for remaining in (0..total).rev() {
        Migrator::down(&db, Some(1)).await.unwrap();
        assert_eq!(
            Migrator::get_applied_migrations(&db).await.unwrap().len(),
            remaining
        );
    }
}

#[tokio::test]
async fn the_audit_trail_is_append_only_in_the_database_itself() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.unwrap();
    beyond_api::insert_audit_event(&db).await;
    // The statements under test: the database itself refuses them.
    let update = db
        .execute_unprepared("UPDATE audit_events SET action = 'nothing.happened'")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = db.execute_unprepared("DELETE FROM audit_events").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_events").await, 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'plan.read'"
        )
        .await,
        1
    );
}
