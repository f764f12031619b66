//! A session's register as CSV, for those who run it: every booking on
//! it, oldest first, with no field a spreadsheet would run as a formula.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    error::AppResult,
    paging::{MAX_PAGE_SIZE, PageRequest},
    training::bookings::store::{self as bookings, RegisterRow},
};

/// The register's columns, as the CSV's header and the audit names them.
pub const FIELDS: &[&str] = &[
    "name",
    "state",
    "waitlistPosition",
    "accessNeeds",
    "attendanceMarkedAt",
];

/// Every line of the session's register, a page at a time.
pub async fn rows(db: &impl ConnectionTrait, session: Uuid) -> AppResult<Vec<RegisterRow>> {
    let mut out: Vec<RegisterRow> = Vec::new();
    loop {
        let page = PageRequest {
            first: u64::try_from(MAX_PAGE_SIZE).unwrap_or(100),
            after: out.last().map(|r| r.booking.id.to_string()),
        };
        let rows = bookings::register(db, session, &page).await?;
        let more = rows.len() > page.shown(&rows).len();
        out.extend(page.shown(&rows).iter().cloned());
        if !more {
            return Ok(out);
        }
    }
}

/// The register as CSV: a header, then one line per booking.
pub fn csv(rows: &[RegisterRow]) -> String {
    let mut out = crate::text::csv_line(FIELDS);
    for r in rows {
        let b = &r.booking;
        out.push_str(&crate::text::csv_line(&[
            r.name.as_deref().unwrap_or_default(),
            &b.state.as_str().to_uppercase(),
            &b.waitlist_position
                .map(|p| p.to_string())
                .unwrap_or_default(),
            b.access_needs.as_deref().unwrap_or_default(),
            &r.marked_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ]));
    }
    out
}
