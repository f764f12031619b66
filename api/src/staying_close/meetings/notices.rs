//! What check-in and review reminders say and when they go: the young
//! person is reminded before a meeting is due, the workers on the plan the
//! day after it was due if it has not been logged, and the workers are
//! told when a young person asks for a review.

use chrono::NaiveDate;

use super::store::Meeting;
use crate::staying_close::words::long_date;

/// A notice's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Notice {
    pub title: String,
    pub body: String,
}

/// How the young person and workers name the meeting.
pub(super) fn noun(kind: Meeting) -> &'static str {
    match kind {
        Meeting::CheckIn => "check-in",
        Meeting::Review => "plan review",
    }
}

/// The day the young person is reminded: two days before a check-in, a
/// week before a review.
pub(super) fn remind_on(kind: Meeting, due: NaiveDate) -> NaiveDate {
    let lead_days = match kind {
        Meeting::CheckIn => 2,
        Meeting::Review => 7,
    };
    due.checked_sub_days(chrono::Days::new(lead_days))
        .unwrap_or(due)
}

/// The day the workers are told a meeting was not logged: the day after it
/// was due.
pub(super) fn overdue_on(due: NaiveDate) -> NaiveDate {
    due.checked_add_days(chrono::Days::new(1)).unwrap_or(due)
}

/// To the young person, before the meeting.
pub(super) fn coming_up(kind: Meeting, due: NaiveDate) -> Notice {
    let noun = noun(kind);
    Notice {
        title: format!("Your {noun} is coming up"),
        body: format!(
            "Your next Staying Close {noun} is due on {}.",
            long_date(due)
        ),
    }
}

/// To the workers, the day after a meeting was due and not logged.
pub(super) fn overdue(kind: Meeting, due: NaiveDate) -> Notice {
    let noun = noun(kind);
    Notice {
        title: format!("A {noun} is overdue"),
        body: format!(
            "A Staying Close {noun} on your caseload was due on {} and has not been logged.",
            long_date(due)
        ),
    }
}

/// To the workers, when the young person asks for a review.
pub(super) fn review_requested(due: NaiveDate) -> Notice {
    Notice {
        title: "A young person asked for a plan review".into(),
        body: format!(
            "A young person on your caseload asked for a review of their Staying Close plan. \
             It is now due by {}.",
            long_date(due)
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn reminders_go_before_and_after_and_name_the_meeting() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(remind_on(Meeting::CheckIn, due).to_string(), "2026-11-21");
        assert_eq!(remind_on(Meeting::Review, due).to_string(), "2026-11-16");
        assert_eq!(overdue_on(due).to_string(), "2026-11-24");
        let notice = coming_up(Meeting::Review, due);
        assert_eq!(notice.title, "Your plan review is coming up");
        assert!(
            notice.body.contains("Monday 23 November 2026"),
            "{notice:?}"
        );
        assert_eq!(
            overdue(Meeting::CheckIn, due).title,
            "A check-in is overdue"
        );
    }
}
