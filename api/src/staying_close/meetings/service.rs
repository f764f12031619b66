//! Scheduling and logging check-ins and reviews, the young person's
//! review requests, and the reminders that follow a plan's due dates.

use chrono::{NaiveDate, Utc};
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use uuid::Uuid;

use super::{
    model::{self, CheckInMode, MeetingStatus},
    notices,
    store::{self, Meeting, MeetingRow},
};
use crate::audit::AuditAction;
use crate::clock::today;
use crate::staying_close::{
    dates,
    plan::{
        self,
        access::PlanChange,
        model::PlanStatus,
        service::Done,
        store::{PlanFields, PlanRow},
    },
    profile,
    words::{change, morning},
};
use crate::{
    change::{Audited, Call},
    error::{AppError, AppResult},
    notifications::{
        model::Kind,
        reminders::{self, NewReminder},
        service::{self as notifications, NewNotification},
    },
    policy::Action,
    start_change, text,
};

/// How long after a young person asks for a review it falls due.
const REQUESTED_REVIEW_WITHIN_DAYS: u64 = 28;

/// (Re)schedules a plan's reminders (when and what: `notices`). An ended
/// plan has none.
pub(in crate::staying_close) async fn schedule_reminders(
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
    for (meeting, what, due, kind) in [
        (
            Meeting::CheckIn,
            "check-in",
            plan.next_check_in_due,
            Kind::CheckInDue,
        ),
        (
            Meeting::Review,
            "review",
            plan.next_review_due,
            Kind::ReviewDue,
        ),
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
        // Already due: the young person is not nagged; the workers are.
        if due < today() {
            reminders::cancel(db, plan.person_id, &due_key).await?;
        } else {
            let notice = notices::coming_up(meeting, due);
            reminders::schedule(
                db,
                NewReminder {
                    person_id: plan.person_id,
                    kind,
                    title: &notice.title,
                    body: &notice.body,
                    subject: Some(("StayingClosePlan", plan.id)),
                    collapse_key: &due_key,
                    due_at: morning(notices::remind_on(meeting, due)).max(Utc::now()),
                },
            )
            .await?;
        }
        let notice = notices::overdue(meeting, due);
        for worker in &workers {
            reminders::schedule(
                db,
                NewReminder {
                    person_id: *worker,
                    kind,
                    title: &notice.title,
                    body: &notice.body,
                    subject: Some(("StayingClosePlan", plan.id)),
                    collapse_key: &overdue_key,
                    due_at: morning(notices::overdue_on(due)).max(Utc::now()),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The plan's stored check-in interval; a negative one is a data bug
/// (`INTERNAL`, logged when it reaches the response), never a default.
fn stored_interval(plan: &PlanRow) -> AppResult<u32> {
    u32::try_from(plan.check_in_interval_days).map_err(|err| {
        AppError::internal(anyhow::anyhow!(
            "plan {}: stored check-in interval {} is not a number of days: {err}",
            plan.id,
            plan.check_in_interval_days
        ))
    })
}

pub(in crate::staying_close) fn planned(
    plan: Uuid,
    due: NaiveDate,
    now: chrono::DateTime<Utc>,
) -> MeetingRow {
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

pub(in crate::staying_close) async fn last_held(
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
pub(in crate::staying_close) async fn move_planned(
    db: &DatabaseTransaction,
    kind: Meeting,
    plan: Uuid,
    due: NaiveDate,
) -> AppResult<MeetingRow> {
    let now = Utc::now();
    store::record_missed(db, kind, plan).await?;
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
pub(super) struct ScheduleInput {
    pub plan: Uuid,
    pub due_on: NaiveDate,
    pub expected_version: Option<i32>,
}

/// Sets the date of the next check-in.
pub(super) async fn schedule_check_in(call: &Call<'_>, input: ScheduleInput) -> AppResult<Done> {
    let tx = start_change!(call, "scheduleCheckIn", &input);
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    if input.due_on < plan.start_date || input.due_on > plan.planned_end_date {
        return Err(AppError::bad_input(
            "dueOn",
            "must be within the plan's dates",
        ));
    }
    // After a missed check-in the interval runs again from when it was due,
    // so the next one can still be planned.
    let missed = store::record_missed(&tx.txn, Meeting::CheckIn, plan.id).await?;
    let since = last_held(&tx.txn, Meeting::CheckIn, &plan).await?;
    let latest = model::next_check_in_due(
        missed.into_iter().fold(since, NaiveDate::max),
        stored_interval(&plan)?,
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
    plan::store::update_plan(
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
pub(super) struct LogMeetingInput {
    pub plan: Uuid,
    pub held_on: NaiveDate,
    pub mode: Option<CheckInMode>,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

/// Logs a check-in or review that took place; the next one is planned
/// from it (8 weeks or the plan's interval; 6 months for reviews).
pub(super) async fn log_meeting(
    call: &Call<'_>,
    kind: Meeting,
    input: LogMeetingInput,
) -> AppResult<Done> {
    let tx = match kind {
        Meeting::CheckIn => start_change!(call, "logCheckIn", &input),
        Meeting::Review => start_change!(call, "logReview", &input),
    };
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    dates::not_future("heldOn", input.held_on, today())?;
    if input.held_on < plan.start_date {
        return Err(AppError::bad_input("heldOn", "is before the plan started"));
    }
    if kind == Meeting::CheckIn && input.mode.is_none() {
        return Err(AppError::bad_input("mode", "say how the check-in happened"));
    }
    let note = text::optional_prose("note", input.note.as_deref(), 4000)?;
    let now = Utc::now();
    store::record_missed(&tx.txn, kind, plan.id).await?;
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
    let settings = profile::store::settings(&tx.txn, plan.local_authority_id).await?;
    let (next_due, field, summary, audit_action, record) = match kind {
        Meeting::CheckIn => (
            model::next_check_in_due(last, stored_interval(&plan)?),
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
    plan::store::update_plan(&tx.txn, plan.id, fields).await?;
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
pub(super) struct RequestReviewInput {
    pub plan: Uuid,
    pub reason: String,
}

/// The young person asks for a review: it falls due within four weeks
/// (or sooner if one was already due) and the workers are told.
pub(super) async fn request_review(call: &Call<'_>, input: RequestReviewInput) -> AppResult<Done> {
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
    plan::store::update_plan(
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
    let notice = notices::review_requested(review.due_on);
    for worker in [row.key_worker_id, row.personal_adviser_id]
        .into_iter()
        .flatten()
    {
        notifications::notify(
            &tx.txn,
            NewNotification {
                person_id: worker,
                kind: Kind::ReviewDue,
                title: &notice.title,
                body: &notice.body,
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
