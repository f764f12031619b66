//! Adding a record to a request: one change with the record, the request
//! at its next version (last activity now) and a timeline entry that says
//! a record was added and nothing of what it says, and the audit record.
//!
//! Versions: the request's timeline has one entry per version, so a
//! record, which adds an entry, makes a version too. A record changes
//! nothing anyone else wrote, so, like other additive changes (see
//! docs/conventions.md), it may leave out `expectedVersion`; a client that
//! gives one is held to it. A lifecycle step loaded before the record was
//! added is then stale and reloads (its CONFLICT carries the version).

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{self, Body},
    store::{self, RecordRow},
};
use crate::advocacy::{
    access::{At, RequestChange, stale},
    requests::store::{self as requests, AdvocacyEventType, EventRow},
    timescales,
};
use crate::{
    audit::AuditAction,
    change::{self, Audited, Call, Started},
    clock::{ENGLAND, today},
    error::{AppError, AppResult},
    policy::Action,
};

/// What adding a record returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Recorded {
    pub request_id: Uuid,
    pub record_id: Uuid,
    pub version: i32,
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct RecordInput {
    pub at: At,
    pub occurred_on: NaiveDate,
    pub body: Body,
}

/// The operation each kind of record is added by (its idempotency key's
/// operation).
fn operation(body: &Body) -> &'static str {
    match body {
        Body::Visit(_) => "recordAdvocacyVisit",
        Body::Contact(_) => "recordAdvocacyContact",
        Body::Representation(_) => "recordAdvocacyRepresentation",
        Body::Meeting(_) => "recordAdvocacyMeeting",
        Body::Outcome(_) => "recordAdvocacyOutcome",
    }
}

/// The advocate assigned adds a record to a request they are working.
/// The provider's managers may work a request (close it, change its
/// kind) but do not write the advocate's account of their work with the
/// child: FORBIDDEN for them.
pub(in crate::advocacy) async fn record(
    call: &Call<'_>,
    input: RecordInput,
) -> AppResult<Recorded> {
    let tx = match change::start(call, operation(&input.body), &input).await? {
        Started::Fresh(tx) => tx,
        Started::Replayed(done) => return Ok(done),
    };
    let row = tx.request_at(&input.at, &[Action::WorkAdvocacy]).await?;
    if row.advocate_person_id != Some(tx.actor.person_id) {
        return Err(AppError::Forbidden);
    }
    model::check_open(row.state)?;
    input.body.fits(row.kind)?;
    let submitted = row.submitted_at.with_timezone(&ENGLAND).date_naive();
    model::check_day(input.occurred_on, today(), submitted)?;
    let body = input.body.checked()?;
    let fields = body.fields();
    let now = Utc::now();
    let record = RecordRow {
        id: Uuid::now_v7(),
        request_id: row.id,
        occurred_on: input.occurred_on,
        recorded_by: tx.actor.person_id,
        recorded_at: now,
        body,
    };
    store::insert(&tx.txn, &record).await?;
    if !requests::touch_activity(&tx.txn, row.id, row.version, now).await? {
        let current = requests::request(&tx.txn, row.id)
            .await?
            .map_or(row.version, |r| r.version);
        return Err(stale(current));
    }
    // Activity: the closure review starts again.
    timescales::service::follow(&tx.txn, &row, AdvocacyEventType::RecordAdded, now).await?;
    let version = row.version + 1;
    requests::insert_event(
        &tx.txn,
        &EventRow {
            request_id: row.id,
            version,
            at: now,
            actor_person_id: Some(tx.actor.person_id),
            event: AdvocacyEventType::RecordAdded,
            state: row.state,
            kind: row.kind,
            advocate_person_id: row.advocate_person_id,
            reason: None,
            note: None,
        },
    )
    .await?;
    let target = row.target();
    tx.commit(
        Audited {
            action: AuditAction::AdvocacyRecord,
            record: ("AdvocacyRecord", record.id),
            fields,
            target: &target,
        },
        Recorded {
            request_id: row.id,
            record_id: record.id,
            version,
        },
    )
    .await
}
