//! Synthetic Staying Close demo data: six young people per authority in
//! different situations (an active plan going well, one with overdue
//! check-in and review, a draft shared for agreement, an ended plan, a
//! profile waiting for a plan, an apprentice claiming a bursary). Dates are
//! relative to the day the demo is loaded, so "overdue" means overdue.
//! Names are invented.

use chrono::{Days, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::AppResult;
use crate::staying_close::{
    agreement,
    claims::{
        self,
        model::{ClaimKind, ClaimStatus},
        store::ClaimRow,
    },
    dates,
    goals::{
        self,
        model::{GoalStatus, PlanSection},
        store::GoalRow,
    },
    meetings::{
        self,
        model::{CheckInMode, MeetingStatus},
        store::{Meeting, MeetingRow},
    },
    plan::{
        self,
        model::{PlanEndReason, PlanStatus},
        store::NewPlan,
        versions::{GoalSnapshot, NewVersion, Snapshot},
    },
    profile::{
        self,
        model::{AuthoritySettings, CareLeaverCategory},
    },
    records::{
        self,
        model::{AccommodationType, Activity, FactorJudgement, InTouch, SuitabilityFactor},
        store::{RecordRow, RecordValue},
    },
};

/// A demo young person: email user, (given, family) names, date of birth.
pub(crate) type DemoYoungPerson = (&'static str, (&'static str, &'static str), (i32, u32, u32));

/// Each authority's young people.
pub(crate) const YOUNG_PEOPLE: [DemoYoungPerson; 6] = [
    ("young.person", ("Jamie", "Leaver"), (2007, 3, 14)),
    ("young.person.two", ("Riley", "Leaver"), (2006, 11, 2)),
    ("young.person.three", ("Alexis", "Brook"), (2008, 1, 20)),
    ("young.person.four", ("Jordan", "Vale"), (2005, 7, 9)),
    ("young.person.five", ("Avery", "Stone"), (2009, 6, 1)),
    ("young.person.six", ("Quinn", "Field"), (2006, 4, 30)),
];

pub(crate) struct Authority {
    pub id: Uuid,
    /// The children's home the young people left.
    pub home: Uuid,
    pub key_worker: Option<Uuid>,
    pub personal_adviser: Option<Uuid>,
    pub extends_to_25: bool,
    /// 0 or 1: makes child references unique across the demo.
    pub index: u8,
}

enum Situation {
    GoingWell,
    Overdue,
    DraftShared,
    Ended,
    NoPlanYet,
    Apprentice,
}

const SITUATIONS: [Situation; 6] = [
    Situation::GoingWell,
    Situation::Overdue,
    Situation::DraftShared,
    Situation::Ended,
    Situation::NoPlanYet,
    Situation::Apprentice,
];

fn days_ago(today: NaiveDate, n: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(n)).unwrap_or(today)
}

fn days_ahead(today: NaiveDate, n: u64) -> NaiveDate {
    today.checked_add_days(Days::new(n)).unwrap_or(today)
}

fn assessment(unsuitable: &[SuitabilityFactor]) -> String {
    let factors: Vec<FactorJudgement> = SuitabilityFactor::ALL
        .iter()
        .map(|f| FactorJudgement {
            factor: *f,
            suitable: !unsuitable.contains(f),
            note: None,
        })
        .collect();
    serde_json::to_string(&factors).unwrap_or_else(|_| "[]".into())
}

/// Loads the authority's demo plans; young people who already have a
/// profile are left alone (safe to run again).
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    la: Authority,
    people: &[Uuid],
) -> AppResult<()> {
    if la.extends_to_25 {
        profile::store::save_settings(
            db,
            la.id,
            AuthoritySettings {
                support_to_age: 25,
                ..AuthoritySettings::default()
            },
        )
        .await?;
    }
    let today = Utc::now().date_naive();
    for (n, ((person, situation), (_, _, born))) in people
        .iter()
        .zip(SITUATIONS.iter())
        .zip(YOUNG_PEOPLE.iter())
        .enumerate()
    {
        if profile::store::care_leaver(db, *person).await?.is_some() {
            continue;
        }
        let born = NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap_or(today);
        let category = match situation {
            Situation::NoPlanYet => CareLeaverCategory::Eligible,
            _ if dates::age_on(born, today) < 18 => CareLeaverCategory::Relevant,
            _ => CareLeaverCategory::FormerRelevant,
        };
        let left_care_on = match situation {
            Situation::NoPlanYet => None,
            _ => Some(dates::birthday(born, 18).min(days_ago(today, 120))),
        };
        let child_ref = format!("DEMO{}{:02}", la.index, n + 1);
        profile::store::save_care_leaver(
            db,
            profile::store::CareLeaverChange {
                person_id: *person,
                local_authority_id: la.id,
                child_ref: &child_ref,
                category,
                left_care_on,
                childrens_home_id: Some(la.home),
            },
        )
        .await?;
        if matches!(situation, Situation::NoPlanYet) {
            continue;
        }
        let start = days_ago(today, 110);
        let support_to = if la.extends_to_25 { 25 } else { 21 };
        let end = dates::birthday(born, 21)
            .max(days_ahead(today, 200))
            .min(dates::birthday(born, support_to));
        let (status, check_in_due, review_due) = match situation {
            Situation::Overdue => (PlanStatus::Active, days_ago(today, 5), days_ago(today, 2)),
            Situation::DraftShared => (
                PlanStatus::Draft,
                days_ahead(today, 20),
                days_ahead(today, 70),
            ),
            _ => (
                PlanStatus::Active,
                days_ahead(today, 10),
                days_ahead(today, 70),
            ),
        };
        let plan = Uuid::now_v7();
        plan::store::insert_plan(
            db,
            &NewPlan {
                id: plan,
                person_id: *person,
                local_authority_id: la.id,
                status,
                start_date: start,
                planned_end_date: end,
                key_worker_id: la.key_worker,
                personal_adviser_id: la.personal_adviser,
                check_in_interval_days: 56,
                next_check_in_due: check_in_due,
                next_review_due: review_due,
            },
        )
        .await?;
        let now = Utc::now();
        let goals = [
            (
                PlanSection::Accommodation,
                "Keep my tenancy going and pay the rent on time",
                Some("Key worker"),
                GoalStatus::InProgress,
            ),
            (
                PlanSection::FinancialSupport,
                "Set up direct debits for gas, electricity and phone",
                Some("Key worker"),
                GoalStatus::Achieved,
            ),
            (
                PlanSection::EducationAndTraining,
                "Finish my college course",
                Some("Personal adviser"),
                GoalStatus::NotStarted,
            ),
        ];
        for (section, title, helper, goal_status) in goals {
            goals::store::save_goal(
                db,
                &GoalRow {
                    id: Uuid::now_v7(),
                    plan_id: plan,
                    section,
                    title: title.into(),
                    helper: helper.map(str::to_string),
                    target_date: Some(days_ahead(today, 90).min(end)),
                    status: goal_status,
                    removed_at: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
        }
        let held = days_ago(today, 50);
        let meetings = [
            (Meeting::CheckIn, held, Some(held)),
            (Meeting::CheckIn, check_in_due, None),
            (Meeting::Review, review_due, None),
        ];
        for (kind, due_on, held_on) in meetings {
            meetings::store::save_meeting(
                db,
                kind,
                &MeetingRow {
                    id: Uuid::now_v7(),
                    plan_id: plan,
                    due_on,
                    held_on,
                    held_by_person_id: held_on.and(la.key_worker),
                    note: held_on
                        .map(|_| "Met at the flat. Talked about bills and college.".into()),
                    status: if held_on.is_some() {
                        MeetingStatus::Held
                    } else {
                        MeetingStatus::Planned
                    },
                    mode: held_on.map(|_| CheckInMode::InPerson),
                    requested_by_young_person: false,
                    reason: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
        }
        plan::versions::insert_version(
            db,
            NewVersion {
                plan_id: plan,
                version: 1,
                account_id: None,
                person_id: la.personal_adviser,
                summary: "plan.create",
                changes: &serde_json::json!([]),
                snapshot: &Snapshot {
                    status,
                    end_reason: None,
                    start_date: start,
                    planned_end_date: end,
                    key_worker_id: None,
                    personal_adviser_id: None,
                    check_in_interval_days: 56,
                    next_check_in_due: Some(check_in_due),
                    next_review_due: Some(review_due),
                    goals: goals
                        .iter()
                        .map(|(section, title, helper, status)| GoalSnapshot {
                            id: None,
                            section: *section,
                            title: (*title).into(),
                            who_helps: helper.map(str::to_string),
                            target_date: None,
                            status: *status,
                        })
                        .collect(),
                },
            },
        )
        .await?;
        match situation {
            Situation::DraftShared => agreement::store::touch_shared(db, plan, 1).await?,
            Situation::Ended => {
                plan::store::update_plan(
                    db,
                    plan,
                    plan::store::PlanFields {
                        status: Some(PlanStatus::Ended),
                        end_reason: Some(PlanEndReason::MovedAway),
                        ..plan::store::PlanFields::default()
                    },
                )
                .await?;
            }
            _ => {}
        }
        let (accommodation, unsuitable, activity, in_touch): (_, &[SuitabilityFactor], _, _) =
            match situation {
                Situation::GoingWell => (
                    AccommodationType::IndependentLiving,
                    &[],
                    Activity::F5,
                    InTouch::Yes,
                ),
                Situation::Overdue => (
                    AccommodationType::SemiIndependent,
                    &[],
                    Activity::G5,
                    InTouch::Yes,
                ),
                Situation::DraftShared => (
                    AccommodationType::SupportedLodgings,
                    &[],
                    Activity::F2,
                    InTouch::Yes,
                ),
                Situation::Ended => (
                    AccommodationType::NoFixedAbode,
                    &[SuitabilityFactor::Tenancy, SuitabilityFactor::Safety],
                    Activity::G4,
                    InTouch::No,
                ),
                _ => (
                    AccommodationType::OrdinaryLodgings,
                    &[SuitabilityFactor::Affordability],
                    Activity::F4,
                    InTouch::Yes,
                ),
            };
        let values = [
            RecordValue::Accommodation {
                kind: accommodation,
                suitable: unsuitable.is_empty(),
                assessment: assessment(unsuitable),
                ended_on: None,
            },
            RecordValue::Activity(activity),
            RecordValue::InTouch(in_touch),
        ];
        for value in values {
            records::store::insert_record(
                db,
                &RecordRow {
                    id: Uuid::now_v7(),
                    person_id: *person,
                    local_authority_id: la.id,
                    recorded_on: days_ago(today, 60),
                    recorded_by_person_id: la.personal_adviser,
                    value,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
        }
        let claims: &[(ClaimKind, i64, &str, ClaimStatus)] = match situation {
            Situation::GoingWell => &[
                (
                    ClaimKind::SettingUpHome,
                    120_000,
                    "Bed, sofa and kitchen things",
                    ClaimStatus::Paid,
                ),
                (
                    ClaimKind::SettingUpHome,
                    30_000,
                    "Washing machine",
                    ClaimStatus::Requested,
                ),
            ],
            Situation::Apprentice => &[
                (
                    ClaimKind::ApprenticeshipBursary,
                    100_000,
                    "First instalment",
                    ClaimStatus::Paid,
                ),
                (
                    ClaimKind::ApprenticeshipBursary,
                    100_000,
                    "Second instalment",
                    ClaimStatus::Approved,
                ),
            ],
            _ => &[],
        };
        for (kind, amount, purpose, claim_status) in claims {
            let decided = matches!(claim_status, ClaimStatus::Approved | ClaimStatus::Paid);
            claims::store::save_claim(
                db,
                &ClaimRow {
                    id: Uuid::now_v7(),
                    person_id: *person,
                    local_authority_id: la.id,
                    kind: *kind,
                    amount_pence: *amount,
                    purpose: (*purpose).into(),
                    basis_date: days_ago(today, 100),
                    status: *claim_status,
                    decided_by_person_id: None,
                    decided_at: decided.then_some(now),
                    decision_note: None,
                    paid_at: (*claim_status == ClaimStatus::Paid).then_some(now),
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
        }
    }
    Ok(())
}
