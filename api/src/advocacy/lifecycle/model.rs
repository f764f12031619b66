//! A request's lifecycle: submitted, triaged (accepted or declined),
//! assigned to an advocate, first contact made, in progress, closed with
//! outcomes; withdrawn at any time while open. A step outside this
//! machine is `CONFLICT` naming the state the request is in.

use crate::error::{AppError, AppResult};

crate::stored_enum! {
    /// Where a request is in its lifecycle.
    AdvocacyState as "AdvocacyStatus" {
        /// Received; waiting for the provider to triage it.
        Submitted = "submitted",
        /// Accepted by the provider; waiting for an advocate.
        Accepted = "accepted",
        /// Declined by the provider, with a reason.
        Declined = "declined",
        /// An advocate has it; first contact not yet made.
        Assigned = "assigned",
        /// The advocate has made first contact.
        FirstContactMade = "first_contact_made",
        /// The advocate is working on it.
        InProgress = "in_progress",
        /// Finished, with outcomes.
        Closed = "closed",
        /// Withdrawn before it was finished.
        Withdrawn = "withdrawn",
    }
}

impl AdvocacyState {
    /// Still being worked (or waiting to be).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            AdvocacyState::Declined | AdvocacyState::Closed | AdvocacyState::Withdrawn
        )
    }

    /// The words for this state in a message.
    pub fn words(self) -> &'static str {
        match self {
            AdvocacyState::Submitted => "submitted",
            AdvocacyState::Accepted => "accepted",
            AdvocacyState::Declined => "declined",
            AdvocacyState::Assigned => "assigned to an advocate",
            AdvocacyState::FirstContactMade => "in touch with an advocate",
            AdvocacyState::InProgress => "in progress",
            AdvocacyState::Closed => "closed",
            AdvocacyState::Withdrawn => "withdrawn",
        }
    }
}

crate::stored_enum! {
    /// Why a provider declined a request.
    DeclineReason as "AdvocacyDeclineReason" {
        NotEligible = "not_eligible",
        OutsideArea = "outside_area",
        NeedsMetElsewhere = "needs_met_elsewhere",
        Duplicate = "duplicate",
        NoCapacity = "no_capacity",
        ChildDoesNotWantAdvocate = "child_does_not_want_advocate",
        Other = "other",
    }
}

crate::stored_enum! {
    /// What came of a request, for the commissioner's report.
    AdvocacyOutcome as "AdvocacyOutcome" {
        /// What the child wanted happened.
        Resolved = "resolved",
        PartlyResolved = "partly_resolved",
        NotResolved = "not_resolved",
        /// The child's views (or, non-instructed, their rights and
        /// interests) were represented in the decision.
        ViewsRepresented = "views_represented",
        ReferredElsewhere = "referred_elsewhere",
        /// The child stopped taking part.
        ChildDisengaged = "child_disengaged",
    }
}

/// A step in the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Accept,
    Decline,
    Assign,
    FirstContact,
    StartWork,
    Close,
    Withdraw,
    ChangeKind,
}

impl Step {
    fn words(self) -> &'static str {
        match self {
            Step::Accept => "accepted",
            Step::Decline => "declined",
            Step::Assign => "assigned",
            Step::FirstContact => "marked as first contact made",
            Step::StartWork => "marked in progress",
            Step::Close => "closed",
            Step::Withdraw => "withdrawn",
            Step::ChangeKind => "changed between instructed and non-instructed",
        }
    }
}

/// The state after `step`, or `CONFLICT` naming the current state.
pub fn next(state: AdvocacyState, step: Step) -> AppResult<AdvocacyState> {
    use AdvocacyState::*;
    let to = match (step, state) {
        (Step::Accept, Submitted) => Some(Accepted),
        (Step::Decline, Submitted) => Some(Declined),
        (Step::Assign, Accepted) => Some(Assigned),
        // Reassignment keeps the request where it is.
        (Step::Assign, Assigned | FirstContactMade | InProgress) => Some(state),
        (Step::FirstContact, Assigned) => Some(FirstContactMade),
        (Step::StartWork, FirstContactMade) => Some(InProgress),
        (Step::Close, FirstContactMade | InProgress) => Some(Closed),
        (Step::Withdraw | Step::ChangeKind, s) if s.is_open() => Some(s),
        _ => None,
    };
    match (step, to) {
        (Step::Withdraw, Some(_)) => Ok(Withdrawn),
        (_, Some(to)) => Ok(to),
        (_, None) => Err(AppError::conflict(format!(
            "This request is {}: it cannot be {} now.",
            state.words(),
            step.words()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_runs_from_submitted_to_closed() {
        let mut state = AdvocacyState::Submitted;
        for step in [
            Step::Accept,
            Step::Assign,
            Step::FirstContact,
            Step::StartWork,
            Step::Close,
        ] {
            state = next(state, step).unwrap();
        }
        assert_eq!(state, AdvocacyState::Closed);
        assert_eq!(
            next(AdvocacyState::Submitted, Step::Decline).unwrap(),
            AdvocacyState::Declined
        );
    }

    #[test]
    fn reassignment_and_kind_changes_keep_the_state() {
        for state in [
            AdvocacyState::Assigned,
            AdvocacyState::FirstContactMade,
            AdvocacyState::InProgress,
        ] {
            assert_eq!(next(state, Step::Assign).unwrap(), state);
            assert_eq!(next(state, Step::ChangeKind).unwrap(), state);
        }
    }

    #[test]
    fn open_requests_can_be_withdrawn_and_ended_ones_cannot_move() {
        for state in AdvocacyState::ALL {
            let withdrawn = next(state, Step::Withdraw);
            assert_eq!(withdrawn.is_ok(), state.is_open(), "{state:?}");
        }
        for ended in [
            AdvocacyState::Declined,
            AdvocacyState::Closed,
            AdvocacyState::Withdrawn,
        ] {
            for step in [
                Step::Accept,
                Step::Assign,
                Step::FirstContact,
                Step::Close,
                Step::ChangeKind,
            ] {
                let err = next(ended, step).unwrap_err();
                assert!(matches!(err, AppError::Conflict { .. }));
                assert!(err.message().contains(ended.words()), "{}", err.message());
            }
        }
    }

    #[test]
    fn steps_out_of_order_name_the_current_state() {
        let err = next(AdvocacyState::Submitted, Step::FirstContact).unwrap_err();
        assert_eq!(
            err.message(),
            "This request is submitted: it cannot be marked as first contact made now."
        );
        assert!(next(AdvocacyState::Accepted, Step::Close).is_err());
        assert!(next(AdvocacyState::Assigned, Step::Accept).is_err());
    }
}
