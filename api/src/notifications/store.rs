//! Queries for notifications, preferences and settings. Every read and
//! change is keyed by the recipient person: there is no query for someone
//! else's inbox.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{self, Channel, Kind};
use crate::{
    db::{
        raw::{exec, query},
        rows,
    },
    error::{AppError, AppResult},
    paging::PageRequest,
};

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: Kind,
    pub urgent: bool,
    pub title: String,
    pub body: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, person_id, kind, urgent, title, body, subject_type, subject_id, \
     created_at, read_at, updated_at";

fn row(r: &QueryResult) -> AppResult<NotificationRow> {
    Ok(NotificationRow {
        id: rows::get(r, "id")?,
        person_id: rows::get(r, "person_id")?,
        kind: Kind::parse(&rows::get::<String>(r, "kind")?)?,
        urgent: rows::get(r, "urgent")?,
        title: rows::get(r, "title")?,
        body: rows::get(r, "body")?,
        subject_type: rows::get(r, "subject_type")?,
        subject_id: rows::get(r, "subject_id")?,
        created_at: rows::get(r, "created_at")?,
        read_at: rows::get(r, "read_at")?,
        updated_at: rows::get(r, "updated_at")?,
    })
}

pub struct NewRow<'a> {
    pub person_id: Uuid,
    pub kind: Kind,
    pub title: &'a str,
    pub body: &'a str,
    pub subject: Option<(&'a str, Uuid)>,
    pub collapse_key: Option<&'a str>,
}

/// Inserts a notification; one with the same collapse key for the same
/// person is replaced (its pending deliveries then find nothing to send).
pub async fn insert(db: &impl ConnectionTrait, new: &NewRow<'_>) -> AppResult<Uuid> {
    if let Some(key) = new.collapse_key {
        exec(
            db,
            "DELETE FROM notifications WHERE person_id = $1 AND collapse_key = $2",
            vec![new.person_id.into(), key.into()],
        )
        .await?;
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO notifications (id, person_id, kind, urgent, title, body, subject_type, \
         subject_id, collapse_key, created_at, read_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $10)",
        vec![
            id.into(),
            new.person_id.into(),
            new.kind.as_str().into(),
            new.kind.urgent().into(),
            new.title.into(),
            new.body.into(),
            new.subject.map(|(t, _)| t.to_string()).into(),
            new.subject.map(|(_, id)| id).into(),
            new.collapse_key.map(str::to_string).into(),
            now.into(),
        ],
    )
    .await?;
    Ok(id)
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<NotificationRow>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM notifications WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    rows.first().map(row).transpose()
}

/// One of the person's own notifications.
pub async fn own(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    id: Uuid,
) -> AppResult<Option<NotificationRow>> {
    Ok(get(db, id).await?.filter(|n| n.person_id == person_id))
}

/// The person's notifications, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    page: &PageRequest,
    unread_only: bool,
) -> AppResult<Vec<NotificationRow>> {
    let mut params: Vec<Value> = vec![person_id.into()];
    let mut sql = format!("SELECT {COLUMNS} FROM notifications WHERE person_id = $1");
    if unread_only {
        sql.push_str(" AND read_at IS NULL");
    }
    if let Some(after) = page.after_key::<Uuid>()? {
        params.push(after.into());
        sql.push_str(&format!(" AND id < ${}", params.len()));
    }
    params.push(page.sql_limit().into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", params.len()));
    let rows = query(db, &sql, params).await?;
    rows.iter().map(row).collect()
}

pub async fn unread_count(db: &impl ConnectionTrait, person_id: Uuid) -> AppResult<i64> {
    let rows = query(
        db,
        "SELECT COUNT(*) AS unread FROM notifications WHERE person_id = $1 AND read_at IS NULL",
        vec![person_id.into()],
    )
    .await?;
    Ok(match rows.first() {
        Some(r) => rows::get(r, "unread")?,
        None => 0,
    })
}

/// Marks the person's own notifications read (others' ids are ignored).
pub async fn mark_read(db: &impl ConnectionTrait, person_id: Uuid, ids: &[Uuid]) -> AppResult<u64> {
    let mut marked = 0;
    let now = Utc::now();
    for id in ids {
        marked += exec(
            db,
            "UPDATE notifications SET read_at = $3, updated_at = $3 \
             WHERE id = $1 AND person_id = $2 AND read_at IS NULL",
            vec![(*id).into(), person_id.into(), now.into()],
        )
        .await?
        .rows_affected();
    }
    Ok(marked)
}

pub async fn mark_all_read(db: &impl ConnectionTrait, person_id: Uuid) -> AppResult<u64> {
    let now = Utc::now();
    Ok(exec(
        db,
        "UPDATE notifications SET read_at = $2, updated_at = $2 \
         WHERE person_id = $1 AND read_at IS NULL",
        vec![person_id.into(), now.into()],
    )
    .await?
    .rows_affected())
}

/// The channels a person chose for each kind they have set (others: default).
pub async fn preferences(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> AppResult<Vec<(Kind, Vec<Channel>)>> {
    let rows = query(
        db,
        "SELECT kind, channels FROM notification_preferences WHERE person_id = $1",
        vec![person_id.into()],
    )
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let kind: String = rows::get(r, "kind")?;
        let channels: String = rows::get(r, "channels")?;
        out.push((Kind::parse(&kind)?, model::channels_from_string(&channels)?));
    }
    Ok(out)
}

/// The channels chosen for one kind (the default when never set).
pub async fn chosen_channels(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    kind: Kind,
) -> AppResult<Vec<Channel>> {
    let rows = query(
        db,
        "SELECT channels FROM notification_preferences WHERE person_id = $1 AND kind = $2",
        vec![person_id.into(), kind.as_str().into()],
    )
    .await?;
    Ok(match rows.first() {
        Some(r) => model::channels_from_string(&rows::get::<String>(r, "channels")?)?,
        None => model::DEFAULT_CHANNELS.to_vec(),
    })
}

pub async fn set_preference(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    kind: Kind,
    channels: &[Channel],
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO notification_preferences (person_id, kind, channels, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, kind) \
         DO UPDATE SET channels = excluded.channels, updated_at = excluded.updated_at",
        vec![
            person_id.into(),
            kind.as_str().into(),
            model::channels_to_string(channels).into(),
            Utc::now().into(),
        ],
    )
    .await?;
    Ok(())
}

/// A person's time zone and quiet hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub time_zone: chrono_tz::Tz,
    pub quiet_hours: Option<model::QuietHours>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Stored quiet hours: both ends or neither; anything else is a data bug.
fn stored_quiet_hours(
    start: Option<i32>,
    end: Option<i32>,
) -> AppResult<Option<model::QuietHours>> {
    match (start, end) {
        (None, None) => Ok(None),
        (Some(start), Some(end)) => {
            let (start, end) = (rows::time_at_minute(start)?, rows::time_at_minute(end)?);
            model::QuietHours::new(start, end).map(Some).map_err(|_| {
                AppError::internal(anyhow::anyhow!(
                    "stored quiet hours start and end at the same minute"
                ))
            })
        }
        _ => Err(AppError::internal(anyhow::anyhow!(
            "stored quiet hours have only one end"
        ))),
    }
}

pub async fn settings(db: &impl ConnectionTrait, person_id: Uuid) -> AppResult<Settings> {
    let rows = query(
        db,
        "SELECT time_zone, quiet_start_minute, quiet_end_minute, updated_at \
         FROM notification_settings WHERE person_id = $1",
        vec![person_id.into()],
    )
    .await?;
    let Some(r) = rows.first() else {
        return Ok(Settings {
            time_zone: model::DEFAULT_TIME_ZONE,
            quiet_hours: None,
            updated_at: None,
        });
    };
    let zone: String = rows::get(r, "time_zone")?;
    let time_zone = zone.parse().map_err(|_| {
        AppError::internal(anyhow::anyhow!(
            "stored time zone {zone:?} is not an IANA zone"
        ))
    })?;
    Ok(Settings {
        time_zone,
        quiet_hours: stored_quiet_hours(
            rows::get(r, "quiet_start_minute")?,
            rows::get(r, "quiet_end_minute")?,
        )?,
        updated_at: rows::get(r, "updated_at")?,
    })
}

pub async fn set_settings(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    settings: &Settings,
) -> AppResult<()> {
    let quiet = settings.quiet_hours;
    exec(
        db,
        "INSERT INTO notification_settings (person_id, time_zone, quiet_start_minute, \
         quiet_end_minute, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) \
         DO UPDATE SET time_zone = excluded.time_zone, \
         quiet_start_minute = excluded.quiet_start_minute, \
         quiet_end_minute = excluded.quiet_end_minute, updated_at = excluded.updated_at",
        vec![
            person_id.into(),
            settings.time_zone.name().into(),
            quiet.map(|q| rows::minute_of_day(q.start)).into(),
            quiet.map(|q| rows::minute_of_day(q.end)).into(),
            Utc::now().into(),
        ],
    )
    .await?;
    Ok(())
}
