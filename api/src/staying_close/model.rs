//! The rules of Staying Close plans, free of storage and transport: the
//! code lists (SSDA903, pathway plan items, Schedule 2 factors), ages and
//! dates, check-in and review timescales, claim entitlements and the
//! claim lifecycle.

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{AppError, AppResult};

use crate::stored_enum;

stored_enum! {
    /// Care-leaver status under the Children (Leaving Care) Act 2000.
    CareLeaverCategory as "CareLeaverCategory" {
        /// Aged 16-17 and still looked after.
        Eligible = "eligible",
        /// Aged 16-17, left care after their 16th birthday.
        Relevant = "relevant",
        /// Aged 18-25, previously eligible or relevant.
        FormerRelevant = "former_relevant",
        /// Looked after for a shorter time, or left care under a special
        /// guardianship order.
        Qualifying = "qualifying",
    }
}

stored_enum! {
    PlanStatus as "PlanStatus" {
        /// Being written; the young person can already see and comment.
        Draft = "draft",
        Active = "active",
        Ended = "ended",
    }
}

stored_enum! {
    /// Why a plan ended.
    PlanEndReason as "PlanEndReason" {
        /// Reached the planned end.
        Completed = "completed",
        /// The young person chose to stop.
        YoungPersonChoseToEnd = "young_person_chose_to_end",
        /// Moved to another authority's area.
        MovedAway = "moved_away",
        /// Returned to care.
        ReturnedToCare = "returned_to_care",
        /// Replaced by a new plan.
        Replaced = "replaced",
        Other = "other",
    }
}

stored_enum! {
    /// The pathway plan items (Care Leavers (England) Regulations 2010,
    /// Schedule 1).
    PlanSection as "PlanSection" {
        ContactAndPersonalSupport = "contact_and_personal_support",
        EducationAndTraining = "education_and_training",
        Employment = "employment",
        Accommodation = "accommodation",
        FamilyAndSocialRelationships = "family_and_social_relationships",
        PracticalAndLifeSkills = "practical_and_life_skills",
        FinancialSupport = "financial_support",
        HealthAndWellbeing = "health_and_wellbeing",
        Identity = "identity",
        Contingency = "contingency",
    }
}

stored_enum! {
    GoalStatus as "GoalStatus" {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Achieved = "achieved",
        /// No longer being worked on.
        Stopped = "stopped",
    }
}

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
pub struct FactorJudgement {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

/// Validates an assessment: every factor judged exactly once. The
/// accommodation is suitable when every factor is, and never for types
/// that are always unsuitable (a worker cannot record S1 or X1).
pub fn assess(
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

stored_enum! {
    CheckInMode as "CheckInMode" {
        InPerson = "in_person",
        Phone = "phone",
        Video = "video",
        Message = "message",
    }
}

stored_enum! {
    /// A check-in's or review's state.
    MeetingStatus as "MeetingStatus" {
        Planned = "planned",
        Held = "held",
        /// Planned but did not happen.
        Missed = "missed",
    }
}

stored_enum! {
    ClaimKind as "ClaimKind" {
        /// Leaving care (setting-up-home) allowance.
        SettingUpHome = "setting_up_home",
        /// Care leavers' apprenticeship bursary, paid in instalments.
        ApprenticeshipBursary = "apprenticeship_bursary",
    }
}

stored_enum! {
    ClaimStatus as "ClaimStatus" {
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
        Paid = "paid",
    }
}

impl ClaimStatus {
    /// The lifecycle: requested → approved or rejected; approved → paid.
    pub fn can_become(self, next: ClaimStatus) -> bool {
        matches!(
            (self, next),
            (
                ClaimStatus::Requested,
                ClaimStatus::Approved | ClaimStatus::Rejected
            ) | (ClaimStatus::Approved, ClaimStatus::Paid)
        )
    }
}

/// An effective-dated cap: from `effective_from` the entitlement is
/// `amount_pence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub effective_from: NaiveDate,
    pub amount_pence: i64,
}

/// The cap in force on `basis` (the latest that started on or before it).
pub fn cap_on(caps: &[Cap], basis: NaiveDate) -> Option<i64> {
    caps.iter()
        .filter(|c| c.effective_from <= basis)
        .max_by_key(|c| c.effective_from)
        .map(|c| c.amount_pence)
}

/// A planned check-in or review is overdue once its due date has passed
/// (callers check it was not held; the caseload filters apply the same
/// rule in SQL).
pub fn is_overdue(due_on: NaiveDate, today: NaiveDate) -> bool {
    due_on < today
}

/// What a young person has claimed of one kind, not counting rejected
/// claims.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Claimed {
    /// The earliest claim's basis date (the first allowance claim, or the
    /// apprenticeship's start): it decides which cap applies.
    pub first_basis: Option<NaiveDate>,
    pub pence: i64,
}

/// What is left of one allowance or bursary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entitlement {
    pub kind: ClaimKind,
    pub cap_pence: i64,
    pub claimed_pence: i64,
    pub remaining_pence: i64,
}

/// The entitlement of one kind: the cap in force on the first claim's
/// basis date (today's cap before any claim), less what was claimed.
pub fn entitlement(
    kind: ClaimKind,
    caps: &[Cap],
    claimed: Claimed,
    today: NaiveDate,
) -> Entitlement {
    let cap = cap_on(caps, claimed.first_basis.unwrap_or(today)).unwrap_or(0);
    Entitlement {
        kind,
        cap_pence: cap,
        claimed_pence: claimed.pence,
        remaining_pence: (cap - claimed.pence).max(0),
    }
}

/// Formats pence as pounds for messages: 150050 → "£1,500.50".
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match pence % 100 {
        0 => format!("{sign}£{grouped}"),
        p => format!("{sign}£{grouped}.{p:02}"),
    }
}

/// Checks a claim against what is left of the entitlement.
pub fn check_entitlement(
    kind: ClaimKind,
    cap: i64,
    already_claimed: i64,
    amount: i64,
) -> AppResult<()> {
    if amount <= 0 {
        return Err(AppError::bad_input("amountPence", "must be more than zero"));
    }
    let remaining = (cap - already_claimed).max(0);
    if amount > remaining {
        let what = match kind {
            ClaimKind::SettingUpHome => "setting-up-home allowance",
            ClaimKind::ApprenticeshipBursary => "apprenticeship bursary",
        };
        return Err(AppError::bad_input(
            "amountPence",
            format!(
                "This claim is for {}, but only {} of the {} {what} is left ({} already claimed).",
                pounds(amount),
                pounds(remaining),
                pounds(cap),
                pounds(already_claimed),
            ),
        ));
    }
    Ok(())
}

/// The date someone born on `born` reaches `years` of age. A person born
/// on 29 February reaches it on 1 March in a common year.
pub fn birthday(born: NaiveDate, years: u32) -> NaiveDate {
    let year = born.year() + i32::try_from(years).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(born)
}

/// Age in whole years on `on`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - born.year();
    if on < birthday(born, u32::try_from(age.max(0)).unwrap_or(0)) {
        age -= 1;
    }
    age
}

/// The authority's Staying Close settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthoritySettings {
    /// Support lasts to this birthday (21, or up to 25 where extended).
    pub support_to_age: u32,
    pub check_in_interval_days: u32,
    pub review_interval_months: u32,
}

impl Default for AuthoritySettings {
    fn default() -> Self {
        AuthoritySettings {
            support_to_age: 21,
            check_in_interval_days: 56,
            review_interval_months: 6,
        }
    }
}

/// Youngest age at which a plan can start (a looked-after 16-year-old can
/// be planned for before leaving the home).
pub const YOUNGEST_START_AGE: i32 = 16;

/// Validates a plan's dates: it starts on or after the 16th birthday and
/// before its end, and ends no later than the authority's support age
/// (21 by default, up to 25 where the authority extends it). The planned
/// end defaults to the 21st birthday (or the support age, if lower).
pub fn plan_dates(
    born: NaiveDate,
    start: NaiveDate,
    planned_end: Option<NaiveDate>,
    settings: AuthoritySettings,
) -> AppResult<NaiveDate> {
    if age_on(born, start) < YOUNGEST_START_AGE {
        return Err(AppError::bad_input(
            "startDate",
            "must be on or after the young person's 16th birthday",
        ));
    }
    let latest = birthday(born, settings.support_to_age);
    let end = planned_end.unwrap_or_else(|| birthday(born, 21).min(latest));
    if end <= start {
        return Err(AppError::bad_input(
            "plannedEndDate",
            "must be after the start date",
        ));
    }
    if end > latest {
        return Err(AppError::bad_input(
            "plannedEndDate",
            format!(
                "must be on or before the young person's {}th birthday ({latest}): this authority supports young people to {}",
                settings.support_to_age, settings.support_to_age
            ),
        ));
    }
    Ok(end)
}

/// When the next review is due: the interval after the last review held
/// (or after the plan started), unless one was asked for sooner.
pub fn next_review_due(
    last_held_or_start: NaiveDate,
    interval_months: u32,
    requested: Option<NaiveDate>,
) -> NaiveDate {
    let routine = last_held_or_start
        .checked_add_months(Months::new(interval_months))
        .unwrap_or(last_held_or_start);
    requested.map_or(routine, |r| r.min(routine))
}

/// When the next check-in is due: the interval after the last one held
/// (or after the plan started).
pub fn next_check_in_due(last_held_or_start: NaiveDate, interval_days: u32) -> NaiveDate {
    last_held_or_start
        .checked_add_days(chrono::Days::new(u64::from(interval_days)))
        .unwrap_or(last_held_or_start)
}

/// A check-in interval from input: 7 to 56 days (the statutory visit is
/// at least every 8 weeks; shorter is allowed, longer is not).
pub fn check_in_interval(days: i32) -> AppResult<u32> {
    if !(7..=56).contains(&days) {
        return Err(AppError::bad_input(
            "checkInIntervalDays",
            "must be between 7 and 56 days (a personal adviser visits at least every 8 weeks)",
        ));
    }
    Ok(u32::try_from(days).unwrap_or(56))
}

/// A date that must not be in the future (something that happened).
pub fn not_future(field: &str, date: NaiveDate, today: NaiveDate) -> AppResult<NaiveDate> {
    if date > today {
        return Err(AppError::bad_input(field, "must not be in the future"));
    }
    Ok(date)
}

/// The SSDA903 child identifier: 1 to 10 letters or digits.
pub fn child_ref(value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 10 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::bad_input(
            "childRef",
            "must be the SSDA903 child identifier: 1 to 10 letters or digits",
        ));
    }
    Ok(v.to_string())
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
