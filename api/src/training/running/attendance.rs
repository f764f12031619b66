//! Attendance: those who run a session (its coordinators and its
//! facilitator) mark whether each person booked came, from the session's
//! start (EXCUSED may be marked before). A mark may be corrected to another
//! mark; each is audited against the person.

use std::collections::HashSet;

use chrono::Utc;
use serde::Serialize;
use uuid::Uuid;

use super::{service::locked, store};
use crate::{
    audit::AuditAction,
    change::{Audited, Call},
    error::{AppError, AppResult},
    policy::Target,
    start_change,
    training::{
        access,
        bookings::{
            model::{self, Attendance, BookingState},
            service::refused,
            store as bookings,
        },
        catalogue::{
            service::{Done, provider_target},
            store::SessionState,
        },
    },
};

/// The most marks one call takes (a session's capacity at most).
const MAX_MARKS: usize = 1000;

#[derive(Debug, Serialize)]
pub(in crate::training) struct MarkInput {
    pub session: Uuid,
    pub marks: Vec<(Uuid, Attendance)>,
}

/// Marks attendance on a session's bookings, all or none.
pub(in crate::training) async fn mark(call: &Call<'_>, input: MarkInput) -> AppResult<Done> {
    let tx = start_change!(call, "markTrainingAttendance", &input);
    let row = locked(&tx.txn, input.session).await?;
    if !access::runs(tx.call.viewer, row.course.provider_id, row.facilitator_id) {
        return Err(AppError::Forbidden);
    }
    if input.marks.is_empty() || input.marks.len() > MAX_MARKS {
        return Err(AppError::bad_input(
            "input.marks",
            format!("must mark from 1 to {MAX_MARKS} bookings"),
        ));
    }
    let mut seen = HashSet::new();
    if !input.marks.iter().all(|(id, _)| seen.insert(*id)) {
        return Err(AppError::bad_input(
            "input.marks",
            "names a booking more than once",
        ));
    }
    if row.state == SessionState::Cancelled {
        return Err(refused("SESSION_CANCELLED", "This session was cancelled."));
    }
    let now = Utc::now();
    let started = now >= row.session.starts_at;
    if !started && input.marks.iter().any(|(_, a)| *a != Attendance::Excused) {
        return Err(refused(
            "SESSION_NOT_STARTED",
            "Only EXCUSED can be marked before the session starts.",
        ));
    }
    for (id, attendance) in &input.marks {
        let booking = bookings::booking(&tx.txn, *id)
            .await?
            .filter(|b| b.session_id == row.id)
            .ok_or(AppError::NotFound {
                entity: "TrainingBooking",
            })?;
        let markable =
            booking.state == BookingState::Booked || Attendance::of(booking.state).is_some();
        if !markable
            || !store::mark(
                &tx.txn,
                &booking,
                attendance.state(),
                tx.actor.person_id,
                now,
            )
            .await?
        {
            return Err(model::outside(booking.state));
        }
        tx.audit(Audited {
            action: AuditAction::TrainingAttendanceMark,
            record: ("TrainingBooking", booking.id),
            fields: &["attendance"],
            target: &Target::person(booking.person_id, None),
        })
        .await?;
    }
    let target = provider_target(row.course.provider_id);
    tx.commit(
        Audited {
            action: AuditAction::TrainingAttendanceMark,
            record: ("TrainingSession", row.id),
            fields: &["attendance"],
            target: &target,
        },
        Done { id: row.id },
    )
    .await
}
