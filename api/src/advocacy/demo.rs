//! Synthetic advocacy demo data: for each authority, requests of both
//! kinds in every state, made through the same store and clock code the
//! service uses (without sign-in, audit or notices): one waiting for
//! triage, one whose allocation is at risk, a referral whose timescales
//! were breached, one assigned, one after first contact, one being
//! worked, one closed with its outcome, one declined, one withdrawn.
//! Times are relative to when the demo is loaded. Names are invented.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    lifecycle::model::{AdvocacyOutcome, AdvocacyState, DeclineReason},
    requests::{
        model::{
            AdvocacyKind, CommunicationNeed, ContactMethod, Decision, EligibilityGroup,
            KnowsChildBest, Relationship, Subject, Urgency,
        },
        store::{self, AdvocacyEventType, DetailsRow, EventRow, NewRequest, RequestRow},
    },
    timescales::{
        model::{Terms, Timescale, TimescaleState},
        service::follow,
        store as clocks,
    },
};
use crate::{
    calendar::{self, Division, WorkingCalendar},
    error::{AppError, AppResult},
    identity::people::children::{NewChild, create_child},
};

/// Who the demo has in one authority.
pub(crate) struct Authority<'a> {
    pub id: Uuid,
    pub provider: Uuid,
    /// The provider's two advocates.
    pub advocates: [Uuid; 2],
    /// The authority's social worker (refers children).
    pub social_worker: Uuid,
    /// The authority's demo young people, in `YOUNG_PEOPLE` order.
    pub young_people: &'a [Uuid],
}

/// Where a demo request ends up.
#[derive(Clone, Copy)]
enum Path {
    Submitted,
    AllocationAtRisk,
    Breached,
    Assigned(usize),
    FirstContact(usize),
    InProgress(usize),
    Closed(usize, AdvocacyOutcome),
    Declined(DeclineReason),
    Withdrawn,
}

/// One demo request: whose (a young person's index, or a new child),
/// kind and urgency, subject, how long ago it was made, where it ends up.
struct Spec {
    child: Child,
    kind: AdvocacyKind,
    urgency: Urgency,
    subject: Subject,
    days_ago: i64,
    path: Path,
}

#[derive(Clone, Copy)]
enum Child {
    YoungPerson(usize),
    /// A young child without an account: names, age in years.
    New(&'static str, &'static str, i32),
}

fn specs() -> Vec<Spec> {
    use AdvocacyKind::{Instructed as I, NonInstructed as N};
    let spec = |child, kind, urgency, subject, days_ago, path| Spec {
        child,
        kind,
        urgency,
        subject,
        days_ago,
        path,
    };
    vec![
        spec(
            Child::YoungPerson(1),
            I,
            Urgency::Standard,
            Subject::LeavingCare,
            0,
            Path::Submitted,
        ),
        spec(
            Child::YoungPerson(2),
            I,
            Urgency::Standard,
            Subject::Complaint,
            0,
            Path::AllocationAtRisk,
        ),
        spec(
            Child::New("Robin", "Small", 3),
            N,
            Urgency::Standard,
            Subject::ReviewOrConference,
            0,
            Path::Breached,
        ),
        spec(
            Child::YoungPerson(3),
            I,
            Urgency::Standard,
            Subject::PlacementMove,
            2,
            Path::Assigned(0),
        ),
        spec(
            Child::New("Kai", "Little", 6),
            N,
            Urgency::Standard,
            Subject::ChildProtectionConference,
            6,
            Path::FirstContact(0),
        ),
        spec(
            Child::YoungPerson(4),
            I,
            Urgency::Urgent,
            Subject::EducationOrSend,
            9,
            Path::InProgress(1),
        ),
        spec(
            Child::YoungPerson(5),
            I,
            Urgency::Standard,
            Subject::Health,
            40,
            Path::Closed(1, AdvocacyOutcome::Resolved),
        ),
        spec(
            Child::YoungPerson(1),
            I,
            Urgency::Standard,
            Subject::Other,
            20,
            Path::Declined(DeclineReason::Duplicate),
        ),
        spec(
            Child::YoungPerson(3),
            I,
            Urgency::Standard,
            Subject::Complaint,
            15,
            Path::Withdrawn,
        ),
    ]
}

/// Loads the demo requests for one authority, unless the provider
/// already holds some there (safe to run again).
pub(crate) async fn load(db: &impl ConnectionTrait, a: &Authority<'_>) -> AppResult<()> {
    if store::provider_holds_any(db, a.id, a.provider).await? {
        return Ok(());
    }
    let cal = calendar::store::load(db, Division::EnglandAndWales).await?;
    let now = Utc::now();
    for spec in specs() {
        let (child, relationship, referrer) = match spec.child {
            Child::YoungPerson(i) => {
                let person = a.young_people.get(i).copied().ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("no demo young person {i}"))
                })?;
                (person, Relationship::YoungPerson, person)
            }
            Child::New(given, family, age) => {
                let born = chrono::Datelike::with_year(&crate::clock::today(), {
                    chrono::Datelike::year(&crate::clock::today()) - age
                })
                .unwrap_or_else(crate::clock::today);
                let child = create_child(
                    db,
                    NewChild {
                        given_name: given,
                        family_name: family,
                        date_of_birth: born,
                        local_authority_id: a.id,
                    },
                )
                .await?;
                (child.id, Relationship::SocialWorker, a.social_worker)
            }
        };
        let submitted = submitted_at(&cal, &spec, now);
        let id = Uuid::now_v7();
        store::insert(
            db,
            &NewRequest {
                id,
                person_id: child,
                local_authority_id: a.id,
                provider_id: a.provider,
                kind: spec.kind,
                urgency: spec.urgency,
                referrer_person_id: referrer,
                referrer_relationship: relationship,
                referrer_told_progress: true,
                at: submitted,
            },
        )
        .await?;
        store::save_details(db, &details(id, &spec, submitted.date_naive()), submitted).await?;
        let mut row = store::request(db, id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo request {id} not stored")))?;
        event(db, &row, AdvocacyEventType::Submitted, submitted, referrer).await?;
        follow(db, &row, AdvocacyEventType::Submitted, submitted).await?;
        for (step, at) in steps(spec.path, submitted, now) {
            apply(&mut row, step, at, a);
            if !store::save(db, &row, at).await? {
                return Err(AppError::internal(anyhow::anyhow!(
                    "demo request {id} raced"
                )));
            }
            row.version += 1;
            event(db, &row, step.event(), at, referrer).await?;
            follow(db, &row, step.event(), at).await?;
        }
        // Notices due before now went at the time.
        clocks::told_until(db, id, now).await?;
    }
    Ok(())
}

/// When a demo request was made: `days_ago`, or (at risk, breached) as
/// long ago as puts its allocation at risk, or both timescales past due,
/// now.
fn submitted_at(cal: &WorkingCalendar, spec: &Spec, now: DateTime<Utc>) -> DateTime<Utc> {
    let (timescale, wanted) = match spec.path {
        Path::AllocationAtRisk => (Timescale::Allocation, TimescaleState::AtRisk),
        Path::Breached => (Timescale::FirstContact, TimescaleState::Breached),
        _ => return now - Duration::days(spec.days_ago) - Duration::hours(1),
    };
    let terms = Terms::standard();
    (1..24 * 30)
        .map(|hours| now - Duration::hours(hours))
        .find(|start| {
            terms
                .start(cal, timescale, (spec.kind, spec.urgency), *start)
                .is_some_and(|c| c.state(now) == wanted)
        })
        .unwrap_or(now - Duration::days(20))
}

#[derive(Clone, Copy)]
enum Step {
    Accept,
    Decline(DeclineReason),
    Assign(usize),
    FirstContact,
    StartWork,
    Close(AdvocacyOutcome),
    Withdraw,
}

impl Step {
    fn event(self) -> AdvocacyEventType {
        match self {
            Step::Accept => AdvocacyEventType::Accepted,
            Step::Decline(_) => AdvocacyEventType::Declined,
            Step::Assign(_) => AdvocacyEventType::Assigned,
            Step::FirstContact => AdvocacyEventType::FirstContactMade,
            Step::StartWork => AdvocacyEventType::InProgress,
            Step::Close(_) => AdvocacyEventType::Closed,
            Step::Withdraw => AdvocacyEventType::Withdrawn,
        }
    }
}

/// The steps to a path's end, after the request.
fn steps(path: Path, submitted: DateTime<Utc>, now: DateTime<Utc>) -> Vec<(Step, DateTime<Utc>)> {
    let worked = |advocate| vec![Step::Accept, Step::Assign(advocate)];
    let list = match path {
        Path::Submitted | Path::Breached => vec![],
        Path::AllocationAtRisk => vec![Step::Accept],
        Path::Declined(reason) => vec![Step::Decline(reason)],
        Path::Withdrawn => vec![Step::Accept, Step::Withdraw],
        Path::Assigned(a) => worked(a),
        Path::FirstContact(a) => [worked(a), vec![Step::FirstContact]].concat(),
        Path::InProgress(a) => [worked(a), vec![Step::FirstContact, Step::StartWork]].concat(),
        Path::Closed(a, outcome) => [
            worked(a),
            vec![Step::FirstContact, Step::StartWork, Step::Close(outcome)],
        ]
        .concat(),
    };
    // Each step a few hours after the last (well within the timescales),
    // all before now.
    let gap =
        ((now - submitted) / i32::try_from(list.len() + 1).unwrap_or(1)).min(Duration::hours(5));
    list.into_iter()
        .enumerate()
        .map(|(i, step)| (step, submitted + gap * i32::try_from(i + 1).unwrap_or(1)))
        .collect()
}

fn apply(row: &mut RequestRow, step: Step, at: DateTime<Utc>, a: &Authority<'_>) {
    match step {
        Step::Accept => {
            row.state = AdvocacyState::Accepted;
            row.triaged_at = Some(at);
        }
        Step::Decline(reason) => {
            row.state = AdvocacyState::Declined;
            row.triaged_at = Some(at);
            row.decline_reason = Some(reason);
            row.ended_at = Some(at);
        }
        Step::Assign(advocate) => {
            row.state = AdvocacyState::Assigned;
            row.advocate_person_id = Some(a.advocates[advocate % 2]);
            row.assigned_at = Some(at);
        }
        Step::FirstContact => {
            row.state = AdvocacyState::FirstContactMade;
            row.first_contact_at = Some(at);
        }
        Step::StartWork => row.state = AdvocacyState::InProgress,
        Step::Close(outcome) => {
            row.state = AdvocacyState::Closed;
            row.outcome = Some(outcome);
            row.ended_at = Some(at);
        }
        Step::Withdraw => {
            row.state = AdvocacyState::Withdrawn;
            row.ended_at = Some(at);
        }
    }
}

async fn event(
    db: &impl ConnectionTrait,
    row: &RequestRow,
    event: AdvocacyEventType,
    at: DateTime<Utc>,
    actor: Uuid,
) -> AppResult<()> {
    store::insert_event(
        db,
        &EventRow {
            request_id: row.id,
            version: row.version,
            at,
            actor_person_id: Some(if event == AdvocacyEventType::Submitted {
                actor
            } else {
                row.advocate_person_id.unwrap_or(actor)
            }),
            event,
            state: row.state,
            kind: row.kind,
            advocate_person_id: row.advocate_person_id,
            reason: row.decline_reason.map(|r| r.as_str().to_string()),
            note: None,
        },
    )
    .await
}

fn details(id: Uuid, spec: &Spec, on: NaiveDate) -> DetailsRow {
    let non_instructed = spec.kind == AdvocacyKind::NonInstructed;
    DetailsRow {
        request_id: id,
        subject: spec.subject,
        eligibility: if non_instructed {
            vec![EligibilityGroup::LookedAfterChild]
        } else {
            vec![EligibilityGroup::CareLeaver]
        },
        in_their_words: (!non_instructed)
            .then(|| "I want someone on my side at the next meeting.".to_string()),
        contact_methods: if non_instructed {
            vec![]
        } else {
            vec![ContactMethod::App, ContactMethod::Phone]
        },
        contact_times: None,
        communication_needs: if non_instructed {
            vec![
                CommunicationNeed::NonVerbal,
                CommunicationNeed::PicturesOrSymbols,
            ]
        } else {
            vec![]
        },
        language: None,
        interpreter_needed: false,
        why_not_instructed: non_instructed
            .then(|| "Too young to give instructions; communicates with gestures.".to_string()),
        knows_child_best: non_instructed.then(|| KnowsChildBest {
            name: "Sky Carer".to_string(),
            relationship: "Foster carer".to_string(),
            how_to_reach: "01632 960123".to_string(),
        }),
        upcoming_decisions: if non_instructed {
            vec![Decision {
                what: "Looked-after review".to_string(),
                on: on + Duration::days(30),
            }]
        } else {
            vec![]
        },
        referral_basis: non_instructed
            .then(|| "A decision about the child's placement is coming.".to_string()),
        what_changed: matches!(spec.path, Path::Closed(..))
            .then(|| "The young person's view was heard at the review.".to_string()),
        child_view: None,
    }
}
