//! SQL for advocacy requests: the request (status, never content), its
//! details (the content, in a table of its own so that a status read
//! cannot touch it) and its timeline.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{
    AdvocacyKind, CommunicationNeed, ContactMethod, Decision, EligibilityGroup, KnowsChildBest,
    Relationship, Subject, Urgency,
};
use crate::advocacy::{
    lifecycle::model::{AdvocacyOutcome, AdvocacyState, DeclineReason},
    timescales::model::TimescaleState,
};
use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get, grouped, json},
    error::{AppError, AppResult},
    identity::directory::person_name_and_birth_columns_sql,
    paging::PageRequest,
    policy::Target,
};

/// A request as everyone with a part in it may see it, with the child's
/// names and date of birth.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub provider_id: Uuid,
    pub kind: AdvocacyKind,
    pub state: AdvocacyState,
    pub urgency: Urgency,
    pub referrer_person_id: Uuid,
    pub referrer_relationship: Relationship,
    pub referrer_told_progress: bool,
    pub advocate_person_id: Option<Uuid>,
    pub decline_reason: Option<DeclineReason>,
    pub outcome: Option<AdvocacyOutcome>,
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

impl RequestRow {
    /// Whose request it is, which authority and provider hold it, and
    /// its advocate: what the policy decides on.
    pub fn target(&self) -> Target {
        Target::provided(
            self.person_id,
            self.local_authority_id,
            self.provider_id,
            self.advocate_person_id,
        )
    }

    /// Whether the referrer may follow the request's progress: a
    /// professional who referred a child who cannot instruct does; anyone
    /// else only where the young person agreed.
    pub fn referrer_follows(&self) -> bool {
        self.kind == AdvocacyKind::NonInstructed || self.referrer_told_progress
    }
}

const COLUMNS: &str = "r.id, r.person_id, r.local_authority_id, r.provider_id, r.kind, r.state, \
     r.urgency, r.referrer_person_id, r.referrer_relationship, r.referrer_told_progress, \
     r.advocate_person_id, r.decline_reason, r.outcome, r.version, r.submitted_at, r.triaged_at, \
     r.assigned_at, r.first_contact_at, r.ended_at, r.last_activity_at, r.updated_at";

fn select() -> String {
    format!(
        "SELECT {COLUMNS}, {} FROM advocacy_requests r",
        person_name_and_birth_columns_sql("r.person_id")
    )
}

fn request_row(r: &QueryResult) -> AppResult<RequestRow> {
    let code = |col: &str| get::<Option<String>>(r, col);
    Ok(RequestRow {
        id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        provider_id: get(r, "provider_id")?,
        kind: AdvocacyKind::parse(&get::<String>(r, "kind")?)?,
        state: AdvocacyState::parse(&get::<String>(r, "state")?)?,
        urgency: Urgency::parse(&get::<String>(r, "urgency")?)?,
        referrer_person_id: get(r, "referrer_person_id")?,
        referrer_relationship: Relationship::parse(&get::<String>(r, "referrer_relationship")?)?,
        referrer_told_progress: get(r, "referrer_told_progress")?,
        advocate_person_id: get(r, "advocate_person_id")?,
        decline_reason: code("decline_reason")?
            .map(|c| DeclineReason::parse(&c))
            .transpose()?,
        outcome: code("outcome")?
            .map(|c| AdvocacyOutcome::parse(&c))
            .transpose()?,
        version: get(r, "version")?,
        submitted_at: get(r, "submitted_at")?,
        triaged_at: get(r, "triaged_at")?,
        assigned_at: get(r, "assigned_at")?,
        first_contact_at: get(r, "first_contact_at")?,
        ended_at: get(r, "ended_at")?,
        last_activity_at: get(r, "last_activity_at")?,
        updated_at: get(r, "updated_at")?,
        given_name: get(r, "given_name")?,
        family_name: get(r, "family_name")?,
        date_of_birth: get(r, "date_of_birth")?,
    })
}

pub async fn request(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<RequestRow>> {
    let rows = query(
        db,
        &format!("{} WHERE r.id = $1", select()),
        vec![id.into()],
    )
    .await?;
    first(rows, request_row)
}

/// Whether the provider holds any request for the authority.
pub async fn provider_holds_any(
    db: &impl ConnectionTrait,
    la: Uuid,
    provider: Uuid,
) -> AppResult<bool> {
    let rows = query(
        db,
        "SELECT 1 AS found FROM advocacy_requests WHERE local_authority_id = $1 AND provider_id = $2 \
         LIMIT 1",
        vec![la.into(), provider.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// An authority's requests made in `[from, to)` (held by any of
/// `providers`, or by any provider when empty), oldest first: the
/// commissioner's report.
pub async fn submitted_between(
    db: &impl ConnectionTrait,
    la: Uuid,
    providers: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> AppResult<Vec<RequestRow>> {
    let mut params: Vec<Value> = vec![la.into(), from.into(), to.into()];
    let mut sql = format!(
        "{} WHERE r.local_authority_id = $1 AND r.submitted_at >= $2 AND r.submitted_at < $3",
        select()
    );
    if !providers.is_empty() {
        let list: Vec<String> = providers
            .iter()
            .map(|p| {
                params.push((*p).into());
                format!("${}", params.len())
            })
            .collect();
        sql.push_str(&format!(" AND r.provider_id IN ({})", list.join(", ")));
    }
    sql.push_str(" ORDER BY r.submitted_at, r.id");
    all(query(db, &sql, params).await?, request_row)
}

/// Which requests a list shows: `within` is the viewer's reach as SQL
/// over `r.` columns (from the policy's scope), with its parameters.
pub struct ListFilter {
    pub within: String,
    pub params: Vec<Value>,
    pub states: Vec<AdvocacyState>,
    pub kind: Option<AdvocacyKind>,
    pub local_authority: Option<Uuid>,
    pub unassigned: bool,
    /// Only requests with a timescale in one of these states now.
    pub timescale_states: Vec<TimescaleState>,
    pub newest_first: bool,
}

/// A page of requests (keyset by id: ids are time-ordered, so this is the
/// order they were submitted in).
pub async fn page(
    db: &impl ConnectionTrait,
    filter: ListFilter,
    page: &PageRequest,
) -> AppResult<Vec<RequestRow>> {
    let ListFilter {
        within,
        mut params,
        states,
        kind,
        local_authority,
        unassigned,
        timescale_states,
        newest_first,
    } = filter;
    let mut sql = format!("{} WHERE {within}", select());
    let bind = |value: Value, params: &mut Vec<Value>| {
        params.push(value);
        format!("${}", params.len())
    };
    if !states.is_empty() {
        let list: Vec<String> = states
            .iter()
            .map(|s| bind(s.as_str().into(), &mut params))
            .collect();
        sql.push_str(&format!(" AND r.state IN ({})", list.join(", ")));
    }
    if let Some(kind) = kind {
        let p = bind(kind.as_str().into(), &mut params);
        sql.push_str(&format!(" AND r.kind = {p}"));
    }
    if let Some(la) = local_authority {
        let p = bind(la.into(), &mut params);
        sql.push_str(&format!(" AND r.local_authority_id = {p}"));
    }
    if unassigned {
        sql.push_str(" AND r.advocate_person_id IS NULL");
    }
    if !timescale_states.is_empty() {
        let now = bind(Utc::now().into(), &mut params);
        let any: Vec<String> = timescale_states
            .iter()
            .map(|state| clock_in(*state, &now))
            .collect();
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM advocacy_request_timescales t \
             WHERE t.request_id = r.id AND ({}))",
            any.join(" OR ")
        ));
    }
    let (op, direction) = if newest_first {
        ("<", " DESC")
    } else {
        (">", "")
    };
    if let Some(after) = page.after_key::<Uuid>()? {
        let p = bind(after.into(), &mut params);
        sql.push_str(&format!(" AND r.id {op} {p}"));
    }
    let limit = bind(page.sql_limit().into(), &mut params);
    sql.push_str(&format!(" ORDER BY r.id{direction} LIMIT {limit}"));
    all(query(db, &sql, params).await?, request_row)
}

/// SQL over a clock `t` for "in `state` at `now`" (a bound parameter),
/// as `Clock::state` decides it.
fn clock_in(state: TimescaleState, now: &str) -> String {
    const RUNNING: &str = "t.met_at IS NULL AND t.stopped_at IS NULL";
    match state {
        TimescaleState::Pending => format!("{RUNNING} AND t.at_risk_at > {now}"),
        TimescaleState::AtRisk => {
            format!("{RUNNING} AND t.at_risk_at <= {now} AND t.due_at >= {now}")
        }
        TimescaleState::Met => "t.met_at <= t.due_at".to_string(),
        TimescaleState::Breached => format!("t.due_at < COALESCE(t.met_at, t.stopped_at, {now})"),
        TimescaleState::Stopped => {
            "t.met_at IS NULL AND t.stopped_at IS NOT NULL AND t.stopped_at <= t.due_at".to_string()
        }
    }
}

/// A new request's own columns.
pub struct NewRequest {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub provider_id: Uuid,
    pub kind: AdvocacyKind,
    pub urgency: Urgency,
    pub referrer_person_id: Uuid,
    pub referrer_relationship: Relationship,
    pub referrer_told_progress: bool,
    pub at: DateTime<Utc>,
}

pub async fn insert(db: &impl ConnectionTrait, new: &NewRequest) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO advocacy_requests (id, person_id, local_authority_id, provider_id, kind, \
         state, urgency, referrer_person_id, referrer_relationship, referrer_told_progress, \
         version, submitted_at, last_activity_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $11)",
        vec![
            new.id.into(),
            new.person_id.into(),
            new.local_authority_id.into(),
            new.provider_id.into(),
            new.kind.as_str().into(),
            AdvocacyState::Submitted.as_str().into(),
            new.urgency.as_str().into(),
            new.referrer_person_id.into(),
            new.referrer_relationship.as_str().into(),
            new.referrer_told_progress.into(),
            new.at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Writes `row`'s changeable columns back as version `row.version + 1`,
/// if the stored version is still `row.version`. `false` when another
/// change came first.
pub async fn save(
    db: &impl ConnectionTrait,
    row: &RequestRow,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE advocacy_requests SET kind = $3, state = $4, advocate_person_id = $5, \
         decline_reason = $6, outcome = $7, triaged_at = $8, assigned_at = $9, \
         first_contact_at = $10, ended_at = $11, last_activity_at = $12, updated_at = $12, \
         version = version + 1 WHERE id = $1 AND version = $2",
        vec![
            row.id.into(),
            row.version.into(),
            row.kind.as_str().into(),
            row.state.as_str().into(),
            row.advocate_person_id.into(),
            row.decline_reason.map(DeclineReason::as_str).into(),
            row.outcome.map(AdvocacyOutcome::as_str).into(),
            row.triaged_at.into(),
            row.assigned_at.into(),
            row.first_contact_at.into(),
            row.ended_at.into(),
            at.into(),
        ],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a request says: only its advocates, their provider's managers
/// and the young person themselves read this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailsRow {
    pub request_id: Uuid,
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    pub in_their_words: Option<String>,
    pub contact_methods: Vec<ContactMethod>,
    pub contact_times: Option<String>,
    pub communication_needs: Vec<CommunicationNeed>,
    pub language: Option<String>,
    pub interpreter_needed: bool,
    pub why_not_instructed: Option<String>,
    pub knows_child_best: Option<KnowsChildBest>,
    pub upcoming_decisions: Vec<Decision>,
    pub referral_basis: Option<String>,
    pub what_changed: Option<String>,
    pub child_view: Option<String>,
}

const DETAILS: &str = "SELECT request_id, subject, eligibility_groups, in_their_words, \
     contact_methods, contact_times, communication_needs, language, interpreter_needed, \
     why_not_instructed, knows_child_best, upcoming_decisions, referral_basis, what_changed, \
     child_view FROM advocacy_request_details";

fn details_row(r: &QueryResult) -> AppResult<DetailsRow> {
    Ok(DetailsRow {
        request_id: get(r, "request_id")?,
        subject: Subject::parse(&get::<String>(r, "subject")?)?,
        eligibility: EligibilityGroup::parse_set(&get::<String>(r, "eligibility_groups")?)?,
        in_their_words: get(r, "in_their_words")?,
        contact_methods: ContactMethod::parse_set(&get::<String>(r, "contact_methods")?)?,
        contact_times: get(r, "contact_times")?,
        communication_needs: CommunicationNeed::parse_set(&get::<String>(
            r,
            "communication_needs",
        )?)?,
        language: get(r, "language")?,
        interpreter_needed: get(r, "interpreter_needed")?,
        why_not_instructed: get(r, "why_not_instructed")?,
        knows_child_best: json(r, "knows_child_best")?,
        upcoming_decisions: json(r, "upcoming_decisions")?,
        referral_basis: get(r, "referral_basis")?,
        what_changed: get(r, "what_changed")?,
        child_view: get(r, "child_view")?,
    })
}

/// The details of these requests, by request (one statement per 500).
pub async fn details(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, DetailsRow>> {
    let grouped = grouped(
        db,
        DETAILS,
        "request_id",
        "",
        "request_id",
        ids,
        details_row,
        |d| d.request_id,
    )
    .await?;
    Ok(grouped
        .into_iter()
        .filter_map(|(id, mut rows)| rows.pop().map(|d| (id, d)))
        .collect())
}

/// The details of a request that exists (every request has them: a
/// missing row is a data bug, `INTERNAL`).
pub async fn details_of(db: &impl ConnectionTrait, id: Uuid) -> AppResult<DetailsRow> {
    details(db, &[id])
        .await?
        .remove(&id)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("request {id} has no details")))
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// Writes a request's details (a new request, or a change of kind that
/// rewrites what it says).
pub async fn save_details(
    db: &impl ConnectionTrait,
    d: &DetailsRow,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let params: Vec<Value> = vec![
        d.request_id.into(),
        d.subject.as_str().into(),
        EligibilityGroup::join(&d.eligibility).into(),
        d.in_their_words.clone().into(),
        ContactMethod::join(&d.contact_methods).into(),
        d.contact_times.clone().into(),
        CommunicationNeed::join(&d.communication_needs).into(),
        d.language.clone().into(),
        d.interpreter_needed.into(),
        d.why_not_instructed.clone().into(),
        d.knows_child_best.as_ref().map(to_json).transpose()?.into(),
        to_json(&d.upcoming_decisions)?.into(),
        d.referral_basis.clone().into(),
        d.what_changed.clone().into(),
        d.child_view.clone().into(),
        at.into(),
    ];
    exec(
        db,
        "DELETE FROM advocacy_request_details WHERE request_id = $1",
        vec![d.request_id.into()],
    )
    .await?;
    exec(
        db,
        "INSERT INTO advocacy_request_details (request_id, subject, eligibility_groups, \
         in_their_words, contact_methods, contact_times, communication_needs, language, \
         interpreter_needed, why_not_instructed, knows_child_best, upcoming_decisions, \
         referral_basis, what_changed, child_view, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        params,
    )
    .await?;
    Ok(())
}

crate::stored_enum! {
    /// What happened to a request, in its timeline.
    AdvocacyEventType as "AdvocacyEventType" {
        Submitted = "submitted",
        Accepted = "accepted",
        Declined = "declined",
        Assigned = "assigned",
        Reassigned = "reassigned",
        FirstContactMade = "first_contact_made",
        InProgress = "in_progress",
        Closed = "closed",
        Withdrawn = "withdrawn",
        KindChanged = "kind_changed",
        /// The advocate added a record (a visit, a contact, a
        /// representation, a meeting, an outcome); never its content.
        RecordAdded = "record_added",
    }
}

/// One entry of a request's timeline: the change that made a version.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub request_id: Uuid,
    pub version: i32,
    pub at: DateTime<Utc>,
    pub actor_person_id: Option<Uuid>,
    pub event: AdvocacyEventType,
    pub state: AdvocacyState,
    pub kind: AdvocacyKind,
    pub advocate_person_id: Option<Uuid>,
    /// The reason's code (a decline reason, a withdrawal's reason).
    pub reason: Option<String>,
    /// Words with the change (content: the advocates' side only).
    pub note: Option<String>,
}

pub async fn insert_event(db: &impl ConnectionTrait, e: &EventRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO advocacy_request_events (request_id, version, at, actor_person_id, event, \
         state, kind, advocate_person_id, reason, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        vec![
            e.request_id.into(),
            e.version.into(),
            e.at.into(),
            e.actor_person_id.into(),
            e.event.as_str().into(),
            e.state.as_str().into(),
            e.kind.as_str().into(),
            e.advocate_person_id.into(),
            e.reason.clone().into(),
            e.note.clone().into(),
        ],
    )
    .await?;
    Ok(())
}

const EVENTS: &str = "SELECT request_id, version, at, actor_person_id, event, state, kind, \
     advocate_person_id, reason, note FROM advocacy_request_events";

fn event_row(r: &QueryResult) -> AppResult<EventRow> {
    Ok(EventRow {
        request_id: get(r, "request_id")?,
        version: get(r, "version")?,
        at: get(r, "at")?,
        actor_person_id: get(r, "actor_person_id")?,
        event: AdvocacyEventType::parse(&get::<String>(r, "event")?)?,
        state: AdvocacyState::parse(&get::<String>(r, "state")?)?,
        kind: AdvocacyKind::parse(&get::<String>(r, "kind")?)?,
        advocate_person_id: get(r, "advocate_person_id")?,
        reason: get(r, "reason")?,
        note: get(r, "note")?,
    })
}

/// The timelines of these requests, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<EventRow>>> {
    grouped(
        db,
        EVENTS,
        "request_id",
        "",
        "request_id, version",
        ids,
        event_row,
        |e| e.request_id,
    )
    .await
}

/// Something was added to the request (a record) without changing its
/// lifecycle: its last activity is `at`, and it moves to the next version
/// (its timeline has one entry per version), if the stored version is
/// still `version`. `false` when another change came first.
pub async fn touch_activity(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    version: i32,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let done = exec(
        db,
        "UPDATE advocacy_requests SET last_activity_at = $3, updated_at = $3, \
         version = version + 1 WHERE id = $1 AND version = $2",
        vec![request_id.into(), version.into(), at.into()],
    )
    .await?;
    Ok(done.rows_affected() == 1)
}
