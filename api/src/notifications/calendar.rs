//! Calendar invitations (.ics, RFC 5545 with iTIP's methods, RFC 5546)
//! attached to notification emails, so a booked session lands in the
//! person's own calendar and follows it when it changes or is cancelled.
//!
//! Notifications never read another domain's tables: a domain registers a
//! [`CalendarSource`] for its subject type at startup, and the email job
//! asks it, at send time, what calendar entry (if any) a notification
//! about one of its records carries now.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{model::Kind, store::NotificationRow};
use crate::{error::AppResult, jobs::mail::EmailAttachment};

/// What the invitation asks of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add the entry, or update the one with the same `UID` (when the
    /// `SEQUENCE` is higher).
    Request,
    /// Remove the entry with the same `UID`.
    Cancel,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// One entry in someone's calendar, as its owner describes it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub method: Method,
    /// Stable across every update of the same entry (so calendars replace
    /// or remove it rather than adding a second).
    pub uid: String,
    /// Raised by every change the entry's holders must follow.
    pub sequence: i32,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// An entry addressed: who sends it, who it is for, and when.
pub struct Invite<'a> {
    pub entry: &'a Entry,
    /// The organiser's address (the no-reply sender) and display name.
    pub organizer: (&'a str, &'a str),
    pub attendee: &'a str,
    /// `DTSTAMP`: when this copy was made.
    pub stamp: DateTime<Utc>,
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The invitation's bytes: CRLF line ends, lines folded at 75 octets,
/// commas, semicolons and line breaks in text escaped.
pub fn render(invite: &Invite<'_>) -> String {
    let entry = invite.entry;
    let (organizer, organizer_name) = invite.organizer;
    let mut event = Event::new();
    event
        .uid(&entry.uid)
        .add_property("SEQUENCE", entry.sequence.to_string())
        .add_property("DTSTAMP", utc(invite.stamp))
        .add_property("DTSTART", utc(entry.starts_at))
        .add_property("DTEND", utc(entry.ends_at))
        .summary(&entry.summary)
        .description(&entry.description)
        .status(match entry.method {
            Method::Request => EventStatus::Confirmed,
            Method::Cancel => EventStatus::Cancelled,
        })
        .append_property(
            Property::new("ORGANIZER", format!("mailto:{organizer}"))
                .add_parameter("CN", organizer_name)
                .done(),
        )
        .append_property(
            Property::new("ATTENDEE", format!("mailto:{}", invite.attendee))
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .add_parameter("PARTSTAT", "ACCEPTED")
                .done(),
        );
    if let Some(location) = &entry.location {
        event.location(location);
    }
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("PRODID", "-//Closeknit//Training//EN"))
        .append_property(("VERSION", "2.0"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", entry.method.as_str()))
        .push(event.done());
    calendar.done().to_string()
}

/// The invitation as an email attachment (`invite.ics`), with the
/// content type calendars read the method from.
pub fn attachment(invite: &Invite<'_>) -> EmailAttachment {
    EmailAttachment {
        filename: "invite.ics".into(),
        content_type: format!(
            "text/calendar; charset=utf-8; method={}",
            invite.entry.method.as_str()
        ),
        content: render(invite),
    }
}

/// A domain's answer to "what calendar entry does this notification about
/// one of your records carry now?", read when the email is sent.
#[async_trait]
pub trait CalendarSource: Send + Sync {
    async fn entry(
        &self,
        db: &DatabaseConnection,
        kind: Kind,
        subject_id: Uuid,
    ) -> AppResult<Option<Entry>>;
}

/// The calendar sources of a process, by subject type.
#[derive(Clone, Default)]
pub struct CalendarSources(Vec<(&'static str, Arc<dyn CalendarSource>)>);

impl CalendarSources {
    pub fn with(
        mut self,
        subject_type: &'static str,
        source: impl CalendarSource + 'static,
    ) -> Self {
        self.0.push((subject_type, Arc::new(source)));
        self
    }

    /// The entry the notification carries, if its subject's domain gives one.
    pub async fn entry(
        &self,
        db: &DatabaseConnection,
        notification: &NotificationRow,
    ) -> AppResult<Option<Entry>> {
        let (Some(subject_type), Some(subject_id)) = (
            notification.subject_type.as_deref(),
            notification.subject_id,
        ) else {
            return Ok(None);
        };
        match self.0.iter().find(|(t, _)| *t == subject_type) {
            Some((_, source)) => source.entry(db, notification.kind, subject_id).await,
            None => Ok(None),
        }
    }
}
