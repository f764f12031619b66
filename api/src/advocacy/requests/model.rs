//! What an advocacy request is and says, and the rules a new one must
//! meet: an instructed request in the young person's words, or a
//! non-instructed one from a professional for a child who cannot give
//! instructions now.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::text;

crate::stored_enum! {
    /// Whether the child instructs the advocate.
    AdvocacyKind as "AdvocacyKind" {
        /// The child or young person says what they want; the advocate
        /// acts on their instructions.
        Instructed = "instructed",
        /// The child cannot instruct (very young, non-verbal, too unwell):
        /// the advocate observes and represents their rights and interests.
        NonInstructed = "non_instructed",
    }
}

crate::stored_enum! {
    /// How soon the child needs an advocate.
    Urgency as "AdvocacyUrgency" { Standard = "standard", Urgent = "urgent" }
}

crate::stored_enum! {
    /// Who asked for the advocate, as they relate to the child.
    Relationship as "AdvocacyReferrer" {
        /// The child or young person themselves.
        YoungPerson = "young_person",
        SocialWorker = "social_worker",
        IndependentReviewingOfficer = "independent_reviewing_officer",
        Carer = "carer",
        OtherProfessional = "other_professional",
        FamilyMember = "family_member",
    }
}

impl Relationship {
    /// A professional may refer a child for non-instructed advocacy.
    pub fn is_professional(self) -> bool {
        matches!(
            self,
            Relationship::SocialWorker
                | Relationship::IndependentReviewingOfficer
                | Relationship::OtherProfessional
        )
    }
}

crate::stored_enum! {
    /// Groups that make a child eligible for advocacy (a request records
    /// every one that applies).
    EligibilityGroup as "AdvocacyEligibilityGroup" {
        LookedAfterChild = "looked_after_child",
        CareLeaver = "care_leaver",
        ChildInNeed = "child_in_need",
        ChildProtection = "child_protection",
        Send = "send",
        YoungCarer = "young_carer",
        Homeless16To17 = "homeless_16_17",
        SecureOrMentalHealthSetting = "secure_or_mental_health_setting",
        Other = "other",
    }
}

crate::stored_enum! {
    /// What the request is about.
    Subject as "AdvocacySubject" {
        Complaint = "complaint",
        ReviewOrConference = "review_or_conference",
        ChildProtectionConference = "child_protection_conference",
        PlacementMove = "placement_move",
        LeavingCare = "leaving_care",
        EducationOrSend = "education_or_send",
        Health = "health",
        Other = "other",
    }
}

crate::stored_enum! {
    /// How a young person wants to be contacted.
    ContactMethod as "AdvocacyContactMethod" {
        Phone = "phone",
        TextMessage = "text_message",
        Email = "email",
        App = "app",
        InPerson = "in_person",
    }
}

crate::stored_enum! {
    /// How the child communicates, where it needs planning for.
    CommunicationNeed as "CommunicationNeed" {
        NonVerbal = "non_verbal",
        BritishSignLanguage = "bsl",
        Makaton = "makaton",
        PicturesOrSymbols = "pictures_or_symbols",
        AnotherLanguage = "another_language",
    }
}

/// Longest free text: the child's words, reasons, the basis for referral.
pub const PROSE_MAX: usize = 5_000;
/// Longest single line: a name, a language, a time to call.
pub const LINE_MAX: usize = 200;
/// Most upcoming decisions or meetings on one request.
pub const DECISIONS_MAX: usize = 20;
/// The oldest a young person can be to ask for an advocate (care leavers
/// are supported to 25).
pub const OLDEST: u32 = 25;

/// How the child communicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Communication {
    pub needs: Vec<CommunicationNeed>,
    /// The language, when it is not English.
    pub language: Option<String>,
    pub interpreter_needed: bool,
}

impl Communication {
    pub fn checked(self) -> AppResult<Self> {
        let language =
            text::optional_line("communication.language", self.language.as_deref(), LINE_MAX)?;
        if self.needs.contains(&CommunicationNeed::AnotherLanguage) && language.is_none() {
            return Err(AppError::bad_input(
                "communication.language",
                "name the language the child uses",
            ));
        }
        Ok(Communication {
            needs: self.needs,
            language,
            interpreter_needed: self.interpreter_needed,
        })
    }
}

/// Someone who knows the child well and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowsChildBest {
    pub name: String,
    /// Their relationship to the child ("foster carer", "nursery key person").
    pub relationship: String,
    pub how_to_reach: String,
}

/// A decision or meeting coming up for the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub what: String,
    pub on: NaiveDate,
}

/// What an instructed request says, in the young person's words.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructed {
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    pub in_their_words: String,
    pub contact_methods: Vec<ContactMethod>,
    pub contact_times: Option<String>,
    pub communication: Communication,
}

impl Instructed {
    pub fn checked(self) -> AppResult<Self> {
        Ok(Instructed {
            subject: self.subject,
            eligibility: eligibility(self.eligibility)?,
            in_their_words: text::prose("inTheirWords", &self.in_their_words, PROSE_MAX)?,
            contact_methods: non_empty(
                self.contact_methods,
                "contactMethods",
                "choose at least one way to be contacted",
            )?,
            contact_times: text::optional_line(
                "contactTimes",
                self.contact_times.as_deref(),
                LINE_MAX,
            )?,
            communication: self.communication.checked()?,
        })
    }
}

/// What a non-instructed referral says about the child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NonInstructed {
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    pub communication: Communication,
    pub why_not_instructed: String,
    pub knows_child_best: KnowsChildBest,
    pub upcoming_decisions: Vec<Decision>,
    pub referral_basis: String,
}

impl NonInstructed {
    /// The referral's fields checked; `today` bounds the upcoming dates.
    pub fn checked(self, today: NaiveDate) -> AppResult<Self> {
        let why = self.why_not_instructed.trim();
        if why.is_empty() {
            return Err(AppError::bad_input(
                "whyNotInstructed",
                "a non-instructed request needs the reason the child cannot instruct an advocate now",
            ));
        }
        let communication = self.communication.checked()?;
        if communication.needs.is_empty() {
            return Err(AppError::bad_input(
                "communication.needs",
                "say how the child communicates",
            ));
        }
        if self.upcoming_decisions.len() > DECISIONS_MAX {
            return Err(AppError::bad_input(
                "upcomingDecisions",
                format!("at most {DECISIONS_MAX}"),
            ));
        }
        let upcoming_decisions = self
            .upcoming_decisions
            .into_iter()
            .map(|d| {
                if d.on < today {
                    return Err(AppError::bad_input(
                        "upcomingDecisions.on",
                        "is in the past: list decisions and meetings still to come",
                    ));
                }
                Ok(Decision {
                    what: text::line("upcomingDecisions.what", &d.what, LINE_MAX)?,
                    on: d.on,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let k = self.knows_child_best;
        Ok(NonInstructed {
            subject: self.subject,
            eligibility: eligibility(self.eligibility)?,
            communication,
            why_not_instructed: text::prose("whyNotInstructed", why, PROSE_MAX)?,
            knows_child_best: KnowsChildBest {
                name: text::name("knowsChildBest.name", &k.name, LINE_MAX)?,
                relationship: text::line("knowsChildBest.relationship", &k.relationship, LINE_MAX)?,
                how_to_reach: text::line("knowsChildBest.howToReach", &k.how_to_reach, LINE_MAX)?,
            },
            upcoming_decisions,
            referral_basis: text::prose("referralBasis", &self.referral_basis, PROSE_MAX)?,
        })
    }
}

fn eligibility(groups: Vec<EligibilityGroup>) -> AppResult<Vec<EligibilityGroup>> {
    non_empty(
        groups,
        "eligibility",
        "choose at least one group the child belongs to",
    )
}

fn non_empty<T: PartialEq>(items: Vec<T>, field: &str, message: &str) -> AppResult<Vec<T>> {
    if items.is_empty() {
        return Err(AppError::bad_input(field, message));
    }
    Ok(items)
}

/// The child's age in whole years on `on`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(born).unwrap_or(0)
}

/// A child or young person may have an advocate from birth to 25.
pub fn check_age(born: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if born > today {
        return Err(AppError::bad_input("dateOfBirth", "is in the future"));
    }
    if age_on(born, today) > OLDEST {
        return Err(AppError::bad_input(
            "youngPersonId",
            format!("advocacy here is for children and young people up to {OLDEST}"),
        ));
    }
    Ok(())
}

/// Who may refer for which kind: a non-instructed request needs a
/// professional referrer; a young person asking for themselves is always
/// instructed.
pub fn check_referrer(kind: AdvocacyKind, relationship: Relationship) -> AppResult<()> {
    if kind == AdvocacyKind::NonInstructed && !relationship.is_professional() {
        return Err(AppError::bad_input(
            "referrerRelationship",
            "a non-instructed request needs a professional referrer (a social worker, \
             an independent reviewing officer or another professional)",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
