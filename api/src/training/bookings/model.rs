//! The booking state machine and the rules of offers.

use chrono::{DateTime, Duration, Utc};

use crate::error::{AppError, AppResult};

crate::stored_enum! {
    /// Where a booking stands.
    BookingState as "TrainingBookingState" {
        /// Holds a place.
        Booked = "booked",
        /// Waiting for a place, at a position.
        Waitlisted = "waitlisted",
        /// A freed place is held for them until `offeredUntil`.
        Offered = "offered",
        /// They turned the offer down.
        Declined = "declined",
        /// The offer ran out before they answered.
        Expired = "expired",
        /// They cancelled.
        Cancelled = "cancelled",
        /// They cancelled a place after the course's cut-off.
        CancelledLate = "cancelled_late",
        Attended = "attended",
        NoShow = "no_show",
        Excused = "excused",
        /// The place was moved to another session of the course (the
        /// booking there is `movedToBookingId`'s).
        Moved = "moved",
        /// The provider cancelled the session.
        CalledOff = "called_off",
    }
}

impl BookingState {
    /// Whether it holds a place (booked, or offered and not yet answered).
    pub fn holds_place(self) -> bool {
        matches!(self, BookingState::Booked | BookingState::Offered)
    }
}

crate::stored_enum! {
    /// Whether someone booked came, as the session's register marks it.
    Attendance as "TrainingAttendance" {
        Attended = "attended",
        NoShow = "no_show",
        /// They were let off (may be marked before the session starts).
        Excused = "excused",
    }
}

impl Attendance {
    /// The booking state this mark puts a booking in.
    pub fn state(self) -> BookingState {
        match self {
            Attendance::Attended => BookingState::Attended,
            Attendance::NoShow => BookingState::NoShow,
            Attendance::Excused => BookingState::Excused,
        }
    }

    /// The mark a booking in `state` carries, if any.
    pub fn of(state: BookingState) -> Option<Attendance> {
        Attendance::ALL.into_iter().find(|a| a.state() == state)
    }
}

/// What a person or the clock does to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Cancel,
    Accept,
    Decline,
    Expire,
}

/// The state `step` moves `from` to, or CONFLICT naming the current state.
/// `late`: a place cancelled after the course's cut-off.
pub fn next(from: BookingState, step: Step, late: bool) -> AppResult<BookingState> {
    use BookingState::*;
    Ok(match (from, step) {
        (Booked, Step::Cancel) if late => CancelledLate,
        (Booked | Waitlisted | Offered, Step::Cancel) => Cancelled,
        (Offered, Step::Accept) => Booked,
        (Offered, Step::Decline) => Declined,
        (Offered, Step::Expire) => Expired,
        _ => return Err(outside(from)),
    })
}

/// CONFLICT for a step the machine does not allow from `state`.
pub fn outside(state: BookingState) -> AppError {
    AppError::Conflict {
        message: format!(
            "This booking is {}: that cannot be done to it now.",
            state.as_str().replace('_', " ")
        ),
        details: Some(serde_json::json!({ "currentState": state.as_str().to_uppercase() })),
    }
}

/// How long an offered place is held by default, and at least.
pub const DEFAULT_HOLD: Duration = Duration::hours(48);
pub const MIN_HOLD: Duration = Duration::hours(6);

/// When an offer made `now` runs out: the earlier of the hold and the
/// session's start less the course's cut-off. `None` when that moment has
/// already passed (no offer is made).
pub fn offer_deadline(
    now: DateTime<Utc>,
    hold: Duration,
    starts_at: DateTime<Utc>,
    cutoff_hours: i32,
) -> Option<DateTime<Utc>> {
    let hold = hold.max(MIN_HOLD);
    let until = (now + hold).min(starts_at - Duration::hours(i64::from(cutoff_hours)));
    (until > now && now < starts_at).then_some(until)
}

/// Whether cancelling a place `now` is late for a session starting at
/// `starts_at` with the course's cut-off.
pub fn late(now: DateTime<Utc>, starts_at: DateTime<Utc>, cutoff_hours: i32) -> bool {
    now > starts_at - Duration::hours(i64::from(cutoff_hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_refuses_steps_outside_it() {
        use BookingState::*;
        assert_eq!(next(Booked, Step::Cancel, false).unwrap(), Cancelled);
        assert_eq!(next(Booked, Step::Cancel, true).unwrap(), CancelledLate);
        assert_eq!(next(Offered, Step::Accept, false).unwrap(), Booked);
        assert_eq!(next(Offered, Step::Expire, false).unwrap(), Expired);
        assert_eq!(next(Waitlisted, Step::Cancel, true).unwrap(), Cancelled);
        for (state, step) in [
            (Booked, Step::Accept),
            (Waitlisted, Step::Decline),
            (Cancelled, Step::Cancel),
            (Declined, Step::Accept),
        ] {
            match next(state, step, false) {
                Err(AppError::Conflict { details, .. }) => assert_eq!(
                    details.unwrap()["currentState"],
                    state.as_str().to_uppercase()
                ),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn offers_run_to_the_earlier_of_hold_and_cutoff() {
        let now = Utc::now();
        let far = now + Duration::days(10);
        assert_eq!(
            offer_deadline(now, DEFAULT_HOLD, far, 24),
            Some(now + DEFAULT_HOLD)
        );
        assert_eq!(
            offer_deadline(now, Duration::hours(1), far, 24),
            Some(now + MIN_HOLD)
        );
        let soon = now + Duration::hours(30);
        assert_eq!(
            offer_deadline(now, DEFAULT_HOLD, soon, 24),
            Some(now + Duration::hours(6))
        );
        assert_eq!(offer_deadline(now, DEFAULT_HOLD, soon, 30), None);
        assert!(late(now, soon, 31) && !late(now, soon, 24));
    }
}
