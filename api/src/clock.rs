//! The one clock for dates people mean: England's. "Due", "overdue", "in
//! force" and "today" are judged by the date in England, whatever the
//! server's time zone; instants are stored in UTC.

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

/// England's time zone (GMT/BST).
pub const ENGLAND: Tz = chrono_tz::Europe::London;

/// Today in England.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&ENGLAND).date_naive()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn england_is_an_hour_ahead_of_utc_in_summer() {
        // 23:30 UTC on 1 July is already 2 July in England.
        let late = Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap();
        assert_eq!(
            late.with_timezone(&ENGLAND).date_naive(),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
        );
        let winter = Utc.with_ymd_and_hms(2026, 1, 1, 23, 30, 0).unwrap();
        assert_eq!(
            winter.with_timezone(&ENGLAND).date_naive(),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
    }
}
