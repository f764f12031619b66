//! SQL for records: `advocacy_records` (one row a record, the kind's own
//! answers as JSON in `body`) and `advocacy_people_consulted` (other
//! people's words, marked `third_party`, read only for those who see
//! everything).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{Body, Consulted, RecordType, Visit};
use crate::{
    db::raw::{exec, query},
    db::rows::{Order, all, dated_page, first, get, grouped, json},
    error::{AppError, AppResult},
    paging::PageRequest,
};

/// A record as stored.
#[derive(Debug, Clone)]
pub struct RecordRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub occurred_on: NaiveDate,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    /// The kind's answers (a visit's people consulted are not in it).
    pub body: Body,
}

const SELECT: &str = "SELECT id, request_id, record_type, occurred_on, recorded_by_person_id, \
     body, recorded_at FROM advocacy_records";

fn record_row(r: &QueryResult) -> AppResult<RecordRow> {
    let body = match RecordType::parse(&get::<String>(r, "record_type")?)? {
        RecordType::Visit => Body::Visit(json(r, "body")?),
        RecordType::Contact => Body::Contact(json(r, "body")?),
        RecordType::Representation => Body::Representation(json(r, "body")?),
        RecordType::Meeting => Body::Meeting(json(r, "body")?),
        RecordType::Outcome => Body::Outcome(json(r, "body")?),
    };
    Ok(RecordRow {
        id: get(r, "id")?,
        request_id: get(r, "request_id")?,
        occurred_on: get(r, "occurred_on")?,
        recorded_by: get(r, "recorded_by_person_id")?,
        recorded_at: get(r, "recorded_at")?,
        body,
    })
}

/// The body's own answers as a JSON document.
fn body_json(body: &Body) -> AppResult<String> {
    let written = match body {
        Body::Visit(v) => serde_json::to_string(&Visit {
            people_consulted: Vec::new(),
            ..v.clone()
        }),
        Body::Contact(c) => serde_json::to_string(c),
        Body::Representation(r) => serde_json::to_string(r),
        Body::Meeting(m) => serde_json::to_string(m),
        Body::Outcome(o) => serde_json::to_string(o),
    };
    written.map_err(AppError::internal)
}

/// Writes a new record and, for a visit, the people consulted (each
/// marked as third-party data).
pub async fn insert(db: &impl ConnectionTrait, row: &RecordRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO advocacy_records (id, request_id, record_type, occurred_on, \
         recorded_by_person_id, body, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            row.id.into(),
            row.request_id.into(),
            row.body.record_type().as_str().into(),
            row.occurred_on.into(),
            row.recorded_by.into(),
            body_json(&row.body)?.into(),
            row.recorded_at.into(),
        ],
    )
    .await?;
    let Body::Visit(visit) = &row.body else {
        return Ok(());
    };
    for (position, p) in (0i32..).zip(&visit.people_consulted) {
        exec(
            db,
            "INSERT INTO advocacy_people_consulted (id, record_id, request_id, position, name, \
             role, what_they_said, third_party) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                Uuid::now_v7().into(),
                row.id.into(),
                row.request_id.into(),
                position.into(),
                p.name.clone().into(),
                p.role.clone().into(),
                p.what_they_said.clone().into(),
                true.into(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// One record by id.
pub async fn record(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<RecordRow>> {
    let rows = query(db, &format!("{SELECT} WHERE id = $1"), vec![id.into()]).await?;
    first(rows, record_row)
}

/// A page of a request's records, newest first (by the day they were
/// for, then as recorded).
pub async fn page(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<RecordRow>> {
    let rows = dated_page(
        db,
        SELECT,
        ("request_id", request_id),
        ("occurred_on", Order::NewestFirst),
        page,
    )
    .await?;
    all(rows, record_row)
}

/// The people consulted on these records, by record, in the order given.
pub async fn consulted(
    db: &impl ConnectionTrait,
    records: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Consulted>>> {
    let by_record = grouped(
        db,
        "SELECT record_id, position, name, role, what_they_said FROM advocacy_people_consulted",
        "record_id",
        "",
        "record_id, position",
        records,
        |r| {
            Ok((
                get::<Uuid>(r, "record_id")?,
                Consulted {
                    name: get(r, "name")?,
                    role: get(r, "role")?,
                    what_they_said: get(r, "what_they_said")?,
                },
            ))
        },
        |(record, _)| *record,
    )
    .await?;
    Ok(by_record
        .into_iter()
        .map(|(id, people)| (id, people.into_iter().map(|(_, p)| p).collect()))
        .collect())
}
