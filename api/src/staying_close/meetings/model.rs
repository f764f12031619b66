//! Check-ins and reviews: how they happen, their state, and their
//! timescales.

use chrono::{Months, NaiveDate};

use sea_orm::Value;

use crate::error::{AppError, AppResult};
use crate::staying_close::plan::model::PlanStatus;
use crate::stored_enum;

stored_enum! {
    CheckInMode as "CheckInMode" {
        InPerson = "in_person",
        Phone = "phone",
        Video = "video",
        Message = "message",
    }
}

stored_enum! {
    /// A check-in's or review's state.
    MeetingStatus as "MeetingStatus" {
        Planned = "planned",
        Held = "held",
        /// Planned but did not happen.
        Missed = "missed",
    }
}

/// A planned check-in or review is overdue once its due date has passed
/// (callers check it was not held; the caseload filters apply the same
/// rule in SQL through [`plan_overdue_sql`]).
pub(in crate::staying_close) fn is_overdue(due_on: NaiveDate, today: NaiveDate) -> bool {
    due_on < today
}

/// A plan's next check-in or review is overdue when the plan has not ended
/// and [`is_overdue`] holds for its due date.
pub(in crate::staying_close) fn plan_is_overdue(
    status: PlanStatus,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status != PlanStatus::Ended && due_on.is_some_and(|due| is_overdue(due, today))
}

/// [`plan_is_overdue`] as an SQL condition on a plan's `status_column` and
/// `due_column`, for `today`: its values are pushed onto `params` and the
/// condition names them as `$n`, so the caseload filter and the objects
/// decide "overdue" by the same rule.
pub(in crate::staying_close) fn plan_overdue_sql(
    status_column: &str,
    due_column: &str,
    today: NaiveDate,
    params: &mut Vec<Value>,
) -> String {
    params.push(PlanStatus::Ended.as_str().into());
    let ended = params.len();
    params.push(today.into());
    let today_n = params.len();
    format!(
        "({status_column} <> ${ended} AND {due_column} IS NOT NULL AND {due_column} < ${today_n})"
    )
}

/// A meeting's status as read: a check-in still planned more than
/// `missed_after_days` days after it was due (the authority's setting;
/// `None` for reviews, which are never missed) was missed. Computed on
/// read, so nothing waits for a job; the stored row stays `planned` until
/// it is next written.
pub(in crate::staying_close) fn status_on(
    stored: MeetingStatus,
    due_on: NaiveDate,
    missed_after_days: Option<u32>,
    today: NaiveDate,
) -> MeetingStatus {
    let missed = missed_after_days.is_some_and(|days| {
        due_on
            .checked_add_days(chrono::Days::new(u64::from(days)))
            .is_some_and(|last_chance| today > last_chance)
    });
    if stored == MeetingStatus::Planned && missed {
        MeetingStatus::Missed
    } else {
        stored
    }
}

/// When the next review is due: the interval after the last review held
/// (or after the plan started), unless one was asked for sooner.
pub(in crate::staying_close) fn next_review_due(
    last_held_or_start: NaiveDate,
    interval_months: u32,
    requested: Option<NaiveDate>,
) -> NaiveDate {
    let routine = last_held_or_start
        .checked_add_months(Months::new(interval_months))
        .unwrap_or(last_held_or_start);
    requested.map_or(routine, |r| r.min(routine))
}

/// When the next check-in is due: the interval after the last one held
/// (or after the plan started).
pub(in crate::staying_close) fn next_check_in_due(
    last_held_or_start: NaiveDate,
    interval_days: u32,
) -> NaiveDate {
    last_held_or_start
        .checked_add_days(chrono::Days::new(u64::from(interval_days)))
        .unwrap_or(last_held_or_start)
}

/// A check-in interval from input: 7 to 56 days (the statutory visit is
/// at least every 8 weeks; shorter is allowed, longer is not).
pub(in crate::staying_close) fn check_in_interval(days: i32) -> AppResult<u32> {
    if !(7..=56).contains(&days) {
        return Err(AppError::bad_input(
            "checkInIntervalDays",
            "must be between 7 and 56 days (a personal adviser visits at least every 8 weeks)",
        ));
    }
    Ok(u32::try_from(days).unwrap_or(56))
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
