//! Storage of the SSDA903 accommodation, in-touch and activity records.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{AccommodationType, Activity, InTouch};
use crate::db::rows::{Order, dated_page, get, grouped};
use crate::{
    db::raw::{exec, query},
    error::AppResult,
    paging::{DatedKey, PageRequest},
};

#[derive(Debug, Clone)]
pub(in crate::staying_close) enum RecordValue {
    Accommodation {
        kind: AccommodationType,
        suitable: bool,
        assessment: String,
        ended_on: Option<NaiveDate>,
    },
    InTouch(InTouch),
    Activity(Activity),
}

#[derive(Debug, Clone)]
pub(in crate::staying_close) struct RecordRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub recorded_on: NaiveDate,
    pub recorded_by_person_id: Option<Uuid>,
    pub value: RecordValue,
    pub created_at: DateTime<Utc>,
    /// When it last changed (an accommodation record when it ended).
    pub updated_at: DateTime<Utc>,
}

/// The three SSDA903 record tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(in crate::staying_close) enum RecordKind {
    Accommodation,
    InTouch,
    Activity,
}

impl RecordKind {
    /// The columns every read takes.
    fn select(self) -> String {
        format!(
            "SELECT id, person_id, local_authority_id, recorded_on, recorded_by_person_id, {}, \
             created_at, updated_at FROM {}",
            self.columns(),
            self.table()
        )
    }

    fn table(self) -> &'static str {
        match self {
            RecordKind::Accommodation => "accommodation_records",
            RecordKind::InTouch => "in_touch_records",
            RecordKind::Activity => "activity_records",
        }
    }

    fn columns(self) -> &'static str {
        match self {
            RecordKind::Accommodation => "code, suitable, assessment, ended_on",
            RecordKind::InTouch => "status",
            RecordKind::Activity => "code",
        }
    }
}

fn record_row(kind: RecordKind, r: &QueryResult) -> AppResult<RecordRow> {
    let value = match kind {
        RecordKind::Accommodation => RecordValue::Accommodation {
            kind: AccommodationType::parse(&get::<String>(r, "code")?)?,
            suitable: get(r, "suitable")?,
            assessment: get(r, "assessment")?,
            ended_on: get(r, "ended_on")?,
        },
        RecordKind::InTouch => RecordValue::InTouch(InTouch::parse(&get::<String>(r, "status")?)?),
        RecordKind::Activity => RecordValue::Activity(Activity::parse(&get::<String>(r, "code")?)?),
    };
    Ok(RecordRow {
        id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        recorded_on: get(r, "recorded_on")?,
        recorded_by_person_id: get(r, "recorded_by_person_id")?,
        value,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// Each of `people`'s records of one kind, newest first.
pub(in crate::staying_close) async fn records_of_people(
    db: &impl ConnectionTrait,
    kind: RecordKind,
    people: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<RecordRow>>> {
    grouped(
        db,
        &kind.select(),
        "person_id",
        "",
        "recorded_on DESC, created_at DESC",
        people,
        |r| record_row(kind, r),
        |r| r.person_id,
    )
    .await
}

/// A page of a young person's records of one kind, newest first (by the
/// day recorded, then id), after the cursor's key (keyset paging).
pub(in crate::staying_close) async fn records_page(
    db: &impl ConnectionTrait,
    kind: RecordKind,
    person: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<RecordRow>> {
    let newest = ("recorded_on", Order::NewestFirst);
    let rows = dated_page(db, &kind.select(), ("person_id", person), newest, page).await?;
    rows.iter().map(|r| record_row(kind, r)).collect()
}

/// A record's place in its list: the key of the records connections' cursors.
pub(in crate::staying_close) fn record_key(r: &RecordRow) -> DatedKey {
    DatedKey {
        on: r.recorded_on,
        id: r.id,
    }
}

/// One record by id (unscoped: callers check the young person's plan).
pub(super) async fn record(
    db: &impl ConnectionTrait,
    kind: RecordKind,
    id: Uuid,
) -> AppResult<Option<RecordRow>> {
    let rows = query(
        db,
        &format!("{} WHERE id = $1", kind.select()),
        vec![id.into()],
    )
    .await?;
    rows.first().map(|r| record_row(kind, r)).transpose()
}

/// Each of `people`'s records of one kind changed after `since`, newest
/// first (delta sync).
pub(in crate::staying_close) async fn records_changed_since(
    db: &impl ConnectionTrait,
    kind: RecordKind,
    person: Uuid,
    since: DateTime<Utc>,
) -> AppResult<Vec<RecordRow>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE person_id = $1 AND updated_at > $2 \
             ORDER BY recorded_on DESC, created_at DESC",
            kind.select()
        ),
        vec![person.into(), since.into()],
    )
    .await?;
    rows.iter().map(|r| record_row(kind, r)).collect()
}

/// Records of one kind for everyone in an authority (reporting).
pub(in crate::staying_close) async fn authority_records(
    db: &impl ConnectionTrait,
    kind: RecordKind,
    la: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<RecordRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT id, person_id, local_authority_id, recorded_on, recorded_by_person_id, {}, \
             created_at, updated_at FROM {} WHERE local_authority_id = $1 \
             AND recorded_on >= $2 AND recorded_on <= $3 \
             ORDER BY person_id, recorded_on, created_at",
            kind.columns(),
            kind.table()
        ),
        vec![la.into(), from.into(), to.into()],
    )
    .await?;
    rows.iter().map(|r| record_row(kind, r)).collect()
}

pub(in crate::staying_close) async fn insert_record(
    db: &impl ConnectionTrait,
    row: &RecordRow,
) -> AppResult<()> {
    let mut params: Vec<Value> = vec![
        row.id.into(),
        row.person_id.into(),
        row.local_authority_id.into(),
        row.recorded_on.into(),
        row.recorded_by_person_id.into(),
        row.created_at.into(),
        row.updated_at.into(),
    ];
    let (kind, extra) = match &row.value {
        RecordValue::Accommodation {
            kind,
            suitable,
            assessment,
            ended_on,
        } => (
            RecordKind::Accommodation,
            vec![
                kind.as_str().into(),
                (*suitable).into(),
                assessment.clone().into(),
                (*ended_on).into(),
            ],
        ),
        RecordValue::InTouch(s) => (RecordKind::InTouch, vec![s.as_str().into()]),
        RecordValue::Activity(a) => (RecordKind::Activity, vec![a.as_str().into()]),
    };
    let placeholders: Vec<String> = (8..8 + extra.len()).map(|i| format!("${i}")).collect();
    params.extend(extra);
    exec(
        db,
        &format!(
            "INSERT INTO {} (id, person_id, local_authority_id, recorded_on, recorded_by_person_id, \
             created_at, updated_at, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, {})",
            kind.table(),
            kind.columns(),
            placeholders.join(", ")
        ),
        params,
    )
    .await?;
    Ok(())
}

/// Closes the person's open accommodation record on the day they move.
pub(super) async fn end_accommodation(
    db: &impl ConnectionTrait,
    person: Uuid,
    moved_on: NaiveDate,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE accommodation_records SET ended_on = $2, updated_at = $3 \
         WHERE person_id = $1 AND ended_on IS NULL AND recorded_on < $2",
        vec![person.into(), moved_on.into(), Utc::now().into()],
    )
    .await?;
    Ok(())
}
