//! Calendar invitations (.ics, RFC 5545) to attach to emails, so a booked
//! session lands in the person's own calendar.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

use crate::jobs::mail::EmailAttachment;

/// One event to put in someone's calendar.
pub struct Invite<'a> {
    /// Stable across updates of the same event (so calendars replace it).
    pub uid: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The invitation as an email attachment (`invite.ics`).
pub fn attachment(invite: &Invite<'_>) -> EmailAttachment {
    let mut event = Event::new();
    event
        .uid(invite.uid)
        .summary(invite.summary)
        .description(invite.description)
        .starts(invite.starts_at)
        .ends(invite.ends_at)
        .timestamp(Utc::now());
    if let Some(location) = invite.location {
        event.location(location);
    }
    let mut calendar = Calendar::new();
    calendar
        .append_property(("METHOD", "PUBLISH"))
        .push(event.done());
    EmailAttachment {
        filename: "invite.ics".into(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
        content: calendar.done().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invite_is_an_ics_calendar_with_one_event() {
        let ics = attachment(&Invite {
            uid: "session-42@closeknit",
            summary: "Kinship carers' workshop",
            description: "Bring a notebook.",
            location: Some("Community hall"),
            starts_at: "2026-12-01T10:00:00Z".parse().unwrap(),
            ends_at: "2026-12-01T12:00:00Z".parse().unwrap(),
        })
        .content;
        assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
        for line in [
            "METHOD:PUBLISH",
            "BEGIN:VEVENT",
            "UID:session-42@closeknit",
            "DTSTART:20261201T100000Z",
            "DTEND:20261201T120000Z",
            "LOCATION:Community hall",
            "END:VCALENDAR",
        ] {
            assert!(ics.contains(line), "{line} in {ics}");
        }
    }
}
