//! Idempotency keys against a real database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit::{
    error::AppError,
    idempotency::{self, Key},
};
use closeknit_tests::TestDb;
use migration::{Migrator, MigratorTrait};
use sea_orm::TransactionTrait;
use serde_json::json;

#[tokio::test]
async fn same_key_same_input_replays_and_different_input_conflicts() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.unwrap();
    let input = json!({"title": "Open a bank account"});
    let key = Key::new("account:1", Some("k-1"), "createGoal", &input)
        .unwrap()
        .unwrap();

    let txn = db.begin().await.unwrap();
    assert!(
        idempotency::check::<serde_json::Value>(&txn, &key)
            .await
            .unwrap()
            .is_none()
    );
    idempotency::record(&txn, &key, &json!({"goalId": 7}))
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let replay: Option<serde_json::Value> = idempotency::check(&db, &key).await.unwrap();
    assert_eq!(replay, Some(json!({"goalId": 7})));

    let other = Key::new(
        "account:1",
        Some("k-1"),
        "createGoal",
        &json!({"title": "x"}),
    )
    .unwrap()
    .unwrap();
    assert!(matches!(
        idempotency::check::<serde_json::Value>(&db, &other).await,
        Err(AppError::Conflict { .. })
    ));
    // Another caller's identical key is independent.
    let elsewhere = Key::new("account:2", Some("k-1"), "createGoal", &input)
        .unwrap()
        .unwrap();
    assert!(
        idempotency::check::<serde_json::Value>(&db, &elsewhere)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_key_and_a_racing_duplicate_conflicts() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.unwrap();
    let key = Key::new("account:1", Some("k-2"), "claim", &json!({"amount": 100}))
        .unwrap()
        .unwrap();

    let txn = db.begin().await.unwrap();
    idempotency::record(&txn, &key, &json!("first"))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    assert!(
        idempotency::check::<serde_json::Value>(&db, &key)
            .await
            .unwrap()
            .is_none()
    );

    idempotency::record(&db, &key, &json!("first"))
        .await
        .unwrap();
    assert!(matches!(
        idempotency::record(&db, &key, &json!("second")).await,
        Err(AppError::Conflict { .. })
    ));
}

/// Two requests with one key at the same moment: exactly one applies the
/// change; the other replays its result (SQLite: it waits for the write
/// lock) or gets CONFLICT (PostgreSQL: it waits on the key's unique index).
#[tokio::test]
async fn concurrent_requests_with_one_key_apply_once() {
    let test_db = TestDb::new().await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.unwrap();
    let input = json!({"amount": 250});

    let attempt = |db: sea_orm::DatabaseConnection, input: serde_json::Value| async move {
        let key = Key::new("account:9", Some("race"), "claim", &input)
            .unwrap()
            .unwrap();
        let txn = closeknit::db::begin_write(&db).await.unwrap();
        match idempotency::check::<serde_json::Value>(&txn, &key).await {
            Ok(Some(previous)) => return Ok(("replayed", previous)),
            Ok(None) => {}
            Err(e) => return Err(e),
        }
        // The "change" takes a moment, so the two really overlap.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        idempotency::record(&txn, &key, &json!("applied")).await?;
        txn.commit().await.unwrap();
        Ok(("applied", json!("applied")))
    };
    let (a, b) = tokio::join!(
        attempt(db.clone(), input.clone()),
        attempt(db.clone(), input)
    );
    let outcomes: Vec<_> = [a, b]
        .into_iter()
        .map(|r| match r {
            Ok((kind, _)) => kind,
            Err(AppError::Conflict { .. }) => "conflict",
            Err(other) => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "applied").count(),
        1,
        "{outcomes:?}"
    );
}
