//! Moving a request through its lifecycle: triage, assignment and
//! reassignment, first contact, work, closing with outcomes, withdrawal,
//! and changes between instructed and non-instructed. Each step is one
//! change at an expected version, with its timeline entry, audit record
//! and notifications in the same commit.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::model::{self, AdvocacyOutcome, DeclineReason, Step};
use crate::advocacy::{
    access::{At, RequestChange, stale},
    notices,
    requests::{
        model::{AdvocacyKind, PROSE_MAX, check_referrer},
        service::Done,
        store::{self, AdvocacyEventType, EventRow, RequestRow},
    },
    timescales,
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::{directory, model::Role},
    policy::{self, Action},
    start_change, text,
};

#[derive(Debug, Serialize)]
pub(in crate::advocacy) enum Triage {
    Accept,
    Decline(DeclineReason),
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct TriageInput {
    pub at: At,
    pub decision: Triage,
    pub note: Option<String>,
}

pub(in crate::advocacy) async fn triage(call: &Call<'_>, input: TriageInput) -> AppResult<Done> {
    let tx = start_change!(call, "triageAdvocacyRequest", &input);
    let mut row = tx.request_at(&input.at, &[Action::ManageAdvocacy]).await?;
    let note = text::optional_prose("note", input.note.as_deref(), PROSE_MAX)?;
    let (step, event, reason) = match input.decision {
        Triage::Accept => (Step::Accept, AdvocacyEventType::Accepted, None),
        Triage::Decline(reason) => {
            if reason == DeclineReason::Other && note.is_none() {
                return Err(AppError::bad_input(
                    "note",
                    "say why the request is declined",
                ));
            }
            row.decline_reason = Some(reason);
            (
                Step::Decline,
                AdvocacyEventType::Declined,
                Some(reason.as_str().to_string()),
            )
        }
    };
    row.state = model::next(row.state, step)?;
    row.triaged_at = Some(Utc::now());
    let entry = Entry {
        event,
        reason,
        note,
    };
    finish(
        tx,
        row,
        entry,
        AuditAction::AdvocacyTriage,
        &["state", "declineReason"],
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct AssignInput {
    pub at: At,
    pub advocate: Uuid,
    pub note: Option<String>,
}

pub(in crate::advocacy) async fn assign(call: &Call<'_>, input: AssignInput) -> AppResult<Done> {
    let tx = start_change!(call, "assignAdvocate", &input);
    let mut row = tx.request_at(&input.at, &[Action::ManageAdvocacy]).await?;
    let note = text::optional_prose("note", input.note.as_deref(), PROSE_MAX)?;
    row.state = model::next(row.state, Step::Assign)?;
    if row.advocate_person_id == Some(input.advocate) {
        return Err(AppError::conflict(
            "This advocate already has this request.",
        ));
    }
    if !directory::holds_role_at(&tx.txn, input.advocate, Role::Advocate, row.provider_id).await? {
        return Err(AppError::bad_input(
            "advocateId",
            "is not an advocate of the provider that holds this request",
        ));
    }
    let event = if row.advocate_person_id.is_some() {
        AdvocacyEventType::Reassigned
    } else {
        AdvocacyEventType::Assigned
    };
    row.advocate_person_id = Some(input.advocate);
    row.assigned_at = Some(Utc::now());
    notices::assigned(&tx.txn, row.id, row.person_id, input.advocate).await?;
    let entry = Entry {
        event,
        reason: None,
        note,
    };
    finish(
        tx,
        row,
        entry,
        AuditAction::AdvocacyAssign,
        &["advocate", "state"],
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct FirstContactInput {
    pub at: At,
    pub contacted_at: Option<DateTime<Utc>>,
}

pub(in crate::advocacy) async fn first_contact(
    call: &Call<'_>,
    input: FirstContactInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "recordAdvocacyFirstContact", &input);
    let mut row = tx.request_at(&input.at, &[Action::WorkAdvocacy]).await?;
    let now = Utc::now();
    let when = input.contacted_at.unwrap_or(now);
    if when > now {
        return Err(AppError::bad_input("contactedAt", "is in the future"));
    }
    if when < row.submitted_at {
        return Err(AppError::bad_input(
            "contactedAt",
            "is before the request was made",
        ));
    }
    row.state = model::next(row.state, Step::FirstContact)?;
    row.first_contact_at = Some(when);
    let entry = Entry::plain(AdvocacyEventType::FirstContactMade);
    finish(
        tx,
        row,
        entry,
        AuditAction::AdvocacyFirstContact,
        &["state", "firstContactAt"],
    )
    .await
}

pub(in crate::advocacy) async fn start_work(call: &Call<'_>, input: At) -> AppResult<Done> {
    let tx = start_change!(call, "startAdvocacyWork", &input);
    let mut row = tx.request_at(&input, &[Action::WorkAdvocacy]).await?;
    row.state = model::next(row.state, Step::StartWork)?;
    let entry = Entry::plain(AdvocacyEventType::InProgress);
    finish(tx, row, entry, AuditAction::AdvocacyProgress, &["state"]).await
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct CloseInput {
    pub at: At,
    pub outcome: AdvocacyOutcome,
    pub what_changed: String,
    pub child_view: Option<String>,
}

pub(in crate::advocacy) async fn close(call: &Call<'_>, input: CloseInput) -> AppResult<Done> {
    let tx = start_change!(call, "closeAdvocacyRequest", &input);
    let mut row = tx.request_at(&input.at, &[Action::WorkAdvocacy]).await?;
    row.state = model::next(row.state, Step::Close)?;
    let mut details = store::details_of(&tx.txn, row.id).await?;
    details.what_changed = Some(text::prose("whatChanged", &input.what_changed, PROSE_MAX)?);
    details.child_view = text::optional_prose("childView", input.child_view.as_deref(), PROSE_MAX)?;
    let now = Utc::now();
    store::save_details(&tx.txn, &details, now).await?;
    row.outcome = Some(input.outcome);
    row.ended_at = Some(now);
    let entry = Entry::plain(AdvocacyEventType::Closed);
    let fields = &["state", "outcome", "whatChanged", "childView"];
    finish(tx, row, entry, AuditAction::AdvocacyClose, fields).await
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct WithdrawInput {
    pub at: At,
    pub reason: Option<String>,
}

/// The young person withdraws their own instructed request; the
/// provider's managers withdraw any request, and a referrer their
/// non-instructed referral, with a reason.
pub(in crate::advocacy) async fn withdraw(
    call: &Call<'_>,
    input: WithdrawInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "withdrawAdvocacyRequest", &input);
    // A professional who referred a child who cannot instruct may
    // withdraw the referral.
    let mut row = tx
        .request_at_or(
            &input.at,
            &[Action::WithdrawOwnAdvocacy, Action::ManageAdvocacy],
            |row, me| row.kind == AdvocacyKind::NonInstructed && row.referrer_person_id == me,
        )
        .await?;
    let own = policy::allows(call.viewer, Action::WithdrawOwnAdvocacy, &row.target());
    if own && row.kind == AdvocacyKind::NonInstructed {
        return Err(AppError::Forbidden);
    }
    let reason = text::optional_prose("reason", input.reason.as_deref(), PROSE_MAX)?;
    if !own && reason.is_none() {
        return Err(AppError::bad_input(
            "reason",
            "say why the request is withdrawn",
        ));
    }
    row.state = model::next(row.state, Step::Withdraw)?;
    row.ended_at = Some(Utc::now());
    let entry = Entry {
        event: AdvocacyEventType::Withdrawn,
        reason: None,
        note: reason,
    };
    finish(tx, row, entry, AuditAction::AdvocacyWithdraw, &["state"]).await
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct ChangeKindInput {
    pub at: At,
    pub kind: AdvocacyKind,
    pub reason: String,
}

/// The child's ability to instruct changed: the request changes kind,
/// with the reason in its history.
pub(in crate::advocacy) async fn change_kind(
    call: &Call<'_>,
    input: ChangeKindInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "changeAdvocacyKind", &input);
    let mut row = tx.request_at(&input.at, &[Action::WorkAdvocacy]).await?;
    let reason = text::prose("reason", &input.reason, PROSE_MAX)?;
    if row.kind == input.kind {
        return Err(AppError::conflict(format!(
            "This request is already {}.",
            match row.kind {
                AdvocacyKind::Instructed => "instructed",
                AdvocacyKind::NonInstructed => "non-instructed",
            }
        )));
    }
    check_referrer(input.kind, row.referrer_relationship)?;
    row.state = model::next(row.state, Step::ChangeKind)?;
    if input.kind == AdvocacyKind::NonInstructed {
        let mut details = store::details_of(&tx.txn, row.id).await?;
        details.why_not_instructed = Some(reason.clone());
        store::save_details(&tx.txn, &details, Utc::now()).await?;
    }
    row.kind = input.kind;
    let entry = Entry {
        event: AdvocacyEventType::KindChanged,
        reason: None,
        note: Some(reason),
    };
    finish(tx, row, entry, AuditAction::AdvocacyKindChange, &["kind"]).await
}

/// The timeline entry a step writes.
struct Entry {
    event: AdvocacyEventType,
    reason: Option<String>,
    note: Option<String>,
}

impl Entry {
    fn plain(event: AdvocacyEventType) -> Self {
        Entry {
            event,
            reason: None,
            note: None,
        }
    }
}

/// Writes the step: the request at its next version, the timeline
/// entry, its timescales' clocks, the referrer's notification, the audit
/// record.
async fn finish(
    tx: Box<Change<'_>>,
    row: RequestRow,
    entry: Entry,
    action: AuditAction,
    fields: &[&str],
) -> AppResult<Done> {
    let at = Utc::now();
    if !store::save(&tx.txn, &row, at).await? {
        let current = store::request(&tx.txn, row.id)
            .await?
            .map_or(row.version, |r| r.version);
        return Err(stale(current));
    }
    let version = row.version + 1;
    store::insert_event(
        &tx.txn,
        &EventRow {
            request_id: row.id,
            version,
            at,
            actor_person_id: Some(tx.actor.person_id),
            event: entry.event,
            state: row.state,
            kind: row.kind,
            advocate_person_id: row.advocate_person_id,
            reason: entry.reason,
            note: entry.note,
        },
    )
    .await?;
    timescales::service::follow(&tx.txn, &row, entry.event, at).await?;
    tell_referrer(&tx, &row, entry.event).await?;
    let target = row.target();
    tx.commit(
        Audited {
            action,
            record: ("AdvocacyRequest", row.id),
            fields,
            target: &target,
        },
        Done {
            request_id: row.id,
            version,
        },
    )
    .await
}

/// A referrer (not the child, not the one acting) who may follow the
/// request hears that its status changed.
async fn tell_referrer(
    tx: &Change<'_>,
    row: &RequestRow,
    event: AdvocacyEventType,
) -> AppResult<()> {
    let moved = !matches!(
        event,
        AdvocacyEventType::KindChanged | AdvocacyEventType::Reassigned
    );
    let referrer = row.referrer_person_id;
    if !moved || referrer == row.person_id || referrer == tx.actor.person_id {
        return Ok(());
    }
    if row.referrer_follows() {
        notices::status_changed(&tx.txn, row.id, referrer, row.state).await?;
    }
    Ok(())
}
