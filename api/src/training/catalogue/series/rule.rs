//! A series' recurrence rule (RFC 5545 `RRULE`, through the `rrule`
//! crate): checked, and expanded into its occurrences' starts. Each
//! occurrence is computed in the series' own time zone from a first start
//! given as a local date-time there, so a group at 18:00 in London stays
//! at 18:00 local across the clocks changing.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use rrule::{Frequency, RRule, Unvalidated};

use crate::error::{AppError, AppResult};

/// The most occurrences one series may have.
pub const MAX_OCCURRENCES: u16 = 100;
/// The longest rule text accepted (the column holds 500).
const MAX_RULE_LENGTH: usize = 500;

fn bad_rule(message: impl Into<String>) -> AppError {
    AppError::bad_input("input.rrule", message.into())
}

/// The rule's text, trimmed and checked: a bounded (COUNT or UNTIL) rule
/// of daily or coarser frequency, without DTSTART or TZID inside it (the
/// first start and the time zone are their own fields).
pub fn checked(rule: &str) -> AppResult<(String, RRule<Unvalidated>)> {
    let text = rule.trim();
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if text.is_empty() || text.len() > MAX_RULE_LENGTH {
        return Err(bad_rule("must be a recurrence rule of 1 to 500 characters"));
    }
    let upper = text.to_ascii_uppercase();
    if upper.contains("DTSTART") || upper.contains("TZID") || text.contains(['\n', '\r']) {
        return Err(bad_rule(
            "give the rule alone (such as FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12): \
             the first start and the time zone are their own fields, not DTSTART or TZID",
        ));
    }
    let parsed: RRule<Unvalidated> = text.parse().map_err(|e: rrule::RRuleError| {
        bad_rule(format!(
            "is not a recurrence rule RFC 5545 understands: {e}"
        ))
    })?;
    if matches!(
        parsed.get_freq(),
        Frequency::Hourly | Frequency::Minutely | Frequency::Secondly
    ) {
        return Err(bad_rule(
            "must repeat daily or less often (FREQ=DAILY at the finest)",
        ));
    }
    if parsed.get_count().is_none() && parsed.get_until().is_none() {
        return Err(bad_rule(
            "must end: give COUNT (how many times) or UNTIL (a last date)",
        ));
    }
    Ok((text.to_string(), parsed))
}

/// The first start, a local date-time in `zone`, as an instant; one that
/// the clocks skip is BAD_USER_INPUT, and one they pass twice is the
/// earlier.
pub fn first_start(local: NaiveDateTime, zone: chrono_tz::Tz) -> AppResult<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(at.with_timezone(&Utc)),
        LocalResult::None => Err(AppError::bad_input(
            "input.firstStartsAt",
            "does not exist in this time zone (the clocks go forward then)",
        )),
    }
}

/// The starts of every occurrence of `rule` from `first` (in `zone`):
/// 1 to [`MAX_OCCURRENCES`] of them, or BAD_USER_INPUT naming `input.rrule`.
pub fn occurrences(
    rule: RRule<Unvalidated>,
    first: DateTime<Utc>,
    zone: chrono_tz::Tz,
) -> AppResult<Vec<DateTime<Utc>>> {
    let start = first.with_timezone(&rrule::Tz::Tz(zone));
    let set = rule
        .build(start)
        .map_err(|e| bad_rule(format!("cannot be used from this first start: {e}")))?;
    let found = set.all(MAX_OCCURRENCES + 1);
    if found.dates.len() > usize::from(MAX_OCCURRENCES) || found.limited {
        return Err(bad_rule(format!(
            "gives more than {MAX_OCCURRENCES} occurrences: lower COUNT or bring UNTIL closer"
        )));
    }
    if found.dates.is_empty() {
        return Err(bad_rule("gives no occurrences from the first start"));
    }
    Ok(found
        .dates
        .into_iter()
        .map(|at| at.with_timezone(&Utc))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Timelike};

    fn london() -> chrono_tz::Tz {
        chrono_tz::Europe::London
    }

    fn local(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, 0, 0))
            .unwrap()
    }

    fn expand(rule: &str, first: NaiveDateTime) -> AppResult<Vec<DateTime<Utc>>> {
        let (_, parsed) = checked(rule)?;
        occurrences(parsed, first_start(first, london())?, london())
    }

    fn field(result: AppResult<Vec<DateTime<Utc>>>) -> String {
        match result {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_fortnightly_group_stays_at_six_local_across_the_clocks_changing() {
        // Tuesdays from 9 March 2027; the clocks go forward on 28 March.
        let starts = expand(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=4",
            local(2027, 3, 9, 18),
        )
        .unwrap();
        assert_eq!(starts.len(), 4);
        assert_eq!(starts[0].hour(), 18); // GMT
        assert_eq!(starts[1].hour(), 18); // 23 March, still GMT
        assert_eq!(starts[2].hour(), 17); // 6 April, BST
        for at in &starts {
            assert_eq!(at.with_timezone(&london()).hour(), 18);
        }
    }

    #[test]
    fn until_bounds_the_rule() {
        let starts = expand(
            "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270401T000000Z",
            local(2027, 3, 2, 18),
        )
        .unwrap();
        assert_eq!(starts.len(), 5);
    }

    #[test]
    fn unbounded_fine_grained_huge_and_foreign_rules_are_refused() {
        for rule in [
            "FREQ=WEEKLY;BYDAY=TU",
            "FREQ=HOURLY;COUNT=3",
            "FREQ=DAILY;COUNT=101",
            "DTSTART:20270302T180000Z\nRRULE:FREQ=DAILY;COUNT=2",
            "FREQ=DAILY;COUNT=2;TZID=Europe/London",
            "FREQ=SOMETIMES;COUNT=2",
            "",
        ] {
            assert_eq!(
                field(expand(rule, local(2027, 3, 2, 18))),
                "input.rrule",
                "{rule}"
            );
        }
        assert_eq!(
            expand("FREQ=DAILY;COUNT=100", local(2027, 3, 2, 18))
                .unwrap()
                .len(),
            100
        );
    }

    #[test]
    fn a_first_start_the_clocks_skip_is_refused() {
        assert_eq!(
            field(expand(
                "FREQ=DAILY;COUNT=2",
                local(2027, 3, 28, 1).with_minute(30).unwrap()
            )),
            "input.firstStartsAt"
        );
    }
}
