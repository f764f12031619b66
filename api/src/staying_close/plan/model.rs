//! A plan's status, why it ended, and the rules for its dates.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::staying_close::dates::{age_on, birthday};
use crate::staying_close::profile::model::AuthoritySettings;
use crate::stored_enum;

stored_enum! {
    PlanStatus as "PlanStatus" {
        /// Being written; the young person can already see and comment.
        Draft = "draft",
        Active = "active",
        Ended = "ended",
    }
}

stored_enum! {
    /// Why a plan ended.
    PlanEndReason as "PlanEndReason" {
        /// Reached the planned end.
        Completed = "completed",
        /// The young person chose to stop.
        YoungPersonChoseToEnd = "young_person_chose_to_end",
        /// Moved to another authority's area.
        MovedAway = "moved_away",
        /// Returned to care.
        ReturnedToCare = "returned_to_care",
        /// Replaced by a new plan.
        Replaced = "replaced",
        Other = "other",
    }
}

/// Youngest age at which a plan can start (a looked-after 16-year-old can
/// be planned for before leaving the home).
const YOUNGEST_START_AGE: i32 = 16;

/// Validates a plan's dates: it starts on or after the 16th birthday and
/// before its end, and ends no later than the authority's support age
/// (21 by default, up to 25 where the authority extends it). The planned
/// end defaults to the 21st birthday (or the support age, if lower).
pub(super) fn plan_dates(
    born: NaiveDate,
    start: NaiveDate,
    planned_end: Option<NaiveDate>,
    settings: AuthoritySettings,
) -> AppResult<NaiveDate> {
    if age_on(born, start) < YOUNGEST_START_AGE {
        return Err(AppError::bad_input(
            "startDate",
            "must be on or after the young person's 16th birthday",
        ));
    }
    let latest = birthday(born, settings.support_to_age);
    let end = planned_end.unwrap_or_else(|| birthday(born, 21).min(latest));
    if end <= start {
        return Err(AppError::bad_input(
            "plannedEndDate",
            "must be after the start date",
        ));
    }
    if end > latest {
        return Err(AppError::bad_input(
            "plannedEndDate",
            format!(
                "must be on or before the young person's {}th birthday ({latest}): this authority supports young people to {}",
                settings.support_to_age, settings.support_to_age
            ),
        ));
    }
    Ok(end)
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
