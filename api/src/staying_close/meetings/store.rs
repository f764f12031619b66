//! Storage of check-ins and reviews (one shape, two tables).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{self, CheckInMode, MeetingStatus};
use crate::clock::today;
use crate::db::rows::{Order, all, dated_page, get, grouped};
use crate::staying_close::profile::model::AuthoritySettings;
use crate::{
    db::raw::{exec, query},
    error::{AppError, AppResult},
    paging::{DatedKey, PageRequest},
};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(in crate::staying_close) struct MeetingRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub due_on: NaiveDate,
    pub held_on: Option<NaiveDate>,
    pub held_by_person_id: Option<Uuid>,
    pub note: Option<String>,
    pub status: MeetingStatus,
    /// Check-ins only.
    pub mode: Option<CheckInMode>,
    /// Reviews only.
    pub requested_by_young_person: bool,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Check-ins and reviews share a shape; this says which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(in crate::staying_close) enum Meeting {
    CheckIn,
    Review,
}

impl Meeting {
    /// The meetings' columns; check-ins also carry their authority's
    /// `missed_after_days` (the setting, or its default), reviews `NULL`.
    fn select(self) -> String {
        match self {
            Meeting::CheckIn => format!(
                "SELECT id, plan_id, due_on, held_on, held_by_person_id, note, status, mode, \
                 FALSE AS requested_by_young_person, NULL AS reason, created_at, updated_at, \
                 COALESCE((SELECT s.check_in_missed_after_days FROM staying_close_settings s \
                 JOIN plans sp ON sp.local_authority_id = s.local_authority_id \
                 WHERE sp.id = check_ins.plan_id), {}) AS missed_after_days \
                 FROM check_ins",
                AuthoritySettings::default().check_in_missed_after_days
            ),
            Meeting::Review => "SELECT id, plan_id, due_on, held_on, held_by_person_id, note, \
                 status, NULL AS mode, requested_by_young_person, reason, created_at, updated_at, \
                 NULL AS missed_after_days FROM reviews"
                .to_string(),
        }
    }
}

/// A meeting as read: its status by [`model::status_on`] today.
fn meeting_row(r: &QueryResult) -> AppResult<MeetingRow> {
    let due_on = get(r, "due_on")?;
    let missed_after = get::<Option<i32>>(r, "missed_after_days")?
        .map(|days| u32::try_from(days).map_err(AppError::internal))
        .transpose()?;
    let stored = MeetingStatus::parse(&get::<String>(r, "status")?)?;
    Ok(MeetingRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        due_on,
        held_on: get(r, "held_on")?,
        held_by_person_id: get(r, "held_by_person_id")?,
        note: get(r, "note")?,
        status: model::status_on(stored, due_on, missed_after, today()),
        mode: get::<Option<String>>(r, "mode")?
            .map(|m| CheckInMode::parse(&m))
            .transpose()?,
        requested_by_young_person: get(r, "requested_by_young_person")?,
        reason: get(r, "reason")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A plan's check-ins or reviews, by due date.
pub(in crate::staying_close) async fn meetings(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plan: Uuid,
) -> AppResult<Vec<MeetingRow>> {
    let mut found = meetings_of_plans(db, kind, &[plan], false).await?;
    Ok(found.remove(&plan).unwrap_or_default())
}

/// The check-ins or reviews of several plans (`planned_only`: those not
/// yet held nor missed), by plan, by due date.
pub(in crate::staying_close) async fn meetings_of_plans(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plans: &[Uuid],
    planned_only: bool,
) -> AppResult<HashMap<Uuid, Vec<MeetingRow>>> {
    let filter = if planned_only {
        " AND status = 'planned'"
    } else {
        ""
    };
    let mut found = grouped(
        db,
        &kind.select(),
        "plan_id",
        filter,
        "due_on, id",
        plans,
        meeting_row,
        |m| m.plan_id,
    )
    .await?;
    if planned_only {
        // Stored as planned but missed by the rule, as read.
        for rows in found.values_mut() {
            rows.retain(|m| m.status == MeetingStatus::Planned);
        }
        found.retain(|_, rows| !rows.is_empty());
    }
    Ok(found)
}

/// A meeting's place in its plan's list (due date, then id): the key of
/// the check-ins and reviews connections' cursors.
pub(in crate::staying_close) fn meeting_key(m: &MeetingRow) -> DatedKey {
    DatedKey {
        on: m.due_on,
        id: m.id,
    }
}

/// A page of a plan's check-ins or reviews by due date (then id), after
/// the cursor's key: keyset paging, so rows added meanwhile do not shift it.
pub(in crate::staying_close) async fn meetings_page(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plan: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<MeetingRow>> {
    let by_due = ("due_on", Order::OldestFirst);
    let rows = dated_page(db, &kind.select(), ("plan_id", plan), by_due, page).await?;
    all(rows, meeting_row)
}

/// For a one-statement read (the app's home on PostgreSQL): a subquery
/// giving, as JSON text, the check-ins stored as planned of the plan whose
/// id is `plan_id` (an SQL expression of the caller's statement), each with
/// its `missed_after_days`. [`next_planned_from_json`] reads it.
pub(in crate::staying_close) fn planned_check_ins_json_sql(plan_id: &str) -> String {
    format!(
        "(SELECT COALESCE(json_agg(c ORDER BY c.due_on, c.id), '[]')::text FROM \
         ({} WHERE plan_id = {plan_id} AND status = 'planned') c)",
        Meeting::CheckIn.select()
    )
}

/// The planned (not yet held, not missed) check-in among those
/// [`planned_check_ins_json_sql`] gave, by the same rule as every other read.
pub(in crate::staying_close) fn next_planned_from_json(
    text: &str,
) -> AppResult<Option<MeetingRow>> {
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(flatten)]
        row: MeetingRow,
        missed_after_days: Option<i32>,
    }
    let stored: Vec<Stored> = serde_json::from_str(text).map_err(AppError::internal)?;
    let today = today();
    for Stored {
        mut row,
        missed_after_days,
    } in stored
    {
        let missed_after = missed_after_days
            .map(|days| u32::try_from(days).map_err(AppError::internal))
            .transpose()?;
        row.status = model::status_on(row.status, row.due_on, missed_after, today);
        if row.status == MeetingStatus::Planned {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// The planned (not yet held, not missed) meeting of each of several plans.
pub(in crate::staying_close) async fn planned_meetings(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, MeetingRow>> {
    let all = meetings_of_plans(db, kind, plans, true).await?;
    Ok(all
        .into_iter()
        .filter_map(|(plan, rows)| Some((plan, rows.into_iter().next()?)))
        .collect())
}

/// One check-in or review by id (unscoped: callers check its plan).
pub(super) async fn meeting(
    db: &impl ConnectionTrait,
    kind: Meeting,
    id: Uuid,
) -> AppResult<Option<MeetingRow>> {
    let rows = query(
        db,
        &format!("{} WHERE id = $1", kind.select()),
        vec![id.into()],
    )
    .await?;
    Ok(all(rows, meeting_row)?.into_iter().next())
}

/// The planned (not yet held, not missed) one, if any.
pub(super) async fn planned_meeting(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plan: Uuid,
) -> AppResult<Option<MeetingRow>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE plan_id = $1 AND status = 'planned' ORDER BY due_on, id",
            kind.select()
        ),
        vec![plan.into()],
    )
    .await?;
    Ok(all(rows, meeting_row)?
        .into_iter()
        .find(|m| m.status == MeetingStatus::Planned))
}

/// Writes `missed` on the plan's meetings stored as planned that the rule
/// says were missed (before a new one is planned, so the stored status
/// agrees with what is read), returning their due dates.
pub(super) async fn record_missed(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plan: Uuid,
) -> AppResult<Vec<NaiveDate>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE plan_id = $1 AND status = 'planned'",
            kind.select()
        ),
        vec![plan.into()],
    )
    .await?;
    let mut missed = Vec::new();
    for mut m in all(rows, meeting_row)? {
        if m.status == MeetingStatus::Missed {
            m.updated_at = Utc::now();
            save_meeting(db, kind, &m).await?;
            missed.push(m.due_on);
        }
    }
    Ok(missed)
}

pub(in crate::staying_close) async fn save_meeting(
    db: &impl ConnectionTrait,
    kind: Meeting,
    m: &MeetingRow,
) -> AppResult<()> {
    let (sql, extra): (&str, Vec<Value>) = match kind {
        Meeting::CheckIn => (
            "INSERT INTO check_ins (id, plan_id, due_on, held_on, held_by_person_id, note, status, \
             created_at, updated_at, mode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET due_on = excluded.due_on, held_on = excluded.held_on, \
             held_by_person_id = excluded.held_by_person_id, note = excluded.note, \
             status = excluded.status, updated_at = excluded.updated_at, mode = excluded.mode",
            vec![m.mode.map(|x| x.as_str().to_string()).into()],
        ),
        Meeting::Review => (
            "INSERT INTO reviews (id, plan_id, due_on, held_on, held_by_person_id, note, status, \
             created_at, updated_at, requested_by_young_person, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET due_on = excluded.due_on, held_on = excluded.held_on, \
             held_by_person_id = excluded.held_by_person_id, note = excluded.note, \
             status = excluded.status, updated_at = excluded.updated_at, \
             requested_by_young_person = excluded.requested_by_young_person, \
             reason = excluded.reason",
            vec![m.requested_by_young_person.into(), m.reason.clone().into()],
        ),
    };
    let mut params: Vec<Value> = vec![
        m.id.into(),
        m.plan_id.into(),
        m.due_on.into(),
        m.held_on.into(),
        m.held_by_person_id.into(),
        m.note.clone().into(),
        m.status.as_str().into(),
        m.created_at.into(),
        m.updated_at.into(),
    ];
    params.extend(extra);
    exec(db, sql, params).await?;
    Ok(())
}
