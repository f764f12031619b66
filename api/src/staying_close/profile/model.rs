//! The care leaver: their category under the Children (Leaving Care) Act
//! 2000, their SSDA903 child identifier, and the authority's settings.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::staying_close::dates;
use crate::stored_enum;

stored_enum! {
    /// Care-leaver status under the Children (Leaving Care) Act 2000.
    CareLeaverCategory as "CareLeaverCategory" {
        /// Aged 16-17 and still looked after.
        Eligible = "eligible",
        /// Aged 16-17, left care after their 16th birthday.
        Relevant = "relevant",
        /// Aged 18-25, previously eligible or relevant.
        FormerRelevant = "former_relevant",
        /// Looked after for a shorter time, or left care under a special
        /// guardianship order.
        Qualifying = "qualifying",
    }
}

/// The authority's Staying Close settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::staying_close) struct AuthoritySettings {
    /// Support lasts to this birthday (21, or up to 25 where extended).
    pub support_to_age: u32,
    pub check_in_interval_days: u32,
    pub review_interval_months: u32,
    /// A planned check-in not held this many days after it was due is
    /// missed.
    pub check_in_missed_after_days: u32,
}

impl Default for AuthoritySettings {
    fn default() -> Self {
        AuthoritySettings {
            support_to_age: 21,
            check_in_interval_days: 56,
            review_interval_months: 6,
            check_in_missed_after_days: 14,
        }
    }
}

/// The SSDA903 child identifier: 1 to 10 letters or digits.
pub(super) fn child_ref(value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 10 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::bad_input(
            "childRef",
            "must be the SSDA903 child identifier: 1 to 10 letters or digits",
        ));
    }
    Ok(v.to_string())
}

/// The category's rules under the Children (Leaving Care) Act 2000, on
/// `today`: an eligible young person is still looked after (no left-care
/// date); relevant and former relevant young people have left (a date is
/// needed); former relevant is 18 or over; eligible and relevant are under
/// 18; care is not left before the 14th birthday nor in the future.
pub(super) fn check_category(
    category: CareLeaverCategory,
    left_care_on: Option<NaiveDate>,
    born: NaiveDate,
    today: NaiveDate,
) -> AppResult<()> {
    let age = dates::age_on(born, today);
    match (category, left_care_on) {
        (CareLeaverCategory::Eligible, Some(_)) => {
            return Err(AppError::bad_input(
                "leftCareOn",
                "an eligible young person is still looked after: leave it empty",
            ));
        }
        (CareLeaverCategory::Relevant | CareLeaverCategory::FormerRelevant, None) => {
            return Err(AppError::bad_input(
                "leftCareOn",
                "is needed for a relevant or former relevant young person",
            ));
        }
        _ => {}
    }
    if category == CareLeaverCategory::FormerRelevant && age < 18 {
        return Err(AppError::bad_input(
            "category",
            "a former relevant young person is 18 or over",
        ));
    }
    if matches!(
        category,
        CareLeaverCategory::Eligible | CareLeaverCategory::Relevant
    ) && age >= 18
    {
        return Err(AppError::bad_input(
            "category",
            "eligible and relevant young people are 16 or 17",
        ));
    }
    if let Some(left) = left_care_on {
        dates::not_future("leftCareOn", left, today)?;
        if left < dates::birthday(born, 14) {
            return Err(AppError::bad_input(
                "leftCareOn",
                "is before the young person's 14th birthday",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
