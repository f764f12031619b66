//! What can be done with Staying Close plans. Every change here is
//! authorised against the plan as it is inside the transaction, validated,
//! audited, versioned and committed with its reminders and notifications,
//! or not at all. Changes that take a `clientMutationId` replay their
//! first result when repeated.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{
        self, AccommodationType, Activity, CareLeaverCategory, CheckInMode, ClaimKind, ClaimStatus,
        FactorJudgement, GoalStatus, InTouch, MeetingStatus, PlanEndReason, PlanSection,
        PlanStatus,
    },
    store::{
        self, ClaimRow, GoalRow, Meeting, MeetingRow, NewPlan, NewVersion, PlanFields, PlanRow,
        RecordRow, RecordValue,
    },
};
use crate::audit::AuditAction;
use crate::{
    auth::viewer::Viewer,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::store as identity_store,
    identity::{directory, model::Role},
    notifications::{
        model::{DEFAULT_TIME_ZONE, Kind},
        reminders::{self, NewReminder},
        service::{self as notifications, NewNotification},
    },
    policy::{self, Action, Target},
    start_change, text,
};

/// What a change did: enough for the caller to read the result back (a
/// replayed change returns the same ids).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Done {
    pub plan_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    pub version: Option<i32>,
}

/// How long after a young person asks for a review it falls due.
pub const REQUESTED_REVIEW_WITHIN_DAYS: u64 = 28;

use crate::clock::today;

/// Staying Close's look-ups inside a change: plans and goals as the
/// viewer may change them, and the plan's versions.
trait PlanChange {
    async fn plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow>;
    async fn open_plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow>;
    async fn refreshed(&self, plan: Uuid) -> AppResult<PlanRow>;
    async fn goal(&self, id: Uuid, actions: &[Action]) -> AppResult<(GoalRow, PlanRow)>;
    async fn version(
        &self,
        plan: Uuid,
        expected: Option<i32>,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<i32>;
    async fn snapshot(
        &self,
        plan: Uuid,
        version: i32,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<()>;
}

impl PlanChange for Change<'_> {
    /// The plan, if the viewer may do `action` to it (any of `actions`).
    /// A plan the viewer cannot even read is NOT_FOUND, so its existence
    /// is not revealed; one they can read but not change is FORBIDDEN.
    async fn plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow> {
        let plan = store::plan_by_id(&self.txn, id)
            .await?
            .ok_or(AppError::NotFound {
                entity: "StayingClosePlan",
            })?;
        self.authorise(
            &plan.target(),
            actions,
            Action::ReadPlan,
            "StayingClosePlan",
        )?;
        Ok(plan)
    }

    /// An open (not ended) plan the viewer may change.
    async fn open_plan(&self, id: Uuid, actions: &[Action]) -> AppResult<PlanRow> {
        let plan = self.plan(id, actions).await?;
        if plan.status == PlanStatus::Ended {
            return Err(AppError::conflict(
                "This plan has ended; start a new plan to make changes.",
            ));
        }
        Ok(plan)
    }

    /// The plan as this change has left it.
    async fn refreshed(&self, plan: Uuid) -> AppResult<PlanRow> {
        store::plan_by_id(&self.txn, plan)
            .await?
            .ok_or(AppError::NotFound {
                entity: "StayingClosePlan",
            })
    }

    /// A goal still on its plan, with the plan, if the viewer may do one
    /// of `actions` to it; NOT_FOUND (as a goal) when they cannot read it.
    async fn goal(&self, id: Uuid, actions: &[Action]) -> AppResult<(GoalRow, PlanRow)> {
        let goal = store::goal(&self.txn, id)
            .await?
            .filter(|g| g.removed_at.is_none())
            .ok_or(AppError::NotFound { entity: "PlanGoal" })?;
        let plan = self
            .open_plan(goal.plan_id, actions)
            .await
            .map_err(|e| match e {
                AppError::NotFound { .. } => AppError::NotFound { entity: "PlanGoal" },
                other => other,
            })?;
        Ok((goal, plan))
    }

    /// Takes the plan's next version and records what changed in it, with
    /// a snapshot of the plan as it now is.
    async fn version(
        &self,
        plan: Uuid,
        expected: Option<i32>,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<i32> {
        let version = store::next_version(&self.txn, plan, expected).await?;
        self.snapshot(plan, version, summary, changes).await?;
        Ok(version)
    }

    async fn snapshot(
        &self,
        plan: Uuid,
        version: i32,
        summary: &str,
        changes: serde_json::Value,
    ) -> AppResult<()> {
        let row = self.refreshed(plan).await?;
        let goals = store::goals(&self.txn, plan, false).await?;
        let snapshot = serde_json::json!({
            "status": row.status,
            "endReason": row.end_reason,
            "startDate": row.start_date,
            "plannedEndDate": row.planned_end_date,
            "keyWorkerId": row.key_worker_id,
            "personalAdviserId": row.personal_adviser_id,
            "checkInIntervalDays": row.check_in_interval_days,
            "nextCheckInDue": row.next_check_in_due,
            "nextReviewDue": row.next_review_due,
            "goals": goals.iter().map(|g| serde_json::json!({
                "id": g.id,
                "section": g.section,
                "title": g.title,
                "whoHelps": g.helper,
                "targetDate": g.target_date,
                "status": g.status,
            })).collect::<Vec<_>>(),
        });
        store::insert_version(
            &self.txn,
            NewVersion {
                plan_id: plan,
                version,
                account_id: Some(self.actor.account_id),
                person_id: Some(self.actor.person_id),
                summary,
                changes: &changes,
                snapshot: &snapshot,
            },
        )
        .await
    }
}

fn change(field: &str, from: impl Serialize, to: impl Serialize) -> serde_json::Value {
    serde_json::json!({ "field": field, "from": from, "to": to })
}

/// 09:00 in England on a date, as the moment a reminder goes out.
fn morning(date: NaiveDate) -> chrono::DateTime<Utc> {
    let at = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    DEFAULT_TIME_ZONE
        .from_local_datetime(&at)
        .earliest()
        .map_or_else(|| at.and_utc(), |t| t.with_timezone(&Utc))
}

fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// (Re)schedules a plan's reminders: the young person is reminded before
/// a check-in or review is due, the workers on the plan the day after it
/// was due if it has not been logged. An ended plan has none.
async fn schedule_reminders(
    db: &DatabaseTransaction,
    plan: &PlanRow,
    previous_workers: &[Uuid],
) -> AppResult<()> {
    let keys = |what: &str| {
        (
            format!("{what}-due:{}", plan.id),
            format!("{what}-overdue:{}", plan.id),
        )
    };
    let workers: Vec<Uuid> = [plan.key_worker_id, plan.personal_adviser_id]
        .into_iter()
        .flatten()
        .collect();
    for (what, due, kind, lead_days) in [
        ("check-in", plan.next_check_in_due, Kind::CheckInDue, 2),
        ("review", plan.next_review_due, Kind::ReviewDue, 7),
    ] {
        let (due_key, overdue_key) = keys(what);
        for gone in previous_workers.iter().filter(|w| !workers.contains(w)) {
            reminders::cancel(db, *gone, &overdue_key).await?;
        }
        let Some(due) = due.filter(|_| plan.status != PlanStatus::Ended) else {
            reminders::cancel(db, plan.person_id, &due_key).await?;
            for worker in &workers {
                reminders::cancel(db, *worker, &overdue_key).await?;
            }
            continue;
        };
        let noun = if what == "check-in" {
            "check-in"
        } else {
            "plan review"
        };
        let remind_on = due
            .checked_sub_days(chrono::Days::new(lead_days))
            .unwrap_or(due);
        // Already due: the young person is not nagged; the workers are.
        if due < today() {
            reminders::cancel(db, plan.person_id, &due_key).await?;
        } else {
            reminders::schedule(
                db,
                NewReminder {
                    person_id: plan.person_id,
                    kind,
                    title: &format!("Your {noun} is coming up"),
                    body: &format!(
                        "Your next Staying Close {noun} is due on {}.",
                        long_date(due)
                    ),
                    subject: Some(("StayingClosePlan", plan.id)),
                    collapse_key: &due_key,
                    due_at: morning(remind_on).max(Utc::now()),
                },
            )
            .await?;
        }
        let overdue_on = due.checked_add_days(chrono::Days::new(1)).unwrap_or(due);
        for worker in &workers {
            reminders::schedule(
                db,
                NewReminder {
                    person_id: *worker,
                    kind,
                    title: &format!("A {noun} is overdue"),
                    body: &format!(
                        "A Staying Close {noun} on your caseload was due on {} and has not been logged.",
                        long_date(due)
                    ),
                    subject: Some(("StayingClosePlan", plan.id)),
                    collapse_key: &overdue_key,
                    due_at: morning(overdue_on).max(Utc::now()),
                },
            )
            .await?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------ profiles

#[derive(Debug, Serialize)]
pub struct ProfileInput {
    pub person: Uuid,
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    pub childrens_home: Option<Uuid>,
}

/// Sets up or corrects a young person's care-leaver profile.
pub async fn save_profile(call: &Call<'_>, input: ProfileInput) -> AppResult<Done> {
    let tx = start_change!(call, "saveCareLeaverProfile", &input);
    let person =
        identity_store::person(&tx.txn, input.person)
            .await?
            .ok_or(AppError::NotFound {
                entity: "YoungPerson",
            })?;
    let target = Target::person(person.id, person.local_authority_id);
    if !policy::allows(call.viewer, Action::ReadYoungPerson, &target) {
        return Err(AppError::NotFound {
            entity: "YoungPerson",
        });
    }
    policy::authorize(call.viewer, Action::ManageCareLeavers, &target)?;
    let la = person.local_authority_id.ok_or_else(|| {
        AppError::bad_input("youngPersonId", "has no responsible local authority")
    })?;
    if !directory::holds_role_in(&tx.txn, person.id, Role::YoungPerson, la).await? {
        return Err(AppError::bad_input(
            "youngPersonId",
            "is not a young person",
        ));
    }
    let child_ref = model::child_ref(&input.child_ref)?;
    let born = person.date_of_birth.ok_or_else(|| {
        AppError::bad_input("youngPersonId", "needs a date of birth on their profile")
    })?;
    let now = today();
    let age = model::age_on(born, now);
    match (input.category, input.left_care_on) {
        (CareLeaverCategory::Eligible, Some(_)) => {
            return Err(AppError::bad_input(
                "leftCareOn",
                "an eligible young person is still looked after: leave it empty",
            ));
        }
        (CareLeaverCategory::Relevant | CareLeaverCategory::FormerRelevant, None) => {
            return Err(AppError::bad_input(
                "leftCareOn",
                "is needed for a relevant or former relevant young person",
            ));
        }
        _ => {}
    }
    if input.category == CareLeaverCategory::FormerRelevant && age < 18 {
        return Err(AppError::bad_input(
            "category",
            "a former relevant young person is 18 or over",
        ));
    }
    if matches!(
        input.category,
        CareLeaverCategory::Eligible | CareLeaverCategory::Relevant
    ) && age >= 18
    {
        return Err(AppError::bad_input(
            "category",
            "eligible and relevant young people are 16 or 17",
        ));
    }
    if let Some(left) = input.left_care_on {
        model::not_future("leftCareOn", left, now)?;
        if left < model::birthday(born, 14) {
            return Err(AppError::bad_input(
                "leftCareOn",
                "is before the young person's 14th birthday",
            ));
        }
    }
    if let Some(home) = input.childrens_home {
        match directory::organisation(&tx.txn, home).await? {
            Some((_, kind, _)) if kind == "childrens_home" => {}
            _ => {
                return Err(AppError::bad_input(
                    "childrensHomeId",
                    "is not a children's home",
                ));
            }
        }
    }
    let existed = store::care_leaver(&tx.txn, person.id).await?.is_some();
    let saved = store::save_care_leaver(
        &tx.txn,
        store::CareLeaverChange {
            person_id: person.id,
            local_authority_id: la,
            child_ref: &child_ref,
            category: input.category,
            left_care_on: input.left_care_on,
            childrens_home_id: input.childrens_home,
        },
    )
    .await?;
    if !saved {
        return Err(AppError::bad_input(
            "childRef",
            "is already used for another young person in this authority",
        ));
    }
    tx.commit(
        Audited {
            action: if existed {
                AuditAction::CareLeaverUpdate
            } else {
                AuditAction::CareLeaverCreate
            },
            record: ("CareLeaver", person.id),
            fields: &["childRef", "category", "leftCareOn", "childrensHome"],
            target: &target,
        },
        Done {
            plan_id: None,
            record_id: Some(person.id),
            version: None,
        },
    )
    .await
}

// --------------------------------------------------------------- plans

#[derive(Debug, Serialize)]
pub struct StartPlanInput {
    pub person: Uuid,
    pub start_date: NaiveDate,
    pub planned_end_date: Option<NaiveDate>,
    pub key_worker: Option<Uuid>,
    pub personal_adviser: Option<Uuid>,
    pub check_in_interval_days: Option<i32>,
    pub activate: bool,
}

async fn check_worker(
    db: &DatabaseTransaction,
    field: &str,
    person: Option<Uuid>,
    role: Role,
    la: Uuid,
) -> AppResult<()> {
    if let Some(person) = person
        && !directory::holds_role_in(db, person, role, la).await?
    {
        return Err(AppError::bad_input(
            field,
            format!(
                "is not a {} working with this young person's authority",
                role.as_str().replace('_', " ")
            ),
        ));
    }
    Ok(())
}

/// Starts a young person's plan (draft or active).
pub async fn start_plan(call: &Call<'_>, input: StartPlanInput) -> AppResult<Done> {
    let tx = start_change!(call, "startStayingClosePlan", &input);
    let leaver = store::care_leaver(&tx.txn, input.person).await?;
    let target = leaver.as_ref().map_or_else(Target::default, |l| {
        Target::person(l.person_id, Some(l.local_authority_id))
    });
    if !policy::allows(call.viewer, Action::ReadYoungPerson, &target) {
        return Err(AppError::NotFound {
            entity: "YoungPerson",
        });
    }
    policy::authorize(call.viewer, Action::ManageCareLeavers, &target)?;
    let leaver = leaver.ok_or_else(|| {
        AppError::bad_input(
            "youngPersonId",
            "has no care-leaver profile yet: set it up first",
        )
    })?;
    let la = leaver.local_authority_id;
    let born = leaver.date_of_birth.ok_or_else(|| {
        AppError::bad_input("youngPersonId", "needs a date of birth on their profile")
    })?;
    let settings = store::settings(&tx.txn, la).await?;
    let end = model::plan_dates(born, input.start_date, input.planned_end_date, settings)?;
    let interval = input
        .check_in_interval_days
        .map(model::check_in_interval)
        .transpose()?
        .unwrap_or(settings.check_in_interval_days);
    check_worker(
        &tx.txn,
        "keyWorkerId",
        input.key_worker,
        Role::KeyWorker,
        la,
    )
    .await?;
    // A personal adviser who starts a plan without naming one is on it.
    let personal_adviser = match input.personal_adviser {
        Some(named) => Some(named),
        None if directory::holds_role_in(
            &tx.txn,
            tx.actor.person_id,
            Role::PersonalAdviser,
            la,
        )
        .await? =>
        {
            Some(tx.actor.person_id)
        }
        None => None,
    };
    check_worker(
        &tx.txn,
        "personalAdviserId",
        personal_adviser,
        Role::PersonalAdviser,
        la,
    )
    .await?;
    let id = Uuid::now_v7();
    let check_in_due = model::next_check_in_due(input.start_date, interval);
    let review_due =
        model::next_review_due(input.start_date, settings.review_interval_months, None);
    let plan = NewPlan {
        id,
        person_id: leaver.person_id,
        local_authority_id: la,
        status: if input.activate {
            PlanStatus::Active
        } else {
            PlanStatus::Draft
        },
        start_date: input.start_date,
        planned_end_date: end,
        key_worker_id: input.key_worker,
        personal_adviser_id: personal_adviser,
        check_in_interval_days: i32::try_from(interval).unwrap_or(56),
        next_check_in_due: check_in_due,
        next_review_due: review_due,
    };
    if !store::insert_plan(&tx.txn, &plan).await? {
        return Err(AppError::conflict(
            "This young person already has a plan that has not ended.",
        ));
    }
    let now = Utc::now();
    for (kind, due) in [
        (Meeting::CheckIn, check_in_due),
        (Meeting::Review, review_due),
    ] {
        store::save_meeting(&tx.txn, kind, &planned(id, due, now)).await?;
    }
    tx.snapshot(id, 1, "plan.create", serde_json::json!([]))
        .await?;
    let row = tx.refreshed(id).await?;
    schedule_reminders(&tx.txn, &row, &[]).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanCreate,
            record: ("StayingClosePlan", id),
            fields: &[
                "status",
                "startDate",
                "plannedEndDate",
                "keyWorker",
                "personalAdviser",
            ],
            target: &row.target(),
        },
        Done {
            plan_id: Some(id),
            record_id: None,
            version: Some(1),
        },
    )
    .await
}

fn planned(plan: Uuid, due: NaiveDate, now: chrono::DateTime<Utc>) -> MeetingRow {
    MeetingRow {
        id: Uuid::now_v7(),
        plan_id: plan,
        due_on: due,
        held_on: None,
        held_by_person_id: None,
        note: None,
        status: MeetingStatus::Planned,
        mode: None,
        requested_by_young_person: false,
        reason: None,
        created_at: now,
        updated_at: now,
    }
}

#[derive(Debug, Serialize)]
pub struct UpdatePlanInput {
    pub plan: Uuid,
    pub expected_version: i32,
    pub planned_end_date: Option<NaiveDate>,
    pub key_worker: Option<Option<Uuid>>,
    pub personal_adviser: Option<Option<Uuid>>,
    pub check_in_interval_days: Option<i32>,
    pub activate: bool,
}

/// Changes a plan's dates, workers, check-in interval or makes it active.
pub async fn update_plan(call: &Call<'_>, input: UpdatePlanInput) -> AppResult<Done> {
    let tx = start_change!(call, "updateStayingClosePlan", &input);
    let plan = tx
        .open_plan(input.plan, &[Action::EditPlan, Action::ManageCareLeavers])
        .await?;
    if plan.version != input.expected_version {
        return Err(store::stale(plan.version));
    }
    let la = plan.local_authority_id;
    let mut changes = Vec::new();
    let mut fields = PlanFields::default();
    if let Some(end) = input.planned_end_date {
        let leaver = store::care_leaver(&tx.txn, plan.person_id).await?;
        let born = leaver.and_then(|l| l.date_of_birth).ok_or_else(|| {
            AppError::bad_input("planId", "the young person has no date of birth")
        })?;
        let settings = store::settings(&tx.txn, la).await?;
        model::plan_dates(born, plan.start_date, Some(end), settings)?;
        if end != plan.planned_end_date {
            changes.push(change("plannedEndDate", plan.planned_end_date, end));
            fields.planned_end_date = Some(end);
        }
    }
    if let Some(kw) = input.key_worker {
        check_worker(&tx.txn, "keyWorkerId", kw, Role::KeyWorker, la).await?;
        if kw != plan.key_worker_id {
            changes.push(change("keyWorker", plan.key_worker_id, kw));
            fields.key_worker_id = Some(kw);
        }
    }
    if let Some(pa) = input.personal_adviser {
        check_worker(&tx.txn, "personalAdviserId", pa, Role::PersonalAdviser, la).await?;
        if pa != plan.personal_adviser_id {
            changes.push(change("personalAdviser", plan.personal_adviser_id, pa));
            fields.personal_adviser_id = Some(pa);
        }
    }
    if let Some(days) = input.check_in_interval_days {
        let days = i32::try_from(model::check_in_interval(days)?).unwrap_or(56);
        if days != plan.check_in_interval_days {
            changes.push(change(
                "checkInIntervalDays",
                plan.check_in_interval_days,
                days,
            ));
            fields.check_in_interval_days = Some(days);
            let last = last_held(&tx.txn, Meeting::CheckIn, &plan).await?;
            let due = model::next_check_in_due(last, u32::try_from(days).unwrap_or(56));
            move_planned(&tx.txn, Meeting::CheckIn, plan.id, due).await?;
            fields.next_check_in_due = Some(due);
        }
    }
    if input.activate && plan.status == PlanStatus::Draft {
        changes.push(change("status", plan.status, PlanStatus::Active));
        fields.status = Some(PlanStatus::Active);
    }
    if changes.is_empty() {
        return Err(AppError::bad_input(
            "input",
            "changes nothing: name at least one field with a new value",
        ));
    }
    let changed: Vec<String> = changes
        .iter()
        .filter_map(|c| c["field"].as_str().map(str::to_string))
        .collect();
    store::update_plan(&tx.txn, plan.id, fields).await?;
    let version = tx
        .version(
            plan.id,
            Some(input.expected_version),
            "plan.update",
            serde_json::Value::Array(changes),
        )
        .await?;
    let row = tx.refreshed(plan.id).await?;
    let previous: Vec<Uuid> = [plan.key_worker_id, plan.personal_adviser_id]
        .into_iter()
        .flatten()
        .collect();
    schedule_reminders(&tx.txn, &row, &previous).await?;
    let fields: Vec<&str> = changed.iter().map(String::as_str).collect();
    tx.commit(
        Audited {
            action: AuditAction::PlanUpdate,
            record: ("StayingClosePlan", plan.id),
            fields: &fields,
            target: &row.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: None,
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct EndPlanInput {
    pub plan: Uuid,
    pub expected_version: i32,
    pub reason: PlanEndReason,
}

/// Ends a plan; its reminders stop.
pub async fn end_plan(call: &Call<'_>, input: EndPlanInput) -> AppResult<Done> {
    let tx = start_change!(call, "endStayingClosePlan", &input);
    let plan = tx
        .open_plan(input.plan, &[Action::EditPlan, Action::ManageCareLeavers])
        .await?;
    store::update_plan(
        &tx.txn,
        plan.id,
        PlanFields {
            status: Some(PlanStatus::Ended),
            end_reason: Some(input.reason),
            ..PlanFields::default()
        },
    )
    .await?;
    let version = tx
        .version(
            plan.id,
            Some(input.expected_version),
            "plan.end",
            serde_json::json!([
                change("status", plan.status, PlanStatus::Ended),
                change("endReason", None::<()>, input.reason)
            ]),
        )
        .await?;
    let row = tx.refreshed(plan.id).await?;
    schedule_reminders(&tx.txn, &row, &[]).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanEnd,
            record: ("StayingClosePlan", plan.id),
            fields: &["status", "endReason"],
            target: &row.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: None,
            version: Some(version),
        },
    )
    .await
}

// --------------------------------------------------------------- goals

#[derive(Debug, Serialize)]
pub struct AddGoalInput {
    pub plan: Uuid,
    pub expected_version: i32,
    pub section: PlanSection,
    pub title: String,
    pub who_helps: Option<String>,
    pub target_date: Option<NaiveDate>,
}

fn check_target_date(plan: &PlanRow, date: Option<NaiveDate>) -> AppResult<()> {
    if let Some(d) = date
        && (d < plan.start_date || d > plan.planned_end_date)
    {
        return Err(AppError::bad_input(
            "targetDate",
            format!(
                "must be within the plan ({} to {})",
                plan.start_date, plan.planned_end_date
            ),
        ));
    }
    Ok(())
}

pub async fn add_goal(call: &Call<'_>, input: AddGoalInput) -> AppResult<Done> {
    let tx = start_change!(call, "addPlanGoal", &input);
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    let title = text::line("title", &input.title, 300)?;
    let helper = text::optional_line("whoHelps", input.who_helps.as_deref(), 200)?;
    check_target_date(&plan, input.target_date)?;
    let now = Utc::now();
    let goal = GoalRow {
        id: Uuid::now_v7(),
        plan_id: plan.id,
        section: input.section,
        title,
        helper,
        target_date: input.target_date,
        status: GoalStatus::NotStarted,
        removed_at: None,
        created_at: now,
        updated_at: now,
    };
    store::save_goal(&tx.txn, &goal).await?;
    let version = tx
        .version(
            plan.id,
            Some(input.expected_version),
            "goal.add",
            serde_json::json!([{ "added": "goal", "id": goal.id, "section": goal.section, "title": goal.title }]),
        )
        .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanGoalAdd,
            record: ("PlanGoal", goal.id),
            fields: &["section", "title", "whoHelps", "targetDate"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(goal.id),
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct UpdateGoalInput {
    pub goal: Uuid,
    pub expected_version: i32,
    pub section: Option<PlanSection>,
    pub title: Option<String>,
    pub who_helps: Option<Option<String>>,
    pub target_date: Option<Option<NaiveDate>>,
    pub status: Option<GoalStatus>,
    pub remove: bool,
}

pub async fn update_goal(call: &Call<'_>, input: UpdateGoalInput) -> AppResult<Done> {
    let tx = start_change!(call, "updatePlanGoal", &input);
    let (goal, plan) = tx.goal(input.goal, &[Action::EditPlan]).await?;
    let mut next = goal.clone();
    let mut changes = Vec::new();
    let mut fields = Vec::new();
    if let Some(section) = input.section.filter(|s| *s != goal.section) {
        changes.push(change("section", goal.section, section));
        fields.push("section");
        next.section = section;
    }
    if let Some(title) = &input.title {
        let title = text::line("title", title, 300)?;
        if title != goal.title {
            changes.push(change("title", &goal.title, &title));
            fields.push("title");
            next.title = title;
        }
    }
    if let Some(helper) = &input.who_helps {
        let helper = text::optional_line("whoHelps", helper.as_deref(), 200)?;
        if helper != goal.helper {
            changes.push(change("whoHelps", &goal.helper, &helper));
            fields.push("whoHelps");
            next.helper = helper;
        }
    }
    if let Some(date) = input.target_date {
        check_target_date(&plan, date)?;
        if date != goal.target_date {
            changes.push(change("targetDate", goal.target_date, date));
            fields.push("targetDate");
            next.target_date = date;
        }
    }
    if let Some(status) = input.status.filter(|s| *s != goal.status) {
        changes.push(change("status", goal.status, status));
        fields.push("status");
        next.status = status;
    }
    let now = Utc::now();
    if input.remove {
        changes.push(serde_json::json!({ "removed": "goal", "id": goal.id, "title": goal.title }));
        fields.push("removed");
        next.removed_at = Some(now);
    }
    if changes.is_empty() {
        return Err(AppError::bad_input(
            "input",
            "changes nothing: name at least one field with a new value",
        ));
    }
    next.updated_at = now;
    store::save_goal(&tx.txn, &next).await?;
    let version = tx
        .version(
            plan.id,
            Some(input.expected_version),
            if input.remove {
                "goal.remove"
            } else {
                "goal.update"
            },
            serde_json::Value::Array(changes),
        )
        .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanGoalUpdate,
            record: ("PlanGoal", goal.id),
            fields: &fields,
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(goal.id),
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct ProgressInput {
    pub goal: Uuid,
    pub note: String,
    pub expected_version: Option<i32>,
}

/// A progress update on a goal, by the young person or a worker on the plan.
pub async fn add_progress(call: &Call<'_>, input: ProgressInput) -> AppResult<Done> {
    let tx = start_change!(call, "addGoalProgress", &input);
    let (goal, plan) = tx
        .goal(input.goal, &[Action::EditPlan, Action::ContributeToOwnPlan])
        .await?;
    let note = text::prose("note", &input.note, 2000)?;
    let id = store::insert_progress(&tx.txn, &goal, tx.actor.person_id, &note).await?;
    let version = tx
        .version(
            plan.id,
            input.expected_version,
            "goal.progress",
            serde_json::json!([{ "added": "progress", "goalId": goal.id, "id": id }]),
        )
        .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanGoalProgress,
            record: ("GoalProgress", id),
            fields: &["note"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(id),
            version: Some(version),
        },
    )
    .await
}

// ------------------------------------------------- check-ins and reviews

async fn last_held(
    db: &DatabaseTransaction,
    kind: Meeting,
    plan: &PlanRow,
) -> AppResult<NaiveDate> {
    Ok(store::meetings(db, kind, plan.id)
        .await?
        .iter()
        .filter_map(|m| m.held_on)
        .max()
        .unwrap_or(plan.start_date))
}

/// Moves the planned meeting to `due` (creating one if none is planned).
async fn move_planned(
    db: &DatabaseTransaction,
    kind: Meeting,
    plan: Uuid,
    due: NaiveDate,
) -> AppResult<MeetingRow> {
    let now = Utc::now();
    let row = match store::planned_meeting(db, kind, plan).await? {
        Some(mut m) => {
            m.due_on = due;
            m.updated_at = now;
            m
        }
        None => planned(plan, due, now),
    };
    store::save_meeting(db, kind, &row).await?;
    Ok(row)
}

#[derive(Debug, Serialize)]
pub struct ScheduleInput {
    pub plan: Uuid,
    pub due_on: NaiveDate,
    pub expected_version: Option<i32>,
}

/// Sets the date of the next check-in.
pub async fn schedule_check_in(call: &Call<'_>, input: ScheduleInput) -> AppResult<Done> {
    let tx = start_change!(call, "scheduleCheckIn", &input);
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    if input.due_on < plan.start_date || input.due_on > plan.planned_end_date {
        return Err(AppError::bad_input(
            "dueOn",
            "must be within the plan's dates",
        ));
    }
    let latest = model::next_check_in_due(
        last_held(&tx.txn, Meeting::CheckIn, &plan).await?,
        u32::try_from(plan.check_in_interval_days).unwrap_or(56),
    );
    if input.due_on > latest {
        return Err(AppError::bad_input(
            "dueOn",
            format!(
                "must be on or before {latest}: check-ins are at most {} days apart",
                plan.check_in_interval_days
            ),
        ));
    }
    let meeting = move_planned(&tx.txn, Meeting::CheckIn, plan.id, input.due_on).await?;
    store::update_plan(
        &tx.txn,
        plan.id,
        PlanFields {
            next_check_in_due: Some(input.due_on),
            ..PlanFields::default()
        },
    )
    .await?;
    let version = tx
        .version(
            plan.id,
            input.expected_version,
            "check_in.schedule",
            serde_json::json!([change(
                "nextCheckInDue",
                plan.next_check_in_due,
                input.due_on
            )]),
        )
        .await?;
    let row = tx.refreshed(plan.id).await?;
    schedule_reminders(&tx.txn, &row, &[]).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanCheckInSchedule,
            record: ("CheckIn", meeting.id),
            fields: &["dueOn"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(meeting.id),
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct LogMeetingInput {
    pub plan: Uuid,
    pub held_on: NaiveDate,
    pub mode: Option<CheckInMode>,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

/// Logs a check-in or review that took place; the next one is planned
/// from it (8 weeks or the plan's interval; 6 months for reviews).
pub async fn log_meeting(
    call: &Call<'_>,
    kind: Meeting,
    input: LogMeetingInput,
) -> AppResult<Done> {
    let tx = match kind {
        Meeting::CheckIn => start_change!(call, "logCheckIn", &input),
        Meeting::Review => start_change!(call, "logReview", &input),
    };
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    model::not_future("heldOn", input.held_on, today())?;
    if input.held_on < plan.start_date {
        return Err(AppError::bad_input("heldOn", "is before the plan started"));
    }
    if kind == Meeting::CheckIn && input.mode.is_none() {
        return Err(AppError::bad_input("mode", "say how the check-in happened"));
    }
    let note = text::optional_prose("note", input.note.as_deref(), 4000)?;
    let now = Utc::now();
    let mut held = store::planned_meeting(&tx.txn, kind, plan.id)
        .await?
        .unwrap_or_else(|| planned(plan.id, input.held_on, now));
    held.held_on = Some(input.held_on);
    held.held_by_person_id = Some(tx.actor.person_id);
    held.note = note;
    held.mode = input.mode;
    held.status = MeetingStatus::Held;
    held.updated_at = now;
    store::save_meeting(&tx.txn, kind, &held).await?;
    let last = last_held(&tx.txn, kind, &plan).await?;
    let settings = store::settings(&tx.txn, plan.local_authority_id).await?;
    let (next_due, field, summary, audit_action, record) = match kind {
        Meeting::CheckIn => (
            model::next_check_in_due(
                last,
                u32::try_from(plan.check_in_interval_days).unwrap_or(56),
            ),
            "nextCheckInDue",
            "check_in.log",
            AuditAction::PlanCheckInLog,
            "CheckIn",
        ),
        Meeting::Review => (
            model::next_review_due(last, settings.review_interval_months, None),
            "nextReviewDue",
            "review.log",
            AuditAction::PlanReviewLog,
            "Review",
        ),
    };
    let next = planned(plan.id, next_due, now);
    store::save_meeting(&tx.txn, kind, &next).await?;
    let fields = match kind {
        Meeting::CheckIn => PlanFields {
            next_check_in_due: Some(next_due),
            ..PlanFields::default()
        },
        Meeting::Review => PlanFields {
            next_review_due: Some(next_due),
            ..PlanFields::default()
        },
    };
    store::update_plan(&tx.txn, plan.id, fields).await?;
    let previous_due = match kind {
        Meeting::CheckIn => plan.next_check_in_due,
        Meeting::Review => plan.next_review_due,
    };
    let version = tx
        .version(
            plan.id,
            input.expected_version,
            summary,
            serde_json::json!([
                { "added": record, "id": held.id, "heldOn": input.held_on },
                change(field, previous_due, next_due)
            ]),
        )
        .await?;
    let row = tx.refreshed(plan.id).await?;
    schedule_reminders(&tx.txn, &row, &[]).await?;
    tx.commit(
        Audited {
            action: audit_action,
            record: (record, held.id),
            fields: &["heldOn", "mode", "note"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(held.id),
            version: Some(version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct RequestReviewInput {
    pub plan: Uuid,
    pub reason: String,
}

/// The young person asks for a review: it falls due within four weeks
/// (or sooner if one was already due) and the workers are told.
pub async fn request_review(call: &Call<'_>, input: RequestReviewInput) -> AppResult<Done> {
    let tx = start_change!(call, "requestPlanReview", &input);
    let plan = tx
        .open_plan(input.plan, &[Action::ContributeToOwnPlan])
        .await?;
    let reason = text::prose("reason", &input.reason, 2000)?;
    let now = Utc::now();
    let asked_by = today()
        .checked_add_days(chrono::Days::new(REQUESTED_REVIEW_WITHIN_DAYS))
        .unwrap_or_else(today);
    let mut review = store::planned_meeting(&tx.txn, Meeting::Review, plan.id)
        .await?
        .unwrap_or_else(|| planned(plan.id, asked_by, now));
    review.due_on = review.due_on.min(asked_by);
    review.requested_by_young_person = true;
    review.reason = Some(reason);
    review.updated_at = now;
    store::save_meeting(&tx.txn, Meeting::Review, &review).await?;
    store::update_plan(
        &tx.txn,
        plan.id,
        PlanFields {
            next_review_due: Some(review.due_on),
            ..PlanFields::default()
        },
    )
    .await?;
    let version = tx
        .version(
            plan.id,
            None,
            "review.request",
            serde_json::json!([change("nextReviewDue", plan.next_review_due, review.due_on)]),
        )
        .await?;
    let row = tx.refreshed(plan.id).await?;
    schedule_reminders(&tx.txn, &row, &[]).await?;
    for worker in [row.key_worker_id, row.personal_adviser_id]
        .into_iter()
        .flatten()
    {
        notifications::notify(
            &tx.txn,
            NewNotification {
                person_id: worker,
                kind: Kind::ReviewDue,
                title: "A young person asked for a plan review",
                body: &format!(
                    "A young person on your caseload asked for a review of their Staying Close plan. \
                     It is now due by {}.",
                    long_date(review.due_on)
                ),
                subject: Some(("StayingClosePlan", plan.id)),
                collapse_key: None,
            },
        )
        .await?;
    }
    tx.commit(
        Audited {
            action: AuditAction::PlanReviewRequest,
            record: ("Review", review.id),
            fields: &["reason"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(review.id),
            version: Some(version),
        },
    )
    .await
}

// ---------------------------------------------- the young person's view

#[derive(Debug, Serialize)]
pub struct CommentInput {
    pub plan: Uuid,
    pub body: String,
}

/// A comment on the plan as it is now (by the young person or a worker).
/// Comments are about a version and do not change the plan.
pub async fn comment(call: &Call<'_>, input: CommentInput) -> AppResult<Done> {
    let tx = start_change!(call, "commentOnPlan", &input);
    let plan = tx
        .plan(input.plan, &[Action::ContributeToOwnPlan, Action::EditPlan])
        .await?;
    let body = text::prose("body", &input.body, 4000)?;
    let id = store::insert_comment(&tx.txn, &plan, tx.actor.person_id, &body).await?;
    store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanComment,
            record: ("PlanComment", id),
            fields: &["body"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(id),
            version: Some(plan.version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct ShareInput {
    pub plan: Uuid,
    pub expected_version: i32,
}

/// Shares the current version with the young person to agree or disagree.
pub async fn share(call: &Call<'_>, input: ShareInput) -> AppResult<Done> {
    let tx = start_change!(call, "sharePlanForAgreement", &input);
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    if plan.version != input.expected_version {
        return Err(store::stale(plan.version));
    }
    store::touch_shared(&tx.txn, plan.id, plan.version).await?;
    notifications::notify(
        &tx.txn,
        NewNotification {
            person_id: plan.person_id,
            kind: Kind::PlanShared,
            title: "Your plan is ready for you to look at",
            body: "Your Staying Close plan has been updated. Have a look and say whether you agree. \
                   You can add your own words.",
            subject: Some(("StayingClosePlan", plan.id)),
            collapse_key: Some(&format!("plan-shared:{}", plan.id)),
        },
    )
    .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanShare,
            record: ("StayingClosePlan", plan.id),
            fields: &["sharedVersion"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: None,
            version: Some(plan.version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct RespondInput {
    pub plan: Uuid,
    pub version: i32,
    pub agrees: bool,
    pub words: String,
}

/// The young person agrees or disagrees with the version shared with
/// them, in their own words. Answering again replaces their answer.
pub async fn respond(call: &Call<'_>, input: RespondInput) -> AppResult<Done> {
    let tx = start_change!(call, "respondToPlan", &input);
    let plan = tx.plan(input.plan, &[Action::ContributeToOwnPlan]).await?;
    let Some(shared) = plan.shared_version else {
        return Err(AppError::conflict(
            "This plan has not been shared with you to agree yet.",
        ));
    };
    if input.version != shared {
        return Err(AppError::Conflict {
            message: format!(
                "Version {} is not the one shared with you: version {shared} is. Look at it and answer again.",
                input.version
            ),
            details: Some(serde_json::json!({ "currentVersion": shared })),
        });
    }
    let words = text::prose("words", &input.words, 4000)?;
    let id = store::save_response(&tx.txn, &plan, shared, input.agrees, &words).await?;
    store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanRespond,
            record: ("PlanResponse", id),
            fields: &["agrees", "words"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(id),
            version: Some(shared),
        },
    )
    .await
}

// --------------------------------------------------- SSDA903 records

#[derive(Debug, Serialize)]
pub enum RecordInput {
    Accommodation {
        kind: AccommodationType,
        moved_in_on: NaiveDate,
        assessment: Vec<FactorJudgement>,
    },
    InTouch {
        status: InTouch,
        contact_on: NaiveDate,
    },
    Activity {
        code: Activity,
        since: NaiveDate,
    },
}

/// Records accommodation (with its suitability assessment), contact or
/// activity for a young person, by a worker on their plan.
pub async fn record(call: &Call<'_>, person: Uuid, input: RecordInput) -> AppResult<Done> {
    let tx = start_change!(call, "recordCareLeaverRecord", &(person, &input));
    let plan = store::current_plan(&tx.txn, person)
        .await?
        .ok_or(AppError::NotFound {
            entity: "StayingClosePlan",
        })?;
    let plan = tx
        .plan(plan.id, &[Action::EditPlan, Action::ManageCareLeavers])
        .await?;
    let now = Utc::now();
    let (on, value, action, record_type, fields): (_, _, _, _, &[&str]) = match input {
        RecordInput::Accommodation {
            kind,
            moved_in_on,
            assessment,
        } => {
            let (suitable, factors) = model::assess(kind, assessment)?;
            let assessment = serde_json::to_string(&factors).map_err(AppError::internal)?;
            (
                ("movedInOn", moved_in_on),
                RecordValue::Accommodation {
                    kind,
                    suitable,
                    assessment,
                    ended_on: None,
                },
                AuditAction::CareLeaverAccommodationRecord,
                "AccommodationRecord",
                &["type", "movedInOn", "assessment"],
            )
        }
        RecordInput::InTouch { status, contact_on } => (
            ("contactOn", contact_on),
            RecordValue::InTouch(status),
            AuditAction::CareLeaverInTouchRecord,
            "InTouchRecord",
            &["status", "contactOn"],
        ),
        RecordInput::Activity { code, since } => (
            ("since", since),
            RecordValue::Activity(code),
            AuditAction::CareLeaverActivityRecord,
            "ActivityRecord",
            &["code", "since"],
        ),
    };
    model::not_future(on.0, on.1, today())?;
    let leaver = store::care_leaver(&tx.txn, person)
        .await?
        .ok_or(AppError::NotFound {
            entity: "YoungPerson",
        })?;
    if let Some(born) = leaver.date_of_birth
        && on.1 < model::birthday(born, 14)
    {
        return Err(AppError::bad_input(
            on.0,
            "is before the young person's 14th birthday",
        ));
    }
    if matches!(value, RecordValue::Accommodation { .. }) {
        store::end_accommodation(&tx.txn, person, on.1).await?;
    }
    let row = RecordRow {
        id: Uuid::now_v7(),
        person_id: person,
        local_authority_id: leaver.local_authority_id,
        recorded_on: on.1,
        recorded_by_person_id: Some(tx.actor.person_id),
        value,
        created_at: now,
        updated_at: now,
    };
    store::insert_record(&tx.txn, &row).await?;
    store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action,
            record: (record_type, row.id),
            fields,
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(row.id),
            version: None,
        },
    )
    .await
}

// ------------------------------------------------------------- claims

#[derive(Debug, Serialize)]
pub struct ClaimInput {
    pub kind: ClaimKind,
    pub amount_pence: i64,
    pub purpose: String,
    pub apprenticeship_start: Option<NaiveDate>,
}

/// The young person claims setting-up-home allowance or a bursary
/// instalment, within what is left of their entitlement.
pub async fn request_claim(call: &Call<'_>, input: ClaimInput) -> AppResult<Done> {
    let tx = start_change!(call, "requestClaim", &input);
    let me = tx.actor.person_id;
    let plan = store::current_plan(&tx.txn, me)
        .await?
        .ok_or(AppError::NotFound {
            entity: "StayingClosePlan",
        })?;
    let plan = tx.plan(plan.id, &[Action::ContributeToOwnPlan]).await?;
    let purpose = text::line("purpose", &input.purpose, 300)?;
    let today = today();
    let basis = match input.kind {
        ClaimKind::SettingUpHome => {
            if input.apprenticeship_start.is_some() {
                return Err(AppError::bad_input(
                    "apprenticeshipStartDate",
                    "is only for apprenticeship bursary claims",
                ));
            }
            today
        }
        ClaimKind::ApprenticeshipBursary => input.apprenticeship_start.ok_or_else(|| {
            AppError::bad_input(
                "apprenticeshipStartDate",
                "say when the apprenticeship started (or starts)",
            )
        })?,
    };
    store::lock_person_claims(&tx.txn, me).await?;
    // Entitlement follows the first claim of the kind: the allowance in
    // force when the young person first claimed, or the bursary in force
    // when their apprenticeship started.
    let claimed = store::claimed(&tx.txn, me, input.kind).await?;
    let basis = claimed.first_basis.map_or(basis, |first| first.min(basis));
    let caps = store::caps(&tx.txn).await?;
    let cap = caps
        .get(&input.kind)
        .and_then(|caps| model::cap_on(caps, basis))
        .ok_or_else(|| {
            AppError::bad_input("apprenticeshipStartDate", "is before any bursary existed")
        })?;
    model::check_entitlement(input.kind, cap, claimed.pence, input.amount_pence)?;
    let now = Utc::now();
    let claim = ClaimRow {
        id: Uuid::now_v7(),
        person_id: me,
        local_authority_id: plan.local_authority_id,
        kind: input.kind,
        amount_pence: input.amount_pence,
        purpose,
        basis_date: basis,
        status: ClaimStatus::Requested,
        decided_by_person_id: None,
        decided_at: None,
        decision_note: None,
        paid_at: None,
        created_at: now,
        updated_at: now,
    };
    store::save_claim(&tx.txn, &claim).await?;
    store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action: AuditAction::ClaimRequest,
            record: ("Claim", claim.id),
            fields: &["kind", "amountPence", "purpose"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(claim.id),
            version: None,
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub struct DecideInput {
    pub claim: Uuid,
    pub status: ClaimStatus,
    pub note: Option<String>,
}

/// The viewer's own current plan (their open plan, else their latest),
/// if they may read it: own plans are readable only with the young person
/// role.
pub async fn own_plan(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Option<PlanRow>> {
    let me = viewer.account_viewer()?.person_id;
    let Some(plan) = store::current_plan(db, me).await? else {
        return Ok(None);
    };
    Ok(policy::allows(viewer, Action::ReadPlan, &plan.target()).then_some(plan))
}

/// Rows committed in this window before `since` are sent again: a change
/// can commit after a sync that started later than it.
const SYNC_OVERLAP: chrono::Duration = chrono::Duration::seconds(10);

/// What changed in the viewer's own plan since a moment.
pub struct Changes {
    pub plan: PlanRow,
    /// Goals added, changed or removed (`removed_at` set).
    pub goals: Vec<GoalRow>,
    pub progress: Vec<store::ProgressRow>,
    pub check_ins: Vec<MeetingRow>,
    pub reviews: Vec<MeetingRow>,
    pub claims: Vec<ClaimRow>,
}

/// Delta sync for an app working offline: what changed in the viewer's
/// own plan since `since` (rows from a short window before it may come
/// again), or nothing when they have no plan or it has not changed.
pub async fn plan_changes(
    db: &DatabaseConnection,
    viewer: &Viewer,
    since: chrono::DateTime<Utc>,
) -> AppResult<Option<Changes>> {
    let Some(plan) = own_plan(db, viewer).await? else {
        return Ok(None);
    };
    let after = since - SYNC_OVERLAP;
    if plan.updated_at <= after {
        return Ok(None);
    }
    fn newer<T>(
        rows: Vec<T>,
        after: chrono::DateTime<Utc>,
        at: fn(&T) -> chrono::DateTime<Utc>,
    ) -> Vec<T> {
        rows.into_iter().filter(|r| at(r) > after).collect()
    }
    Ok(Some(Changes {
        goals: newer(store::goals(db, plan.id, true).await?, after, |g| {
            g.updated_at
        }),
        progress: newer(store::progress(db, plan.id).await?, after, |p| p.updated_at),
        check_ins: newer(
            store::meetings(db, Meeting::CheckIn, plan.id).await?,
            after,
            |m| m.updated_at,
        ),
        reviews: newer(
            store::meetings(db, Meeting::Review, plan.id).await?,
            after,
            |m| m.updated_at,
        ),
        claims: newer(store::claims(db, plan.person_id).await?, after, |c| {
            c.updated_at
        }),
        plan,
    }))
}

/// The viewer's own plan as the app's home screen reads it.
pub enum OwnPlan {
    /// With its home-screen lists, read in one statement.
    Home(Box<store::Home>),
    /// Its lists are read field by field.
    Plan(Box<PlanRow>),
}

/// The viewer's own plan for the home screen: in one statement where the
/// database can build it (PostgreSQL), else the plan alone.
pub async fn own_home(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Option<OwnPlan>> {
    let me = viewer.account_viewer()?.person_id;
    let own = policy::scope(viewer, Action::ReadPlan).own_person == Some(me);
    if own && store::reads_home_in_one_statement(db) {
        return Ok(store::home(db, me)
            .await?
            .map(|h| OwnPlan::Home(Box::new(h))));
    }
    Ok(own_plan(db, viewer)
        .await?
        .map(|p| OwnPlan::Plan(Box::new(p))))
}

/// What a viewer may do with a claim.
pub enum ClaimAccess {
    /// Decide it (a manager of the young person's authority).
    Decide,
    /// See it: whoever may read the young person's plan.
    Read,
    None,
}

/// What the viewer may do with this claim.
pub async fn claim_access(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    claim: &ClaimRow,
) -> AppResult<ClaimAccess> {
    let target = Target::person(claim.person_id, Some(claim.local_authority_id));
    if policy::allows(viewer, Action::DecideClaims, &target) {
        return Ok(ClaimAccess::Decide);
    }
    let readable = match store::current_plan(db, claim.person_id).await? {
        Some(plan) => policy::allows(viewer, Action::ReadPlan, &plan.target()),
        None => false,
    };
    Ok(if readable {
        ClaimAccess::Read
    } else {
        ClaimAccess::None
    })
}

/// A claim, if the viewer may see it (a mutation's payload: a replayed
/// request may come from a viewer who has since lost access).
pub async fn readable_claim(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<ClaimRow>> {
    let Some(claim) = store::claim(db, id).await? else {
        return Ok(None);
    };
    Ok(match claim_access(db, viewer, &claim).await? {
        ClaimAccess::Decide | ClaimAccess::Read => Some(claim),
        ClaimAccess::None => None,
    })
}

/// A manager approves or rejects a claim, or marks an approved one paid.
/// The young person is told.
pub async fn decide_claim(call: &Call<'_>, input: DecideInput) -> AppResult<Done> {
    let tx = start_change!(call, "decideClaim", &input);
    let not_found = || AppError::NotFound { entity: "Claim" };
    let found = store::claim(&tx.txn, input.claim)
        .await?
        .ok_or_else(not_found)?;
    match claim_access(&tx.txn, call.viewer, &found).await? {
        ClaimAccess::Decide => {}
        ClaimAccess::Read => return Err(AppError::Forbidden),
        ClaimAccess::None => return Err(not_found()),
    }
    // Decisions and new claims for one young person are serialised, so two
    // managers deciding at once see each other's decision.
    store::lock_person_claims(&tx.txn, found.person_id).await?;
    let mut claim = store::claim(&tx.txn, input.claim)
        .await?
        .ok_or_else(not_found)?;
    if !claim.status.can_become(input.status) {
        return Err(AppError::conflict(format!(
            "A {} claim cannot become {}.",
            claim.status.as_str(),
            input.status.as_str()
        )));
    }
    let note = text::optional_prose("note", input.note.as_deref(), 2000)?;
    if input.status == ClaimStatus::Rejected && note.is_none() {
        return Err(AppError::bad_input(
            "note",
            "say why the claim is rejected: the young person will read it",
        ));
    }
    let now = Utc::now();
    match input.status {
        ClaimStatus::Paid => claim.paid_at = Some(now),
        _ => {
            claim.decided_at = Some(now);
            claim.decided_by_person_id = Some(tx.actor.person_id);
            claim.decision_note = note;
        }
    }
    claim.status = input.status;
    claim.updated_at = now;
    store::save_claim(&tx.txn, &claim).await?;
    let what = match claim.kind {
        ClaimKind::SettingUpHome => "setting-up-home allowance",
        ClaimKind::ApprenticeshipBursary => "apprenticeship bursary",
    };
    let (title, body) = match claim.status {
        ClaimStatus::Approved => (
            "Your claim was approved",
            format!(
                "Your {what} claim for {} was approved. We will tell you when it is paid.",
                model::pounds(claim.amount_pence)
            ),
        ),
        ClaimStatus::Rejected => (
            "Your claim was not approved",
            format!(
                "Your {what} claim for {} was not approved. Your personal adviser can talk it through with you.",
                model::pounds(claim.amount_pence)
            ),
        ),
        _ => (
            "Your claim has been paid",
            format!(
                "Your {what} claim for {} has been paid.",
                model::pounds(claim.amount_pence)
            ),
        ),
    };
    notifications::notify(
        &tx.txn,
        NewNotification {
            person_id: claim.person_id,
            kind: Kind::ClaimDecided,
            title,
            body: &body,
            subject: Some(("Claim", claim.id)),
            collapse_key: Some(&format!("claim:{}", claim.id)),
        },
    )
    .await?;
    if let Some(plan) = store::current_plan(&tx.txn, claim.person_id).await? {
        store::touch(&tx.txn, plan.id).await?;
    }
    tx.commit(
        Audited {
            action: match claim.status {
                ClaimStatus::Paid => AuditAction::ClaimPay,
                _ => AuditAction::ClaimDecide,
            },
            record: ("Claim", claim.id),
            fields: &["status", "decisionNote"],
            target: &Target::person(claim.person_id, Some(claim.local_authority_id)),
        },
        Done {
            plan_id: None,
            record_id: Some(claim.id),
            version: None,
        },
    )
    .await
}
