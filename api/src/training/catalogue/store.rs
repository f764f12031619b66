//! SQL for courses, sessions and the authorities a session is open to
//! (`training_courses`, `training_sessions`, `training_session_authorities`).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{Course, Session};
use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get},
    error::AppResult,
    paging::PageRequest,
    training::access::{Audience, audience_codes, parse_audience},
};

crate::stored_enum! {
    /// Whether a session goes ahead.
    SessionState as "TrainingSessionState" {
        Scheduled = "scheduled",
        Cancelled = "cancelled",
    }
}

/// A course as stored.
#[derive(Debug, Clone)]
pub struct CourseRow {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub course: Course,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// A session as stored, with its course and what the catalogue shows of
/// it: places taken, people waiting, and whether the viewer holds a place.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: Uuid,
    pub course: CourseRow,
    pub session: Session,
    pub facilitator_id: Uuid,
    pub state: SessionState,
    pub places_taken: i32,
    pub waiting: i64,
    pub booked_by_viewer: bool,
    /// The series it is an occurrence of, if any.
    pub series_id: Option<Uuid>,
    /// As an occurrence of its series, its original start.
    pub occurrence_starts_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl SessionRow {
    /// Places still free (none when capacity was lowered below those taken).
    pub fn places_left(&self) -> i32 {
        (self.session.capacity - self.places_taken).max(0)
    }
}

const COURSE_COLUMNS: &str = "c.id AS course_id, c.provider_organisation_id, c.title, \
    c.description, c.audience, c.accessibility_notes, c.booking_policy, \
    c.cancellation_cutoff_hours, c.version AS course_version, c.updated_at AS course_updated_at";

fn course_row(r: &QueryResult) -> AppResult<CourseRow> {
    Ok(CourseRow {
        id: get(r, "course_id")?,
        provider_id: get(r, "provider_organisation_id")?,
        course: Course {
            title: get(r, "title")?,
            description: get(r, "description")?,
            audience: parse_audience(&get::<String>(r, "audience")?)?,
            accessibility_notes: get(r, "accessibility_notes")?,
            booking_policy: get(r, "booking_policy")?,
            cancellation_cutoff_hours: get(r, "cancellation_cutoff_hours")?,
        },
        version: get(r, "course_version")?,
        updated_at: get(r, "course_updated_at")?,
    })
}

/// The select list and joins of a session read; `$1` is the viewer's
/// person (or NULL).
fn session_select() -> String {
    format!(
        "SELECT s.id, s.starts_at, s.ends_at, s.time_zone, s.online_link, s.venue, s.capacity, \
         s.facilitator_person_id, s.booking_opens_at, s.booking_closes_at, s.state, \
         s.places_taken, s.version, s.updated_at, s.series_id, \
         s.occurrence_starts_at, {COURSE_COLUMNS}, \
         (SELECT COUNT(*) FROM training_bookings w WHERE w.session_id = s.id \
          AND w.state = 'waitlisted') AS waiting, \
         (SELECT COUNT(*) FROM training_bookings m WHERE m.session_id = s.id \
          AND m.person_id = $1 AND m.state = 'booked') AS mine \
         FROM training_sessions s JOIN training_courses c ON c.id = s.course_id"
    )
}

pub(in crate::training) fn session_row(r: &QueryResult) -> AppResult<SessionRow> {
    Ok(SessionRow {
        id: get(r, "id")?,
        course: course_row(r)?,
        session: Session {
            starts_at: get(r, "starts_at")?,
            ends_at: get(r, "ends_at")?,
            time_zone: get(r, "time_zone")?,
            online_link: get(r, "online_link")?,
            venue: get(r, "venue")?,
            capacity: get(r, "capacity")?,
            booking_opens_at: get(r, "booking_opens_at")?,
            booking_closes_at: get(r, "booking_closes_at")?,
        },
        facilitator_id: get(r, "facilitator_person_id")?,
        state: SessionState::parse(&get::<String>(r, "state")?)?,
        places_taken: get(r, "places_taken")?,
        waiting: get(r, "waiting")?,
        booked_by_viewer: get::<i64>(r, "mine")? > 0,
        series_id: get(r, "series_id")?,
        occurrence_starts_at: get(r, "occurrence_starts_at")?,
        version: get(r, "version")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A course's columns as parameters `$1` to `$10`, in the order
/// [`insert_course`] and [`update_course`] name them.
fn course_values(row: &CourseRow) -> Vec<Value> {
    let c = &row.course;
    vec![
        row.id.into(),
        row.provider_id.into(),
        c.title.clone().into(),
        c.description.clone().into(),
        audience_codes(&c.audience).into(),
        c.accessibility_notes.clone().into(),
        c.booking_policy.clone().into(),
        c.cancellation_cutoff_hours.into(),
        row.version.into(),
        row.updated_at.into(),
    ]
}

pub async fn insert_course(db: &impl ConnectionTrait, row: &CourseRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO training_courses (id, provider_organisation_id, title, description, \
         audience, accessibility_notes, booking_policy, cancellation_cutoff_hours, version, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        course_values(row),
    )
    .await?;
    Ok(())
}

/// Writes a course's fields at its next version (its provider never
/// changes).
pub async fn update_course(db: &impl ConnectionTrait, row: &CourseRow) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_courses SET title = $3, description = $4, audience = $5, \
         accessibility_notes = $6, booking_policy = $7, cancellation_cutoff_hours = $8, \
         version = $9, updated_at = $10 WHERE id = $1 AND provider_organisation_id = $2",
        course_values(row),
    )
    .await?;
    Ok(())
}

pub async fn course(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<CourseRow>> {
    let rows = query(
        db,
        &format!("SELECT {COURSE_COLUMNS} FROM training_courses c WHERE c.id = $1"),
        vec![id.into()],
    )
    .await?;
    first(rows, course_row)
}

/// A new session: its row and the authorities it is open to.
pub struct NewSession<'a> {
    pub id: Uuid,
    pub course_id: Uuid,
    pub session: &'a Session,
    pub facilitator_id: Uuid,
    pub open_to: &'a [Uuid],
    /// The series it is an occurrence of, and that occurrence's original
    /// start (kept when the session is moved).
    pub occurrence: Option<(Uuid, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
}

pub async fn insert_session(db: &impl ConnectionTrait, new: NewSession<'_>) -> AppResult<()> {
    let s = new.session;
    exec(
        db,
        "INSERT INTO training_sessions (id, course_id, starts_at, ends_at, time_zone, \
         online_link, venue, capacity, facilitator_person_id, booking_opens_at, \
         booking_closes_at, state, places_taken, waitlist_seq, version, created_at, updated_at, \
         series_id, occurrence_starts_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         'scheduled', 0, 0, 1, $12, $12, $13, $14)",
        vec![
            new.id.into(),
            new.course_id.into(),
            s.starts_at.into(),
            s.ends_at.into(),
            s.time_zone.clone().into(),
            s.online_link.clone().into(),
            s.venue.clone().into(),
            s.capacity.into(),
            new.facilitator_id.into(),
            s.booking_opens_at.into(),
            s.booking_closes_at.into(),
            new.now.into(),
            new.occurrence.map(|(series, _)| series).into(),
            new.occurrence.map(|(_, at)| at).into(),
        ],
    )
    .await?;
    for la in new.open_to {
        exec(
            db,
            "INSERT INTO training_session_authorities (session_id, local_authority_id) \
             VALUES ($1, $2)",
            vec![new.id.into(), (*la).into()],
        )
        .await?;
    }
    Ok(())
}

/// One session, as `viewer` (a person, or none) sees its counts.
pub async fn session(
    db: &impl ConnectionTrait,
    id: Uuid,
    viewer: Option<Uuid>,
) -> AppResult<Option<SessionRow>> {
    let rows = query(
        db,
        &format!("{} WHERE s.id = $2", session_select()),
        vec![viewer.into(), id.into()],
    )
    .await?;
    first(rows, session_row)
}

/// The authorities a session is open to (empty: all).
pub async fn open_to(db: &impl ConnectionTrait, session: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT local_authority_id FROM training_session_authorities WHERE session_id = $1 \
         ORDER BY local_authority_id",
        vec![session.into()],
    )
    .await?;
    all(rows, |r| get(r, "local_authority_id"))
}

/// What the catalogue is filtered by.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub audience: Option<Audience>,
    pub authority: Option<Uuid>,
    pub online: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub text: Option<String>,
}

/// Who is looking: their person, the audiences and authorities they
/// belong to (`None`: they see every audience and authority), and the
/// providers whose sessions they manage (they see all of those).
pub struct Looking {
    pub person: Option<Uuid>,
    pub audiences: Option<Vec<Audience>>,
    pub authorities: Option<Vec<Uuid>>,
    pub providers: Vec<Uuid>,
    /// A facilitator sees the sessions they facilitate.
    pub facilitator: Option<Uuid>,
}

/// A page of upcoming scheduled sessions, soonest first (key:
/// `starts_at|id`).
pub async fn upcoming(
    db: &impl ConnectionTrait,
    looking: &Looking,
    filter: &Filter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> AppResult<Vec<SessionRow>> {
    let mut params: Vec<Value> = vec![looking.person.into(), now.into()];
    let mut clauses = vec![
        "s.state = 'scheduled'".to_string(),
        "s.starts_at > $2".into(),
    ];
    let mut reach = Vec::new();
    if let Some(audiences) = &looking.audiences {
        let any: Vec<String> = audiences
            .iter()
            .map(|a| {
                let p = push(format!("%,{},%", a.as_str()).into(), &mut params);
                format!("(',' || c.audience || ',') LIKE {p}")
            })
            .collect();
        let mut open = if any.is_empty() {
            "FALSE".to_string()
        } else {
            format!("({})", any.join(" OR "))
        };
        if let Some(authorities) = &looking.authorities {
            let list: Vec<String> = authorities
                .iter()
                .map(|la| push((*la).into(), &mut params))
                .collect();
            let within = if list.is_empty() {
                String::new()
            } else {
                format!(
                    " OR EXISTS (SELECT 1 FROM training_session_authorities t \
                     WHERE t.session_id = s.id AND t.local_authority_id IN ({}))",
                    list.join(", ")
                )
            };
            open = format!(
                "({open} AND (NOT EXISTS (SELECT 1 FROM training_session_authorities t \
                 WHERE t.session_id = s.id){within}))"
            );
        }
        reach.push(open);
    } else {
        reach.push("TRUE".into());
    }
    for provider in &looking.providers {
        let p = push((*provider).into(), &mut params);
        reach.push(format!("c.provider_organisation_id = {p}"));
    }
    if let Some(me) = looking.facilitator {
        let p = push(me.into(), &mut params);
        reach.push(format!("s.facilitator_person_id = {p}"));
    }
    clauses.push(format!("({})", reach.join(" OR ")));
    if let Some(a) = filter.audience {
        let p = push(format!("%,{},%", a.as_str()).into(), &mut params);
        clauses.push(format!("(',' || c.audience || ',') LIKE {p}"));
    }
    if let Some(la) = filter.authority {
        let p = push(la.into(), &mut params);
        clauses.push(format!(
            "(NOT EXISTS (SELECT 1 FROM training_session_authorities t WHERE t.session_id = s.id) \
             OR EXISTS (SELECT 1 FROM training_session_authorities t WHERE t.session_id = s.id \
             AND t.local_authority_id = {p}))"
        ));
    }
    match filter.online {
        Some(true) => clauses.push("s.online_link IS NOT NULL".into()),
        Some(false) => clauses.push("s.online_link IS NULL".into()),
        None => {}
    }
    if let Some(from) = filter.from {
        let p = push(from.into(), &mut params);
        clauses.push(format!("s.starts_at >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = push(to.into(), &mut params);
        clauses.push(format!("s.starts_at < {p}"));
    }
    if let Some(text) = &filter.text {
        let escaped = text.to_lowercase().replace(['%', '_', '\\'], "");
        let p = push(format!("%{escaped}%").into(), &mut params);
        clauses.push(format!(
            "(LOWER(c.title) LIKE {p} OR LOWER(c.description) LIKE {p})"
        ));
    }
    by_start(db, clauses, params, page).await
}

/// A page of the sessions run by `providers` (their coordinators see all
/// of them) or facilitated by `facilitator`, in any state, past and
/// future, starting in `[from, to)` when given, by start (key:
/// `starts_at|id`).
pub async fn run_by(
    db: &impl ConnectionTrait,
    providers: &[Uuid],
    facilitator: Option<Uuid>,
    (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    page: &PageRequest,
) -> AppResult<Vec<SessionRow>> {
    let mut params: Vec<Value> = vec![Value::Uuid(None)];
    let mut reach: Vec<String> = providers
        .iter()
        .map(|p| {
            format!(
                "c.provider_organisation_id = {}",
                push((*p).into(), &mut params)
            )
        })
        .collect();
    if let Some(me) = facilitator {
        reach.push(format!(
            "s.facilitator_person_id = {}",
            push(me.into(), &mut params)
        ));
    }
    if reach.is_empty() {
        return Ok(Vec::new());
    }
    let mut clauses = vec![format!("({})", reach.join(" OR "))];
    if let Some(from) = from {
        clauses.push(format!("s.starts_at >= {}", push(from.into(), &mut params)));
    }
    if let Some(to) = to {
        clauses.push(format!("s.starts_at < {}", push(to.into(), &mut params)));
    }
    by_start(db, clauses, params, page).await
}

/// The page of sessions matching every clause (with their `params`), by
/// start time, after the page's cursor.
async fn by_start(
    db: &impl ConnectionTrait,
    mut clauses: Vec<String>,
    mut params: Vec<Value>,
    page: &PageRequest,
) -> AppResult<Vec<SessionRow>> {
    if let Some((at, id)) = after_key(page)? {
        let a = push(at.into(), &mut params);
        let i = push(id.into(), &mut params);
        clauses.push(format!(
            "(s.starts_at > {a} OR (s.starts_at = {a} AND s.id > {i}))"
        ));
    }
    let limit = push(page.sql_limit().into(), &mut params);
    let sql = format!(
        "{} WHERE {} ORDER BY s.starts_at, s.id LIMIT {limit}",
        session_select(),
        clauses.join(" AND ")
    );
    let rows = query(db, &sql, params).await?;
    all(rows, session_row)
}

/// The `time|id` key a page starts after, if any.
fn after_key(page: &PageRequest) -> AppResult<Option<(DateTime<Utc>, Uuid)>> {
    page.after
        .as_deref()
        .map(|after| {
            after
                .split_once('|')
                .and_then(|(at, id)| {
                    Some((at.parse::<DateTime<Utc>>().ok()?, id.parse::<Uuid>().ok()?))
                })
                .ok_or_else(|| {
                    crate::error::AppError::bad_input("after", "is not a cursor from this list")
                })
        })
        .transpose()
}

/// Adds a parameter; returns its placeholder.
fn push(v: Value, params: &mut Vec<Value>) -> String {
    params.push(v);
    format!("${}", params.len())
}

/// A session's key in the catalogue's cursor.
pub fn session_key(row: &SessionRow) -> String {
    format!("{}|{}", row.session.starts_at.to_rfc3339(), row.id)
}

/// These sessions, as `viewer` (a person, or none) sees their counts.
pub async fn sessions(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    viewer: Option<Uuid>,
) -> AppResult<Vec<SessionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut params: Vec<Value> = vec![viewer.into()];
    let list: Vec<String> = ids
        .iter()
        .map(|id| push((*id).into(), &mut params))
        .collect();
    let rows = query(
        db,
        &format!("{} WHERE s.id IN ({})", session_select(), list.join(", ")),
        params,
    )
    .await?;
    all(rows, session_row)
}

/// A page of a series' occurrences in the order they recur (key:
/// `occurrence_starts_at|id`), as `viewer` sees their counts.
pub async fn occurrences(
    db: &impl ConnectionTrait,
    series: Uuid,
    viewer: Option<Uuid>,
    page: &PageRequest,
) -> AppResult<Vec<SessionRow>> {
    let mut params: Vec<Value> = vec![viewer.into(), series.into()];
    let mut clauses = vec!["s.series_id = $2".to_string()];
    if let Some((at, id)) = after_key(page)? {
        let a = push(at.into(), &mut params);
        let i = push(id.into(), &mut params);
        clauses.push(format!(
            "(s.occurrence_starts_at > {a} OR (s.occurrence_starts_at = {a} AND s.id > {i}))"
        ));
    }
    let limit = push(page.sql_limit().into(), &mut params);
    let sql = format!(
        "{} WHERE {} ORDER BY s.occurrence_starts_at, s.id LIMIT {limit}",
        session_select(),
        clauses.join(" AND ")
    );
    all(query(db, &sql, params).await?, session_row)
}

/// An occurrence's key in its series' cursor.
pub fn occurrence_key(row: &SessionRow) -> String {
    let at = row.occurrence_starts_at.unwrap_or(row.session.starts_at);
    format!("{}|{}", at.to_rfc3339(), row.id)
}

/// Whether the provider has any course (the demo loads once).
pub async fn provider_has_courses(db: &impl ConnectionTrait, provider: Uuid) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT 1 AS found FROM training_courses WHERE provider_organisation_id = $1 LIMIT 1",
        vec![provider.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}
