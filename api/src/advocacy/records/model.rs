//! The rules for records, without I/O: what each kind of record holds, the
//! answers each non-instructed approach requires, when and on which
//! requests records may be added.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::advocacy::{
    lifecycle::model::AdvocacyState,
    requests::model::{AdvocacyKind, LINE_MAX, PROSE_MAX},
};
use crate::{
    error::{AppError, AppResult},
    text,
};

/// Most people consulted on one visit.
pub const CONSULTED_MAX: usize = 20;
/// The longest visit: a day.
pub const MINUTES_MAX: i32 = 24 * 60;

crate::stored_enum! {
    /// What kind of record.
    RecordType as "AdvocacyRecordType" {
        /// A non-instructed visit or observation.
        Visit = "visit",
        /// A contact or meeting with a young person who instructs.
        Contact = "contact",
        /// Something raised on the child's behalf, with whom, and the response.
        Representation = "representation",
        /// A meeting the advocate attended (a review, a conference).
        Meeting = "meeting",
        /// What changed for the child.
        Outcome = "outcome",
    }
}

crate::stored_enum! {
    /// The non-instructed approach a visit took.
    VisitApproach as "AdvocacyVisitApproach" {
        /// All six questions: the child's life, what matters to them, their
        /// likely wishes and feelings, rights, fair treatment, involvement.
        WatchingBrief = "watching_brief",
        /// What matters to the child and their likely wishes and feelings.
        PersonCentred = "person_centred",
        /// The child's rights and whether they are treated fairly.
        RightsBased = "rights_based",
        /// Where, who was present and what was observed.
        WitnessObserver = "witness_observer",
    }
}

crate::stored_enum! {
    /// Whether the child seemed content with the advocate being there.
    Contentment as "AdvocacyChildContent" {
        Yes = "yes",
        No = "no",
        Unclear = "unclear",
    }
}

crate::stored_enum! {
    /// How the advocate and the young person were in contact.
    ContactHow as "AdvocacyContactHow" {
        InPerson = "in_person",
        Phone = "phone",
        Video = "video",
        Message = "message",
        Other = "other",
    }
}

/// A question a visit may answer, by its input field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Setting,
    WhatLifeIsLike,
    WhatIsImportant,
    WishesAndFeelings,
    Rights,
    TreatedFairly,
    Involvement,
    WhoWasPresent,
    WhatWasObserved,
}

impl Question {
    /// The input field that answers it.
    pub fn field(self) -> &'static str {
        match self {
            Question::Setting => "setting",
            Question::WhatLifeIsLike => "whatLifeIsLike",
            Question::WhatIsImportant => "whatIsImportant",
            Question::WishesAndFeelings => "wishesAndFeelings",
            Question::Rights => "rights",
            Question::TreatedFairly => "treatedFairly",
            Question::Involvement => "involvementInDecisions",
            Question::WhoWasPresent => "whoWasPresent",
            Question::WhatWasObserved => "whatWasObserved",
        }
    }
}

impl VisitApproach {
    /// The answers a visit with this approach must give (decided with the
    /// provider: the watching brief asks all six questions).
    pub fn required(self) -> &'static [Question] {
        use Question::*;
        match self {
            VisitApproach::WatchingBrief => &[
                WhatLifeIsLike,
                WhatIsImportant,
                WishesAndFeelings,
                Rights,
                TreatedFairly,
                Involvement,
            ],
            VisitApproach::RightsBased => &[Rights, TreatedFairly],
            VisitApproach::PersonCentred => &[WhatIsImportant, WishesAndFeelings],
            VisitApproach::WitnessObserver => &[Setting, WhoWasPresent, WhatWasObserved],
        }
    }
}

/// What a visit found, question by question (each optional unless the
/// approach requires it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observations {
    pub setting: Option<String>,
    pub what_life_is_like: Option<String>,
    pub what_is_important: Option<String>,
    pub wishes_and_feelings: Option<String>,
    pub rights: Option<String>,
    pub treated_fairly: Option<String>,
    pub involvement: Option<String>,
    pub who_was_present: Option<String>,
    pub what_was_observed: Option<String>,
}

impl Observations {
    fn answer(&mut self, q: Question) -> &mut Option<String> {
        match q {
            Question::Setting => &mut self.setting,
            Question::WhatLifeIsLike => &mut self.what_life_is_like,
            Question::WhatIsImportant => &mut self.what_is_important,
            Question::WishesAndFeelings => &mut self.wishes_and_feelings,
            Question::Rights => &mut self.rights,
            Question::TreatedFairly => &mut self.treated_fairly,
            Question::Involvement => &mut self.involvement,
            Question::WhoWasPresent => &mut self.who_was_present,
            Question::WhatWasObserved => &mut self.what_was_observed,
        }
    }

    /// Each answer checked as prose (blank is none), then every answer
    /// `approach` requires and lacks named in one refusal.
    fn checked(mut self, approach: VisitApproach) -> AppResult<Self> {
        use Question::*;
        let all = [
            Setting,
            WhatLifeIsLike,
            WhatIsImportant,
            WishesAndFeelings,
            Rights,
            TreatedFairly,
            Involvement,
            WhoWasPresent,
            WhatWasObserved,
        ];
        for q in all {
            let answer = self.answer(q);
            let max = if q == Setting { LINE_MAX } else { PROSE_MAX };
            *answer = text::optional_prose(q.field(), answer.as_deref(), max)?;
        }
        let missing: Vec<String> = approach
            .required()
            .iter()
            .filter(|q| self.answer(**q).is_none())
            .map(|q| q.field().to_string())
            .collect();
        if !missing.is_empty() {
            return Err(AppError::bad_inputs(
                missing,
                format!("{} for a {} visit", needed(approach), approach.words()),
            ));
        }
        Ok(self)
    }
}

fn needed(approach: VisitApproach) -> &'static str {
    if approach.required().len() == 1 {
        "is needed"
    } else {
        "are needed"
    }
}

impl VisitApproach {
    fn words(self) -> &'static str {
        match self {
            VisitApproach::WatchingBrief => "watching brief",
            VisitApproach::PersonCentred => "person-centred",
            VisitApproach::RightsBased => "rights-based",
            VisitApproach::WitnessObserver => "witness or observer",
        }
    }
}

/// Someone the advocate spoke to about the child (other people's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consulted {
    pub name: String,
    pub role: String,
    pub what_they_said: String,
}

/// A non-instructed visit or observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub minutes: i32,
    pub approach: VisitApproach,
    /// How the child communicated and responded.
    pub communication: Option<String>,
    pub content_with_advocate: Contentment,
    pub observations: Observations,
    /// Kept in a table of their own (third-party data): the stored body
    /// leaves them out (`store`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people_consulted: Vec<Consulted>,
}

impl Visit {
    fn checked(self) -> AppResult<Self> {
        if !(1..=MINUTES_MAX).contains(&self.minutes) {
            return Err(AppError::bad_input(
                "minutesSpent",
                format!("must be from 1 to {MINUTES_MAX} (a day)"),
            ));
        }
        if self.people_consulted.len() > CONSULTED_MAX {
            return Err(AppError::bad_input(
                "peopleConsulted",
                format!("may list at most {CONSULTED_MAX} people"),
            ));
        }
        let people_consulted = self
            .people_consulted
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let at = |f: &str| format!("peopleConsulted[{i}].{f}");
                Ok(Consulted {
                    name: text::name(&at("name"), &p.name, LINE_MAX)?,
                    role: text::line(&at("role"), &p.role, LINE_MAX)?,
                    what_they_said: text::prose(&at("whatTheySaid"), &p.what_they_said, PROSE_MAX)?,
                })
            })
            .collect::<AppResult<_>>()?;
        Ok(Visit {
            communication: text::optional_prose(
                "howTheyCommunicated",
                self.communication.as_deref(),
                PROSE_MAX,
            )?,
            observations: self.observations.checked(self.approach)?,
            people_consulted,
            ..self
        })
    }
}

/// A contact or meeting with a young person who instructs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub how: ContactHow,
    /// What the young person said, in their words.
    pub in_their_words: String,
    pub what_they_want: Option<String>,
}

/// Something raised on the child's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representation {
    pub to_whom: String,
    pub role: String,
    pub what_was_raised: String,
    pub response: Option<String>,
}

/// A meeting the advocate attended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub meeting: String,
    pub who_attended: String,
    pub what_happened: String,
}

/// What changed for the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub what_changed: String,
}

/// A record's own content, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    Visit(Visit),
    Contact(Contact),
    Representation(Representation),
    Meeting(Meeting),
    Outcome(Outcome),
}

impl Body {
    pub fn record_type(&self) -> RecordType {
        match self {
            Body::Visit(_) => RecordType::Visit,
            Body::Contact(_) => RecordType::Contact,
            Body::Representation(_) => RecordType::Representation,
            Body::Meeting(_) => RecordType::Meeting,
            Body::Outcome(_) => RecordType::Outcome,
        }
    }

    /// The fields a record of this kind writes (for its audit entry).
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Body::Visit(_) => &[
                "occurredOn",
                "approach",
                "minutesSpent",
                "observations",
                "peopleConsulted",
            ],
            Body::Contact(_) => &["occurredOn", "how", "inTheirWords", "whatTheyWant"],
            Body::Representation(_) => {
                &["occurredOn", "toWhom", "role", "whatWasRaised", "response"]
            }
            Body::Meeting(_) => &["occurredOn", "meeting", "whoAttended", "whatHappened"],
            Body::Outcome(_) => &["occurredOn", "whatChanged"],
        }
    }

    /// Every text checked; a visit's answers against its approach.
    pub fn checked(self) -> AppResult<Self> {
        Ok(match self {
            Body::Visit(v) => Body::Visit(v.checked()?),
            Body::Contact(c) => Body::Contact(Contact {
                in_their_words: text::prose("inTheirWords", &c.in_their_words, PROSE_MAX)?,
                what_they_want: text::optional_prose(
                    "whatTheyWant",
                    c.what_they_want.as_deref(),
                    PROSE_MAX,
                )?,
                ..c
            }),
            Body::Representation(r) => Body::Representation(Representation {
                to_whom: text::name("toWhom", &r.to_whom, LINE_MAX)?,
                role: text::line("role", &r.role, LINE_MAX)?,
                what_was_raised: text::prose("whatWasRaised", &r.what_was_raised, PROSE_MAX)?,
                response: text::optional_prose("response", r.response.as_deref(), PROSE_MAX)?,
            }),
            Body::Meeting(m) => Body::Meeting(Meeting {
                meeting: text::line("meeting", &m.meeting, LINE_MAX)?,
                who_attended: text::prose("whoAttended", &m.who_attended, PROSE_MAX)?,
                what_happened: text::prose("whatHappened", &m.what_happened, PROSE_MAX)?,
            }),
            Body::Outcome(o) => Body::Outcome(Outcome {
                what_changed: text::prose("whatChanged", &o.what_changed, PROSE_MAX)?,
            }),
        })
    }

    /// Visits are for children who cannot instruct, contacts for those who
    /// do; the rest for either. The kind can change while a request is
    /// open, so a mismatch is `CONFLICT`.
    pub fn fits(&self, kind: AdvocacyKind) -> AppResult<()> {
        match (self, kind) {
            (Body::Visit(_), AdvocacyKind::Instructed) => Err(AppError::conflict(
                "This request is instructed: record a contact with the young person \
                 (recordAdvocacyContact), not a non-instructed visit.",
            )),
            (Body::Contact(_), AdvocacyKind::NonInstructed) => Err(AppError::conflict(
                "This request is non-instructed: record a visit or observation \
                 (recordAdvocacyVisit), not a contact taking instructions.",
            )),
            _ => Ok(()),
        }
    }
}

/// The day a record is for: not in the future, not before the request.
pub fn check_day(on: NaiveDate, today: NaiveDate, submitted: NaiveDate) -> AppResult<()> {
    if on > today {
        return Err(AppError::bad_input("occurredOn", "is in the future"));
    }
    if on < submitted {
        return Err(AppError::bad_input(
            "occurredOn",
            "is before the request was made",
        ));
    }
    Ok(())
}

/// Records are added while an advocate works the request: assigned, in
/// touch or in progress. Otherwise `CONFLICT` naming the state.
pub fn check_open(state: AdvocacyState) -> AppResult<()> {
    match state {
        AdvocacyState::Assigned | AdvocacyState::FirstContactMade | AdvocacyState::InProgress => {
            Ok(())
        }
        other => Err(AppError::conflict(format!(
            "This request is {}: records can be added only while an advocate is working on it.",
            other.words()
        ))),
    }
}
