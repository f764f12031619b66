//! Scheduled reminders on both databases: created exactly once with
//! several schedulers running, rescheduled and cancelled by collapse key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use chrono::Utc;
use closeknit::{
    db::raw::query,
    notifications::{
        model::Kind,
        reminders::{self, NewReminder},
    },
};
use closeknit_tests::{TestApp, beyond_api, eventually};
use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    query(db, sql, vec![]).await.unwrap()[0]
        .try_get_by_index(0)
        .unwrap()
}

async fn young_people(db: &DatabaseConnection) -> Vec<Uuid> {
    query(
        db,
        "SELECT a.person_id FROM accounts a JOIN role_grants g ON g.account_id = a.id \
         WHERE g.role = 'young_person' ORDER BY a.person_id",
        vec![],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect()
}

fn reminder<'a>(
    person: Uuid,
    key: &'a str,
    title: &'a str,
    due: chrono::DateTime<Utc>,
) -> NewReminder<'a> {
    NewReminder {
        person_id: person,
        kind: Kind::CheckInDue,
        title,
        body: "Your key worker will call to see how you are.",
        subject: None,
        collapse_key: key,
        due_at: due,
    }
}

#[tokio::test]
async fn three_schedulers_create_each_due_reminder_once() {
    let first = TestApp::spawn().await;
    let others = [
        TestApp::builder().shared_database(&first).spawn().await,
        TestApp::builder().shared_database(&first).spawn().await,
    ];
    let people = young_people(&first.db).await;
    let keys: Vec<String> = (0..300).map(|n| format!("check-in:{n}")).collect();
    let txn = first.db.begin().await.unwrap();
    for (n, key) in keys.iter().enumerate() {
        let due = Utc::now() - chrono::Duration::seconds(1);
        reminders::schedule(
            &txn,
            reminder(people[n % people.len()], key, "Check-in due", due),
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();

    assert!(
        eventually(Duration::from_secs(30), || async {
            count(
                &first.db,
                "SELECT COUNT(*) FROM reminders WHERE state = 'pending'",
            )
            .await
                == 0
        })
        .await,
        "every reminder was sent"
    );
    assert_eq!(
        count(
            &first.db,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'check_in_due'"
        )
        .await,
        300
    );
    assert_eq!(
        count(
            &first.db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT person_id, collapse_key FROM notifications) d"
        )
        .await,
        300
    );
    assert_eq!(
        count(
            &first.db,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'notification.email'"
        )
        .await,
        300,
        "one email delivery each"
    );
    drop(others);
}

#[tokio::test]
async fn rescheduling_replaces_and_cancelling_stops_a_reminder() {
    let app = TestApp::spawn().await;
    let people = young_people(&app.db).await;
    let jamie = people[0];
    let later = Utc::now() + chrono::Duration::hours(1);
    let now = Utc::now() - chrono::Duration::seconds(1);
    let schedule = |r: NewReminder<'static>| {
        let db = app.db.clone();
        async move {
            let txn = db.begin().await.unwrap();
            reminders::schedule(&txn, r).await.unwrap();
            txn.commit().await.unwrap();
        }
    };
    let titles = || async {
        query(
            &app.db,
            "SELECT title FROM notifications WHERE person_id = $1 ORDER BY id",
            vec![jamie.into()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect::<Vec<_>>()
    };

    // Booked for later, then moved to now: sent once, with the new words.
    schedule(reminder(jamie, "check-in:a", "Check-in on Monday", later)).await;
    schedule(reminder(
        jamie,
        "check-in:a",
        "Check-in moved to today",
        now,
    ))
    .await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            titles().await.len() == 1
        })
        .await
    );
    assert_eq!(titles().await, ["Check-in moved to today"]);

    // Saving it again for the same time does not send it twice...
    schedule(reminder(
        jamie,
        "check-in:a",
        "Check-in moved to today",
        now,
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(titles().await, ["Check-in moved to today"]);
    // ...but the next occurrence under the same key replaces the sent one.
    let next = Utc::now() - chrono::Duration::milliseconds(500);
    schedule(reminder(jamie, "check-in:a", "Next check-in today", next)).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            titles().await == ["Next check-in today"]
        })
        .await,
        "{:?}",
        titles().await
    );

    // Cancelled before it is due: never sent.
    schedule(reminder(jamie, "review:b", "Review due", later)).await;
    assert!(reminders::cancel(&app.db, jamie, "review:b").await.unwrap());
    beyond_api::move_reminder_due(&app.db, "review:b", now).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(titles().await, ["Next check-in today"]);
}

#[tokio::test]
async fn a_reminder_that_cannot_be_sent_does_not_hold_up_the_rest() {
    let app = TestApp::spawn().await;
    let people = young_people(&app.db).await;
    let past = Utc::now() - chrono::Duration::minutes(5);
    // A row that notify() refuses (blank title), written around schedule()'s checks,
    // due before a good one.
    beyond_api::insert_unsendable_reminder(&app.db, people[0], past).await;
    let txn = app.db.begin().await.unwrap();
    reminders::schedule(
        &txn,
        reminder(people[1], "good", "Check-in due", Utc::now()),
    )
    .await
    .unwrap();
    assert!(
        reminders::schedule(&txn, reminder(people[1], "blank", " ", Utc::now()))
            .await
            .is_err(),
        "schedule() refuses what notify() would"
    );
    txn.commit().await.unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            count(
                &app.db,
                "SELECT COUNT(*) FROM notifications WHERE collapse_key = 'good'",
            )
            .await
                == 1
        })
        .await
    );
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM reminders WHERE state = 'failed'"
        )
        .await,
        1
    );
}
