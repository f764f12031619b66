//! The SSDA903 code lists (in touch, main activity, accommodation) and
//! the Schedule 2 suitability assessment.

use crate::error::{AppError, AppResult};
use crate::stored_enum;

stored_enum! {
    /// SSDA903 "in touch" codes.
    InTouch as "InTouchStatus" {
        /// In touch with the authority.
        Yes = "YES",
        /// Not in touch.
        No = "NO",
        Died = "DIED",
        /// Refuses contact.
        Refu = "REFU",
        /// No longer requires services.
        Nreq = "NREQ",
        /// Returned home to parents or someone with parental responsibility.
        Rhom = "RHOM",
    }
}

stored_enum! {
    /// SSDA903 main activity codes (F full time, P part time).
    Activity as "ActivityCode" {
        /// Higher education, full time.
        #[graphql(name = "F1")] F1 = "F1",
        #[graphql(name = "P1")] P1 = "P1",
        /// Other education, full time.
        #[graphql(name = "F2")] F2 = "F2",
        #[graphql(name = "P2")] P2 = "P2",
        /// Apprenticeship, full time.
        #[graphql(name = "F4")] F4 = "F4",
        #[graphql(name = "P4")] P4 = "P4",
        /// Training or employment, full time.
        #[graphql(name = "F5")] F5 = "F5",
        #[graphql(name = "P5")] P5 = "P5",
        /// Not in education, employment or training: illness or disability.
        #[graphql(name = "G4")] G4 = "G4",
        /// Not in education, employment or training: other reasons.
        #[graphql(name = "G5")] G5 = "G5",
        /// Not in education, employment or training: pregnancy or parenting.
        #[graphql(name = "G6")] G6 = "G6",
    }
}

impl Activity {
    /// In education, employment or training.
    pub fn is_eet(self) -> bool {
        !matches!(self, Activity::G4 | Activity::G5 | Activity::G6)
    }
}

stored_enum! {
    /// SSDA903 accommodation types (the letter of the OC3 ACCOM code).
    AccommodationType as "AccommodationType" {
        /// B: with parents or relatives.
        ParentsOrRelatives = "B",
        /// C: community home.
        CommunityHome = "C",
        /// D: semi-independent, transitional accommodation.
        SemiIndependent = "D",
        /// E: supported lodgings.
        SupportedLodgings = "E",
        /// G: gone abroad.
        Abroad = "G",
        /// H: deported.
        Deported = "H",
        /// K: ordinary lodgings, without formal support.
        OrdinaryLodgings = "K",
        /// R: residence not known.
        NotKnown = "R",
        /// S: no fixed abode, homeless. Always unsuitable.
        NoFixedAbode = "S",
        /// T: foyers and similar supported accommodation.
        Foyer = "T",
        /// U: independent living.
        IndependentLiving = "U",
        /// V: emergency accommodation.
        Emergency = "V",
        /// W: bed and breakfast.
        BedAndBreakfast = "W",
        /// X: in custody. Always unsuitable.
        Custody = "X",
        /// Y: other accommodation.
        Other = "Y",
        /// Z: with former foster carers.
        FormerFosterCarers = "Z",
    }
}

impl AccommodationType {
    /// Types that can never be suitable (S1 and X1 are invalid codes).
    pub fn always_unsuitable(self) -> bool {
        matches!(
            self,
            AccommodationType::NoFixedAbode | AccommodationType::Custody
        )
    }

    /// The OC3 ACCOM code: the letter and 1 (suitable) or 2 (unsuitable).
    pub fn ssda903_code(self, suitable: bool) -> String {
        format!("{}{}", self.as_str(), if suitable { 1 } else { 2 })
    }
}

stored_enum! {
    /// The suitability factors of Schedule 2 to the 2010 regulations.
    SuitabilityFactor as "SuitabilityFactor" {
        Facilities = "facilities",
        StateOfRepair = "state_of_repair",
        Safety = "safety",
        Location = "location",
        Support = "support",
        Tenancy = "tenancy",
        Affordability = "affordability",
        YoungPersonsViews = "young_persons_views",
    }
}

/// One factor's judgement in a suitability assessment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(in crate::staying_close) struct FactorJudgement {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

/// Validates an assessment: every factor judged exactly once. The
/// accommodation is suitable when every factor is, and never for types
/// that are always unsuitable (a worker cannot record S1 or X1).
pub(super) fn assess(
    kind: AccommodationType,
    judgements: Vec<FactorJudgement>,
) -> AppResult<(bool, Vec<FactorJudgement>)> {
    let mut sorted = Vec::with_capacity(SuitabilityFactor::ALL.len());
    for factor in SuitabilityFactor::ALL {
        let mut matching = judgements.iter().filter(|j| j.factor == factor);
        let Some(judgement) = matching.next() else {
            return Err(AppError::bad_input(
                "assessment",
                format!(
                    "judge every Schedule 2 factor: {} is missing",
                    factor.as_str()
                ),
            ));
        };
        if matching.next().is_some() {
            return Err(AppError::bad_input(
                "assessment",
                format!("{} is judged twice", factor.as_str()),
            ));
        }
        let note = crate::text::optional_prose("assessment.note", judgement.note.as_deref(), 1000)?;
        sorted.push(FactorJudgement {
            note,
            ..judgement.clone()
        });
    }
    let suitable = sorted.iter().all(|j| j.suitable);
    if suitable && kind.always_unsuitable() {
        return Err(AppError::bad_input(
            "assessment",
            format!(
                "{} ({}) is always unsuitable: {}1 is not a valid code",
                kind.as_str(),
                if kind == AccommodationType::Custody {
                    "custody"
                } else {
                    "no fixed abode"
                },
                kind.as_str()
            ),
        ));
    }
    Ok((suitable, sorted))
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
