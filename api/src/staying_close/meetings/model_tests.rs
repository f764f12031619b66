#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn timescales() {
    assert_eq!(next_check_in_due(d(2026, 1, 1), 56), d(2026, 2, 26));
    assert_eq!(next_review_due(d(2026, 1, 31), 6, None), d(2026, 7, 31));
    assert_eq!(next_review_due(d(2025, 8, 31), 6, None), d(2026, 2, 28));
    // A review asked for sooner comes sooner; never later.
    assert_eq!(
        next_review_due(d(2026, 1, 1), 6, Some(d(2026, 3, 1))),
        d(2026, 3, 1)
    );
    assert_eq!(
        next_review_due(d(2026, 1, 1), 6, Some(d(2027, 3, 1))),
        d(2026, 7, 1)
    );
    assert!(check_in_interval(57).is_err());
    assert!(check_in_interval(6).is_err());
    assert_eq!(check_in_interval(28).unwrap(), 28);
}

#[test]
fn a_meeting_is_overdue_the_day_after_it_was_due() {
    let due = d(2026, 11, 20);
    assert!(!is_overdue(due, d(2026, 11, 19)));
    assert!(!is_overdue(due, due));
    assert!(is_overdue(due, d(2026, 11, 21)));
}

/// Asks an in-memory SQLite database what `plan_overdue_sql` decides for a
/// plan with `status` due on `due`.
async fn sql_says(
    db: &sea_orm::DatabaseConnection,
    status: PlanStatus,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    let mut params: Vec<Value> = vec![status.as_str().into(), due.into()];
    let condition = plan_overdue_sql("p.status", "p.due", today, &mut params);
    let sql = format!(
        "SELECT CASE WHEN {condition} THEN 1 ELSE 0 END AS overdue \
         FROM (SELECT $1 AS status, $2 AS due) p"
    );
    let rows = crate::db::raw::query(db, &sql, params).await.unwrap();
    rows[0].try_get::<i32>("", "overdue").unwrap() == 1
}

#[tokio::test]
async fn the_caseload_filter_and_the_objects_agree_on_overdue() {
    let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    let today = d(2026, 11, 20);
    let yesterday = d(2026, 11, 19);
    let tomorrow = d(2026, 11, 21);
    for status in PlanStatus::ALL {
        for due in [Some(yesterday), Some(today), Some(tomorrow), None] {
            let rule = plan_is_overdue(status, due, today);
            assert_eq!(
                sql_says(&db, status, due, today).await,
                rule,
                "{status:?} due {due:?}"
            );
        }
    }
    assert!(plan_is_overdue(PlanStatus::Active, Some(yesterday), today));
    assert!(!plan_is_overdue(PlanStatus::Active, Some(today), today));
    assert!(!plan_is_overdue(PlanStatus::Ended, Some(yesterday), today));
}

#[test]
fn a_check_in_not_held_is_missed_after_the_authority_s_days() {
    let due = d(2026, 11, 1);
    let planned = MeetingStatus::Planned;
    // Due 1 November, 14 days: still planned on the 15th, missed on the 16th.
    assert_eq!(status_on(planned, due, Some(14), d(2026, 11, 1)), planned);
    assert_eq!(status_on(planned, due, Some(14), d(2026, 11, 15)), planned);
    assert_eq!(
        status_on(planned, due, Some(14), d(2026, 11, 16)),
        MeetingStatus::Missed
    );
    assert_eq!(
        status_on(planned, due, Some(7), d(2026, 11, 9)),
        MeetingStatus::Missed
    );
    // Held stays held; reviews are never missed.
    let held = MeetingStatus::Held;
    assert_eq!(status_on(held, due, Some(14), d(2027, 1, 1)), held);
    assert_eq!(status_on(planned, due, None, d(2027, 1, 1)), planned);
}
