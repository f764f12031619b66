//! Rules for notifications: kinds, channels, urgency and quiet hours.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{AppError, AppResult};

crate::stored_enum! {
    /// What a notification is about.
    Kind as "NotificationKind" {
        /// A Staying Close check-in is due or overdue.
        CheckInDue = "check_in_due",
        /// A plan review is due or overdue.
        ReviewDue = "review_due",
        /// An allowance or bursary claim was approved or rejected.
        ClaimDecided = "claim_decided",
        /// A plan version was shared for the young person to agree.
        PlanShared = "plan_shared",
        /// A booked training session or group is coming up.
        TrainingReminder = "training_reminder",
        /// A training place booked, a place on the waiting list, or a
        /// freed place offered.
        TrainingBooking = "training_booking",
        /// An advocacy request is close to its timescale.
        AdvocacyTimescale = "advocacy_timescale",
        /// An advocacy request was received, assigned or moved on (never
        /// what it says).
        AdvocacyUpdate = "advocacy_update",
        /// Something about a child's safety. Never waits for quiet hours.
        Safeguarding = "safeguarding",
        /// Something about the person's account. Never waits for quiet hours.
        Security = "security",
    }
}

impl Kind {
    /// Urgent kinds are delivered at once, whatever the quiet hours.
    pub fn urgent(self) -> bool {
        matches!(self, Kind::Safeguarding | Kind::Security)
    }

    /// Channels a person cannot switch off for this kind. The in-app inbox
    /// is the record of everything sent, so it is always on; urgent kinds
    /// also always go by email, to reach a person who is not in the app.
    pub fn required_channels(self) -> &'static [Channel] {
        match self {
            Kind::Safeguarding | Kind::Security => &[Channel::InApp, Channel::Email],
            _ => &[Channel::InApp],
        }
    }
}

crate::stored_enum! {
    /// How a notification reaches a person.
    #[derive(PartialOrd, Ord)]
    Channel as "NotificationChannel" {
        InApp = "in_app",
        Email = "email",
        Push = "push",
    }
}

/// A person's channels for one kind: their choice plus the required ones,
/// distinct and ordered.
pub fn effective_channels(kind: Kind, chosen: &[Channel]) -> Vec<Channel> {
    let mut channels: Vec<Channel> = chosen
        .iter()
        .chain(kind.required_channels())
        .copied()
        .collect();
    channels.sort();
    channels.dedup();
    channels
}

pub fn channels_to_string(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Channels as stored (comma-separated codes; an unknown one is `INTERNAL`).
pub fn channels_from_string(stored: &str) -> AppResult<Vec<Channel>> {
    stored
        .split(',')
        .filter(|c| !c.is_empty())
        .map(Channel::parse)
        .collect()
}

/// The default: every channel.
pub const DEFAULT_CHANNELS: [Channel; 3] = Channel::ALL;

/// The default time zone for people in England.
pub const DEFAULT_TIME_ZONE: Tz = crate::clock::ENGLAND;

pub fn time_zone(field: &str, name: &str) -> AppResult<Tz> {
    name.parse::<Tz>()
        .map_err(|_| AppError::bad_input(field, "is not an IANA time zone such as Europe/London"))
}

/// Quiet hours: a daily window, in the person's local time, when non-urgent
/// notifications wait. `start == end` is refused (it would be ambiguous).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    pub fn new(start: NaiveTime, end: NaiveTime) -> AppResult<Self> {
        if start == end {
            return Err(AppError::bad_input(
                "quietHours",
                "start and end must differ",
            ));
        }
        Ok(QuietHours { start, end })
    }

    fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            // Crosses midnight, e.g. 21:00 to 08:00.
            t >= self.start || t < self.end
        }
    }
}

/// When a notification may be delivered: now, or (non-urgent, inside quiet
/// hours) when the quiet hours end in the person's time zone.
pub fn deliver_at(
    now: DateTime<Utc>,
    zone: Tz,
    quiet: Option<QuietHours>,
    urgent: bool,
) -> DateTime<Utc> {
    let Some(quiet) = quiet.filter(|_| !urgent) else {
        return now;
    };
    let local = now.with_timezone(&zone);
    if !quiet.contains(local.time()) {
        return now;
    }
    let mut date = local.date_naive();
    if local.time() >= quiet.end {
        date = date.succ_opt().unwrap_or(date);
    }
    let end = date.and_time(quiet.end);
    // A quiet-hours end that falls in a DST gap moves an hour later; in an
    // overlap, the earlier instant is taken.
    let resolved = zone.from_local_datetime(&end).earliest().or_else(|| {
        zone.from_local_datetime(&(end + Duration::hours(1)))
            .earliest()
    });
    match resolved {
        Some(at) => at.with_timezone(&Utc).max(now),
        None => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_hours_defer_non_urgent_until_they_end_locally() {
        let quiet = Some(QuietHours::new(t(21, 0), t(8, 0)).unwrap());
        let london = chrono_tz::Europe::London;
        // 23:30 BST (22:30 UTC) in summer: wait until 08:00 BST = 07:00 UTC.
        assert_eq!(
            deliver_at(utc("2026-07-01T22:30:00Z"), london, quiet, false),
            utc("2026-07-02T07:00:00Z")
        );
        // 06:00 GMT in winter: until 08:00 GMT the same day.
        assert_eq!(
            deliver_at(utc("2026-12-01T06:00:00Z"), london, quiet, false),
            utc("2026-12-01T08:00:00Z")
        );
        // Outside quiet hours, and urgent messages: now.
        let noon = utc("2026-12-01T12:00:00Z");
        assert_eq!(deliver_at(noon, london, quiet, false), noon);
        let night = utc("2026-12-01T23:00:00Z");
        assert_eq!(deliver_at(night, london, quiet, true), night);
        assert_eq!(deliver_at(night, london, None, false), night);
    }

    #[test]
    fn a_daytime_window_and_another_zone() {
        let quiet = Some(QuietHours::new(t(9, 0), t(15, 0)).unwrap());
        let tokyo = chrono_tz::Asia::Tokyo;
        // 10:00 JST = 01:00 UTC: wait until 15:00 JST = 06:00 UTC.
        assert_eq!(
            deliver_at(utc("2026-03-10T01:00:00Z"), tokyo, quiet, false),
            utc("2026-03-10T06:00:00Z")
        );
        assert!(QuietHours::new(t(9, 0), t(9, 0)).is_err());
    }

    #[test]
    fn an_end_in_the_spring_gap_moves_an_hour_later() {
        // Clocks go forward at 01:00 GMT on 29 March 2026: 01:30 local does
        // not exist.
        let quiet = Some(QuietHours::new(t(23, 0), t(1, 30)).unwrap());
        let at = deliver_at(
            utc("2026-03-29T00:10:00Z"),
            chrono_tz::Europe::London,
            quiet,
            false,
        );
        assert_eq!(at, utc("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn required_channels_cannot_be_switched_off() {
        assert_eq!(
            effective_channels(Kind::Security, &[Channel::Push]),
            [Channel::InApp, Channel::Email, Channel::Push]
        );
        assert_eq!(effective_channels(Kind::ReviewDue, &[]), [Channel::InApp]);
        assert_eq!(
            channels_from_string(&channels_to_string(&Channel::ALL)).unwrap(),
            Channel::ALL
        );
        assert!(time_zone("timeZone", "Mars/Olympus").is_err());
    }
}
