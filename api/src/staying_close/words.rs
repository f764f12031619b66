//! How Staying Close words things: a version's `{field, from, to}`
//! change, dates in messages, the morning a reminder goes out.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use crate::notifications::model::DEFAULT_TIME_ZONE;

/// One field's change in a plan version: `{field, from, to}`.
pub(super) fn change(field: &str, from: impl Serialize, to: impl Serialize) -> serde_json::Value {
    serde_json::json!({ "field": field, "from": from, "to": to })
}

/// 09:00 in England on a date, as the moment a reminder goes out.
pub(super) fn morning(date: NaiveDate) -> chrono::DateTime<Utc> {
    let at = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    DEFAULT_TIME_ZONE
        .from_local_datetime(&at)
        .earliest()
        .map_or_else(|| at.and_utc(), |t| t.with_timezone(&Utc))
}

/// A date as messages write it: "Monday 23 November 2026".
pub(super) fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}
