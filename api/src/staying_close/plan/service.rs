//! Starting, changing and ending plans, and the young person's own plan
//! (home screen and delta sync). Every change is authorised against the
//! plan inside the transaction, validated, audited, versioned and
//! committed with its reminders, or not at all; changes that take a
//! `clientMutationId` replay their first result when repeated.

use chrono::{NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::PlanChange,
    model::{self, PlanEndReason, PlanStatus},
    store::{self, NewPlan, PlanFields, PlanRow},
};
use crate::audit::AuditAction;
use crate::staying_close::{
    claims::{self, store::ClaimRow},
    goals::{self, store::GoalRow},
    meetings::{
        self,
        service::{last_held, move_planned, planned, schedule_reminders},
        store::{Meeting, MeetingRow},
    },
    profile,
    records::{
        self,
        store::{RecordKind, RecordRow},
    },
    words::change,
};
use crate::{
    auth::viewer::Viewer,
    change::{Audited, Call},
    error::{AppError, AppResult},
    identity::{directory, model::Role},
    policy::{self, Action, Target},
    start_change,
};

/// What a change did: enough for the caller to read the result back (a
/// replayed change returns the same ids).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub(in crate::staying_close) struct Done {
    pub plan_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    pub version: Option<i32>,
}

#[derive(Debug, Serialize)]
pub(super) struct StartPlanInput {
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
pub(super) async fn start_plan(call: &Call<'_>, input: StartPlanInput) -> AppResult<Done> {
    let tx = start_change!(call, "startStayingClosePlan", &input);
    let leaver = profile::store::care_leaver(&tx.txn, input.person).await?;
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
    let settings = profile::store::settings(&tx.txn, la).await?;
    let end = model::plan_dates(born, input.start_date, input.planned_end_date, settings)?;
    let interval = input
        .check_in_interval_days
        .map(meetings::model::check_in_interval)
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
    let check_in_due = meetings::model::next_check_in_due(input.start_date, interval);
    let review_due =
        meetings::model::next_review_due(input.start_date, settings.review_interval_months, None);
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
        meetings::store::save_meeting(&tx.txn, kind, &planned(id, due, now)).await?;
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

#[derive(Debug, Serialize)]
pub(super) struct UpdatePlanInput {
    pub plan: Uuid,
    pub expected_version: i32,
    pub planned_end_date: Option<NaiveDate>,
    pub key_worker: Option<Option<Uuid>>,
    pub personal_adviser: Option<Option<Uuid>>,
    pub check_in_interval_days: Option<i32>,
    pub activate: bool,
}

/// Changes a plan's dates, workers, check-in interval or makes it active.
pub(super) async fn update_plan(call: &Call<'_>, input: UpdatePlanInput) -> AppResult<Done> {
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
        let leaver = profile::store::care_leaver(&tx.txn, plan.person_id).await?;
        let born = leaver.and_then(|l| l.date_of_birth).ok_or_else(|| {
            AppError::bad_input("planId", "the young person has no date of birth")
        })?;
        let settings = profile::store::settings(&tx.txn, la).await?;
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
        let days = i32::try_from(meetings::model::check_in_interval(days)?).unwrap_or(56);
        if days != plan.check_in_interval_days {
            changes.push(change(
                "checkInIntervalDays",
                plan.check_in_interval_days,
                days,
            ));
            fields.check_in_interval_days = Some(days);
            let last = last_held(&tx.txn, Meeting::CheckIn, &plan).await?;
            let due = meetings::model::next_check_in_due(last, u32::try_from(days).unwrap_or(56));
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
pub(super) struct EndPlanInput {
    pub plan: Uuid,
    pub expected_version: i32,
    pub reason: PlanEndReason,
}

/// Ends a plan; its reminders stop.
pub(super) async fn end_plan(call: &Call<'_>, input: EndPlanInput) -> AppResult<Done> {
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

/// The viewer's own current plan (their open plan, else their latest),
/// if they may read it: own plans are readable only with the young person
/// role.
async fn own_plan(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Option<PlanRow>> {
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
pub(super) struct Changes {
    pub plan: PlanRow,
    /// Goals added, changed or removed (`removed_at` set).
    pub goals: Vec<GoalRow>,
    pub progress: Vec<goals::store::ProgressRow>,
    pub check_ins: Vec<MeetingRow>,
    pub reviews: Vec<MeetingRow>,
    pub claims: Vec<ClaimRow>,
    /// The young person's SSDA903 records added or changed.
    pub accommodation: Vec<RecordRow>,
    pub in_touch: Vec<RecordRow>,
    pub activities: Vec<RecordRow>,
}

/// Delta sync for an app working offline: what changed in the viewer's
/// own plan since `since` (rows from a short window before it may come
/// again), or nothing when they have no plan or it has not changed.
pub(super) async fn plan_changes(
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
    let person = plan.person_id;
    let changed_records = |kind| records::store::records_changed_since(db, kind, person, after);
    Ok(Some(Changes {
        goals: newer(goals::store::goals(db, plan.id, true).await?, after, |g| {
            g.updated_at
        }),
        progress: newer(goals::store::progress(db, plan.id).await?, after, |p| {
            p.updated_at
        }),
        check_ins: newer(
            meetings::store::meetings(db, Meeting::CheckIn, plan.id).await?,
            after,
            |m| m.updated_at,
        ),
        reviews: newer(
            meetings::store::meetings(db, Meeting::Review, plan.id).await?,
            after,
            |m| m.updated_at,
        ),
        claims: newer(
            claims::store::claims(db, plan.person_id).await?,
            after,
            |c| c.updated_at,
        ),
        accommodation: changed_records(RecordKind::Accommodation).await?,
        in_touch: changed_records(RecordKind::InTouch).await?,
        activities: changed_records(RecordKind::Activity).await?,
        plan,
    }))
}

/// The viewer's own plan as the app's home screen reads it.
pub(super) enum OwnPlan {
    /// With its home-screen lists, read in one statement.
    Home(Box<store::Home>),
    /// Its lists are read field by field.
    Plan(Box<PlanRow>),
}

/// The viewer's own plan for the home screen: in one statement where the
/// database can build it (PostgreSQL), else the plan alone.
pub(super) async fn own_home(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> AppResult<Option<OwnPlan>> {
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
