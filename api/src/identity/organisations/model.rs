//! Rules for organisations and commissions.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    identity::model::OrganisationKind,
};

crate::stored_enum! {
    /// A service an authority commissions a provider for.
    CommissionService as "CommissionService" {
        /// Independent advocacy (advocacy providers).
        Advocacy = "advocacy",
        /// Kinship carer training (training providers and charities).
        KinshipTraining = "kinship_training",
    }
}

impl CommissionService {
    /// Whether an organisation of `kind` may provide this service.
    pub fn fits(self, kind: OrganisationKind) -> bool {
        match self {
            CommissionService::Advocacy => kind == OrganisationKind::AdvocacyProvider,
            CommissionService::KinshipTraining => matches!(
                kind,
                OrganisationKind::TrainingProvider | OrganisationKind::Charity
            ),
        }
    }
}

/// Longest organisation name (`organisations.name`).
pub const MAX_NAME: usize = 200;

/// A name, trimmed, not empty and at most [`MAX_NAME`] characters.
pub fn name(field: &str, raw: &str) -> AppResult<String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "must not hold control characters",
        ));
    }
    Ok(name)
}

/// Local authority teams and children's homes belong to an authority (it
/// is what their staff reach); providers, charities and the platform work
/// for authorities only through commissions, so they name none.
pub fn local_authority(
    field: &str,
    kind: OrganisationKind,
    local_authority: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    let needs = matches!(
        kind,
        OrganisationKind::LocalAuthorityTeam | OrganisationKind::ChildrensHome
    );
    match (needs, local_authority) {
        (true, None) => Err(AppError::bad_input(
            field,
            "is required for a local authority team or a children's home",
        )),
        (false, Some(_)) => Err(AppError::bad_input(
            field,
            "is only for a local authority team or a children's home: providers reach \
             authorities through commissions",
        )),
        (_, la) => Ok(la),
    }
}

/// A commission period: from `starts_on` up to, not including, `ends_on`
/// (open-ended when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Period {
    /// A period whose end (if any) comes after its start.
    pub fn new(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> AppResult<Self> {
        if ends_on.is_some_and(|end| end <= starts_on) {
            return Err(AppError::bad_input(
                "endsOn",
                "must be after startsOn (it is the first day the commission no longer runs)",
            ));
        }
        Ok(Period { starts_on, ends_on })
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        let starts_before_other_ends = other.ends_on.is_none_or(|end| self.starts_on < end);
        let other_starts_before_end = self.ends_on.is_none_or(|end| other.starts_on < end);
        starts_before_other_ends && other_starts_before_end
    }

    /// The period in words, for a clash.
    pub fn describe(&self) -> String {
        match self.ends_on {
            Some(end) => format!("from {} until {}", self.starts_on, end),
            None => format!("from {} with no end", self.starts_on),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::model::{SERVICE_ADVOCACY, SERVICE_KINSHIP_TRAINING};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn services_fit_their_providers() {
        use OrganisationKind::*;
        assert!(CommissionService::Advocacy.fits(AdvocacyProvider));
        assert!(!CommissionService::Advocacy.fits(TrainingProvider));
        assert!(!CommissionService::Advocacy.fits(LocalAuthorityTeam));
        assert!(CommissionService::KinshipTraining.fits(TrainingProvider));
        assert!(CommissionService::KinshipTraining.fits(Charity));
        assert!(!CommissionService::KinshipTraining.fits(AdvocacyProvider));
        assert_eq!(CommissionService::Advocacy.as_str(), SERVICE_ADVOCACY);
        assert_eq!(
            CommissionService::KinshipTraining.as_str(),
            SERVICE_KINSHIP_TRAINING
        );
    }

    #[test]
    fn names_are_tidied_and_checked() {
        assert_eq!(
            name("name", "  Westmere   Council ").unwrap(),
            "Westmere Council"
        );
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(201)).is_err());
        assert!(name("name", &"x".repeat(200)).is_ok());
    }

    #[test]
    fn only_teams_and_homes_name_an_authority() {
        let la = Some(Uuid::now_v7());
        use OrganisationKind::*;
        assert!(local_authority("la", LocalAuthorityTeam, la).is_ok());
        assert!(local_authority("la", ChildrensHome, None).is_err());
        assert!(local_authority("la", AdvocacyProvider, la).is_err());
        assert_eq!(local_authority("la", Charity, None).unwrap(), None);
    }

    #[test]
    fn periods_end_before_their_end_date() {
        assert!(Period::new(day("2026-01-01"), Some(day("2026-01-01"))).is_err());
        let first = Period::new(day("2026-01-01"), Some(day("2026-04-01"))).unwrap();
        // The next period may start on the first's end date (no day shared).
        let next = Period::new(day("2026-04-01"), None).unwrap();
        assert!(!first.overlaps(&next) && !next.overlaps(&first));
        let clash = Period::new(day("2026-03-31"), Some(day("2026-05-01"))).unwrap();
        assert!(first.overlaps(&clash) && clash.overlaps(&first));
        let open = Period::new(day("2025-01-01"), None).unwrap();
        assert!(open.overlaps(&first) && open.overlaps(&next));
        let before = Period::new(day("2025-01-01"), Some(day("2026-01-01"))).unwrap();
        assert!(!before.overlaps(&first));
        assert_eq!(first.describe(), "from 2026-01-01 until 2026-04-01");
    }
}
