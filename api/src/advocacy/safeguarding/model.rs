//! The rules of a safeguarding share, without I/O: what it must say,
//! when the young person must be told or a risk reason given, and who
//! sees how much of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::advocacy::{
    access::Reach,
    requests::model::{AdvocacyKind, LINE_MAX, PROSE_MAX},
};
use crate::{
    error::{AppError, AppResult},
    text,
};

/// A concern shared with the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// Why it was shared.
    pub reason: String,
    /// What was shared, in words.
    pub what_was_shared: String,
    /// Who at the authority it was shared with.
    pub shared_with_name: String,
    pub shared_with_role: String,
    /// When it was shared: now, when the input leaves it out (always
    /// set once checked).
    pub shared_at: Option<DateTime<Utc>>,
    /// Whether the young person was told. Required for instructed
    /// requests; a child who cannot instruct (non-instructed) may not be
    /// able to understand being told, so there it may be left out.
    pub young_person_told: Option<bool>,
    /// Why telling the young person would put them at risk: required when
    /// an instructed request's young person was not told. While it stands
    /// the young person does not see the share.
    pub risk_reason: Option<String>,
}

impl Share {
    /// The share with its words checked, `shared_at` between the request
    /// being made and `now`, and the telling rule for `kind` kept.
    pub fn checked(
        self,
        kind: AdvocacyKind,
        now: DateTime<Utc>,
        submitted: DateTime<Utc>,
    ) -> AppResult<Self> {
        let shared_at = self.shared_at.unwrap_or(now);
        if shared_at > now {
            return Err(AppError::bad_input("sharedAt", "is in the future"));
        }
        if shared_at < submitted {
            return Err(AppError::bad_input(
                "sharedAt",
                "is before the request was made",
            ));
        }
        let risk_reason =
            text::optional_prose("riskReason", self.risk_reason.as_deref(), PROSE_MAX)?;
        match (kind, self.young_person_told, &risk_reason) {
            (AdvocacyKind::Instructed, None, _) => {
                return Err(AppError::bad_input(
                    "youngPersonTold",
                    "say whether the young person was told about the share",
                ));
            }
            (AdvocacyKind::Instructed, Some(false), None) => {
                return Err(AppError::bad_input(
                    "riskReason",
                    "say why telling the young person would put them at risk",
                ));
            }
            (_, Some(true), Some(_)) => {
                return Err(AppError::bad_input(
                    "riskReason",
                    "is only for a share the young person was not told about",
                ));
            }
            _ => {}
        }
        Ok(Share {
            reason: text::prose("reason", &self.reason, PROSE_MAX)?,
            what_was_shared: text::prose("whatWasShared", &self.what_was_shared, PROSE_MAX)?,
            shared_with_name: text::name("sharedWithName", &self.shared_with_name, LINE_MAX)?,
            shared_with_role: text::line("sharedWithRole", &self.shared_with_role, LINE_MAX)?,
            shared_at: Some(shared_at),
            risk_reason,
            ..self
        })
    }
}

/// Whether the young person may see a share: yes, unless it was withheld
/// for risk and no manager has yet recorded that the risk has passed.
pub fn young_person_sees(withheld_for_risk: bool, risk_passed: bool) -> bool {
    !withheld_for_risk || risk_passed
}

/// How much of a request's shares a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The advocate and the provider's managers: every share, with the
    /// risk reason.
    Provider,
    /// The young person: the shares they may see, without the risk
    /// reason (the advocate's judgement, which may speak of others).
    YoungPerson,
    /// The authority's managers: every share (they received it), whether
    /// the young person was told (so that nobody tells them by mistake),
    /// never the risk reason, nothing else of the request.
    Authority,
    /// Everyone else: no shares.
    Nobody,
}

impl Audience {
    /// From the viewer's reach on the request, and whether they read its
    /// status as the authority's manager (not as its referrer).
    pub fn of(reach: Reach, authority: bool) -> Self {
        match reach {
            Reach::Content => Audience::Provider,
            Reach::Own => Audience::YoungPerson,
            Reach::Status if authority => Audience::Authority,
            Reach::Status | Reach::Received => Audience::Nobody,
        }
    }
}

/// A manager records that the risk has passed: only for a share withheld
/// for risk, once.
pub fn check_risk_can_pass(withheld_for_risk: bool, passed: bool) -> AppResult<()> {
    if !withheld_for_risk {
        return Err(AppError::conflict(
            "This share was not withheld from the young person.",
        ));
    }
    if passed {
        return Err(AppError::conflict(
            "The risk was already recorded as passed: the young person can see this share.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn share(told: Option<bool>, risk: Option<&str>) -> Share {
        Share {
            reason: "Bruising seen on a visit.".into(),
            what_was_shared: "What was seen and what she said about it.".into(),
            shared_with_name: "Jo Duty".into(),
            shared_with_role: "Duty social worker".into(),
            shared_at: Some(Utc::now() - Duration::minutes(5)),
            young_person_told: told,
            risk_reason: risk.map(str::to_string),
        }
    }

    fn field(result: AppResult<Share>) -> Option<String> {
        match result {
            Err(AppError::BadUserInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn an_instructed_young_person_is_told_or_there_is_a_risk_reason() {
        let (now, made) = (Utc::now(), Utc::now() - Duration::days(3));
        let kind = AdvocacyKind::Instructed;
        assert_eq!(
            field(share(None, None).checked(kind, now, made)).as_deref(),
            Some("youngPersonTold")
        );
        assert_eq!(
            field(share(Some(false), None).checked(kind, now, made)).as_deref(),
            Some("riskReason")
        );
        assert!(
            share(Some(false), Some("Her father reads her phone."))
                .checked(kind, now, made)
                .is_ok()
        );
        assert!(share(Some(true), None).checked(kind, now, made).is_ok());
        assert_eq!(
            field(share(Some(true), Some("x")).checked(kind, now, made)).as_deref(),
            Some("riskReason")
        );
    }

    #[test]
    fn a_child_who_cannot_instruct_need_not_be_told() {
        let (now, made) = (Utc::now(), Utc::now() - Duration::days(3));
        let kind = AdvocacyKind::NonInstructed;
        assert!(share(None, None).checked(kind, now, made).is_ok());
        assert!(share(Some(false), None).checked(kind, now, made).is_ok());
    }

    #[test]
    fn a_share_is_dated_between_the_request_and_now() {
        let now = Utc::now();
        let late = Share {
            shared_at: Some(now + Duration::hours(1)),
            ..share(Some(true), None)
        };
        let kind = AdvocacyKind::Instructed;
        assert_eq!(
            field(late.checked(kind, now, now - Duration::days(1))).as_deref(),
            Some("sharedAt")
        );
        assert_eq!(
            field(share(Some(true), None).checked(kind, now, now)).as_deref(),
            Some("sharedAt")
        );
    }

    #[test]
    fn who_sees_a_share() {
        assert_eq!(Audience::of(Reach::Content, false), Audience::Provider);
        assert_eq!(Audience::of(Reach::Own, false), Audience::YoungPerson);
        assert_eq!(Audience::of(Reach::Status, true), Audience::Authority);
        assert_eq!(Audience::of(Reach::Status, false), Audience::Nobody);
        assert_eq!(Audience::of(Reach::Received, false), Audience::Nobody);
        assert!(young_person_sees(false, false));
        assert!(!young_person_sees(true, false));
        assert!(young_person_sees(true, true));
        assert!(check_risk_can_pass(false, false).is_err());
        assert!(check_risk_can_pass(true, true).is_err());
        assert!(check_risk_can_pass(true, false).is_ok());
    }
}
