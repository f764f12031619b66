//! The real migrations, up and down, on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit_tests::TestDb;
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
