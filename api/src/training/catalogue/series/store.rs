//! SQL for series (`training_series`) and the sessions they generate.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{Generated, Series};
use crate::{
    db::raw::{exec, query},
    db::rows::{first, get},
    error::{AppError, AppResult},
    training::catalogue::store::{self as catalogue, NewSession},
};

/// A series as stored.
#[derive(Debug, Clone)]
pub struct SeriesRow {
    pub id: Uuid,
    pub course_id: Uuid,
    pub facilitator_id: Uuid,
    pub series: Series,
    /// The first sitting's start as an instant.
    pub first_starts_at: DateTime<Utc>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn series_row(r: &QueryResult) -> AppResult<SeriesRow> {
    let time_zone: String = get(r, "time_zone")?;
    let first_starts_at: DateTime<Utc> = get(r, "first_starts_at")?;
    let zone: chrono_tz::Tz = time_zone.parse().map_err(|_| {
        AppError::internal(anyhow::anyhow!("stored time zone {time_zone} is unknown"))
    })?;
    Ok(SeriesRow {
        id: get(r, "id")?,
        course_id: get(r, "course_id")?,
        facilitator_id: get(r, "facilitator_person_id")?,
        series: Series {
            rrule: get(r, "rrule")?,
            first_starts_at: first_starts_at.with_timezone(&zone).naive_local(),
            time_zone,
            duration_minutes: get(r, "duration_minutes")?,
            capacity: get(r, "capacity")?,
            online_link: get(r, "online_link")?,
            venue: get(r, "venue")?,
            booking_opens_days_before: get(r, "booking_opens_days_before")?,
            booking_closes_hours_before: get(r, "booking_closes_hours_before")?,
        },
        first_starts_at,
        version: get(r, "version")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub async fn series(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<SeriesRow>> {
    let rows = query(
        db,
        "SELECT id, course_id, facilitator_person_id, rrule, first_starts_at, time_zone, \
         duration_minutes, capacity, online_link, venue, booking_opens_days_before, \
         booking_closes_hours_before, version, updated_at FROM training_series WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    first(rows, series_row)
}

/// A new series: who runs it, the authorities its sittings are open to.
pub struct NewSeries<'a> {
    pub id: Uuid,
    pub course_id: Uuid,
    pub facilitator_id: Uuid,
    pub generated: &'a Generated,
    pub open_to: &'a [Uuid],
    pub now: DateTime<Utc>,
}

/// Writes the series and one session per occurrence (each open to the
/// same authorities, keeping its occurrence's start); the sessions' ids.
pub async fn insert(db: &impl ConnectionTrait, new: NewSeries<'_>) -> AppResult<Vec<Uuid>> {
    let s = &new.generated.series;
    exec(
        db,
        "INSERT INTO training_series (id, course_id, rrule, first_starts_at, time_zone, \
         duration_minutes, capacity, facilitator_person_id, online_link, venue, \
         booking_opens_days_before, booking_closes_hours_before, version, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13)",
        vec![
            new.id.into(),
            new.course_id.into(),
            s.rrule.clone().into(),
            new.generated.first_starts_at.into(),
            s.time_zone.clone().into(),
            s.duration_minutes.into(),
            s.capacity.into(),
            new.facilitator_id.into(),
            s.online_link.clone().into(),
            s.venue.clone().into(),
            s.booking_opens_days_before.into(),
            s.booking_closes_hours_before.into(),
            new.now.into(),
        ],
    )
    .await?;
    let mut ids = Vec::with_capacity(new.generated.sittings.len());
    for sitting in &new.generated.sittings {
        let id = Uuid::now_v7();
        catalogue::insert_session(
            db,
            NewSession {
                id,
                course_id: new.course_id,
                session: sitting,
                facilitator_id: new.facilitator_id,
                open_to: new.open_to,
                occurrence: Some((new.id, sitting.starts_at)),
                now: new.now,
            },
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}
