//! Storage of plans: reads in the viewer's [`Scope`] (a plan by id, a
//! caseload, a person's plan), the app's home in one statement, and the
//! plan's columns and version counter.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{PlanEndReason, PlanStatus};
use crate::staying_close::{
    claims::store::ClaimRow,
    goals::store::{GoalRow, ProgressRow},
    meetings::{self, model::plan_overdue_sql, store::MeetingRow},
};
use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get, json, unique},
    error::{AppError, AppResult},
    identity::directory::{self, WorkerRow},
    paging::PageRequest,
    policy::{Scope, Target},
};

#[derive(Debug, Clone, serde::Serialize)]
pub(in crate::staying_close) struct PlanRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub status: PlanStatus,
    pub end_reason: Option<PlanEndReason>,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub key_worker_id: Option<Uuid>,
    pub personal_adviser_id: Option<Uuid>,
    pub check_in_interval_days: i32,
    pub version: i32,
    pub shared_version: Option<i32>,
    pub next_check_in_due: Option<NaiveDate>,
    pub next_review_due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The workers' contact details, when the query joined them (reads
    /// that show a plan do; changes do not need them).
    #[serde(skip)]
    pub key_worker: Option<WorkerRow>,
    #[serde(skip)]
    pub personal_adviser: Option<WorkerRow>,
}

impl PlanRow {
    pub fn target(&self) -> Target {
        Target::assigned(
            self.person_id,
            self.local_authority_id,
            [self.key_worker_id, self.personal_adviser_id],
        )
    }
}

const PLAN: &str = "SELECT p.id, p.person_id, p.local_authority_id, p.status, p.end_reason, \
     p.start_date, p.planned_end_date, p.key_worker_id, p.personal_adviser_id, \
     p.check_in_interval_days, p.version, p.shared_version, p.next_check_in_due, \
     p.next_review_due, p.created_at, p.updated_at FROM plans p";

/// A plan with its workers' contact details, in one statement: each
/// worker's columns (`kw_*` for the key worker, `pa_*` for the personal
/// adviser) are identity's scalar subqueries
/// ([`directory::worker_contact_columns_sql`]).
fn with_workers_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT p.id, p.person_id, p.local_authority_id, p.status, \
             p.end_reason, p.start_date, p.planned_end_date, p.key_worker_id, p.personal_adviser_id, \
             p.check_in_interval_days, p.version, p.shared_version, p.next_check_in_due, \
             p.next_review_due, p.created_at, p.updated_at, {}, {} FROM plans p",
            directory::worker_contact_columns_sql("p.key_worker_id", "kw"),
            directory::worker_contact_columns_sql("p.personal_adviser_id", "pa"),
        )
    });
    &SQL
}

fn joined_worker(r: &QueryResult, prefix: &str, id: Option<Uuid>) -> AppResult<Option<WorkerRow>> {
    let Some(person_id) = id else {
        return Ok(None);
    };
    let Some(given_name) = get::<Option<String>>(r, &format!("{prefix}_given_name"))? else {
        return Ok(None);
    };
    Ok(Some(WorkerRow {
        person_id,
        given_name,
        family_name: get::<Option<String>>(r, &format!("{prefix}_family_name"))?
            .unwrap_or_default(),
        email: get(r, &format!("{prefix}_email"))?,
        organisation: get(r, &format!("{prefix}_organisation"))?,
    }))
}

fn plan_with_workers(r: &QueryResult) -> AppResult<PlanRow> {
    let mut plan = plan_row(r)?;
    plan.key_worker = joined_worker(r, "kw", plan.key_worker_id)?;
    plan.personal_adviser = joined_worker(r, "pa", plan.personal_adviser_id)?;
    Ok(plan)
}

fn plan_row(r: &QueryResult) -> AppResult<PlanRow> {
    Ok(PlanRow {
        id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        status: PlanStatus::parse(&get::<String>(r, "status")?)?,
        end_reason: get::<Option<String>>(r, "end_reason")?
            .map(|s| PlanEndReason::parse(&s))
            .transpose()?,
        start_date: get(r, "start_date")?,
        planned_end_date: get(r, "planned_end_date")?,
        key_worker_id: get(r, "key_worker_id")?,
        personal_adviser_id: get(r, "personal_adviser_id")?,
        check_in_interval_days: get(r, "check_in_interval_days")?,
        version: get(r, "version")?,
        shared_version: get(r, "shared_version")?,
        next_check_in_due: get(r, "next_check_in_due")?,
        next_review_due: get(r, "next_review_due")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        key_worker: None,
        personal_adviser: None,
    })
}

fn plan_scope(scope: &Scope, params: &mut Vec<Value>) -> Option<String> {
    scope.sql(
        "p.person_id",
        "p.local_authority_id",
        Some(["p.key_worker_id", "p.personal_adviser_id"]),
        params,
    )
}

/// A plan, if the scope reaches it.
pub(super) async fn plan(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> AppResult<Option<PlanRow>> {
    let mut params = vec![id.into()];
    let Some(filter) = plan_scope(scope, &mut params) else {
        return Ok(None);
    };
    let rows = query(
        db,
        &format!("{} WHERE p.id = $1 AND {filter}", with_workers_sql()),
        params,
    )
    .await?;
    first(rows, plan_with_workers)
}

/// A plan the scope reaches on which `person` is the key worker or the
/// personal adviser (the first by id), if any.
pub(super) async fn plan_of_worker(
    db: &impl ConnectionTrait,
    scope: &Scope,
    person: Uuid,
) -> AppResult<Option<PlanRow>> {
    let mut params = vec![person.into()];
    let Some(filter) = plan_scope(scope, &mut params) else {
        return Ok(None);
    };
    let rows = query(
        db,
        &format!(
            "{} WHERE (p.key_worker_id = $1 OR p.personal_adviser_id = $1) AND {filter} \
             ORDER BY p.id LIMIT 1",
            with_workers_sql()
        ),
        params,
    )
    .await?;
    first(rows, plan_with_workers)
}

/// A plan, unscoped (inside a change, after authorisation).
pub(in crate::staying_close) async fn plan_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<PlanRow>> {
    let rows = query(db, &format!("{PLAN} WHERE p.id = $1"), vec![id.into()]).await?;
    first(rows, plan_row)
}

/// The person's current plan: the open one, else the latest ended one.
pub(in crate::staying_close) async fn current_plan(
    db: &impl ConnectionTrait,
    person: Uuid,
) -> AppResult<Option<PlanRow>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE p.person_id = $1 \
             ORDER BY CASE WHEN p.status = 'ended' THEN 1 ELSE 0 END, p.start_date DESC, p.id DESC \
             LIMIT 1",
            with_workers_sql()
        ),
        vec![person.into()],
    )
    .await?;
    first(rows, plan_with_workers)
}

/// Caseload filters.
#[derive(Debug, Clone, Default)]
pub(super) struct CaseloadFilter {
    pub status: Option<PlanStatus>,
    pub overdue_check_in: Option<bool>,
    pub overdue_review: Option<bool>,
    pub local_authority: Option<Uuid>,
    pub today: Option<NaiveDate>,
}

/// Plans in scope, by id.
pub(super) async fn caseload(
    db: &impl ConnectionTrait,
    scope: &Scope,
    page: &PageRequest,
    filter: &CaseloadFilter,
) -> AppResult<Vec<PlanRow>> {
    let mut params: Vec<Value> = Vec::new();
    let Some(scoped) = plan_scope(scope, &mut params) else {
        return Ok(Vec::new());
    };
    let mut sql = format!("{} WHERE {scoped}", with_workers_sql());
    let mut push = |params: &mut Vec<Value>, clause: &str, value: Value| {
        params.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(after) = page.after_key::<Uuid>()? {
        push(&mut params, " AND p.id > ?", after.into());
    }
    if let Some(status) = filter.status {
        push(&mut params, " AND p.status = ?", status.as_str().into());
    }
    if let Some(la) = filter.local_authority {
        push(&mut params, " AND p.local_authority_id = ?", la.into());
    }
    let today = filter.today.unwrap_or_else(crate::clock::today);
    for (wanted, column) in [
        (filter.overdue_check_in, "p.next_check_in_due"),
        (filter.overdue_review, "p.next_review_due"),
    ] {
        let Some(wanted) = wanted else { continue };
        let overdue = plan_overdue_sql("p.status", column, today, &mut params);
        sql.push_str(&if wanted {
            format!(" AND {overdue}")
        } else {
            format!(" AND NOT {overdue}")
        });
    }
    params.push(page.sql_limit().into());
    sql.push_str(&format!(" ORDER BY p.id LIMIT ${}", params.len()));
    all(query(db, &sql, params).await?, plan_with_workers)
}

pub(in crate::staying_close) struct NewPlan {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub status: PlanStatus,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub key_worker_id: Option<Uuid>,
    pub personal_adviser_id: Option<Uuid>,
    pub check_in_interval_days: i32,
    pub next_check_in_due: NaiveDate,
    pub next_review_due: NaiveDate,
}

/// Inserts a plan; `false` when the young person already has an open one.
pub(in crate::staying_close) async fn insert_plan(
    db: &impl ConnectionTrait,
    p: &NewPlan,
) -> AppResult<bool> {
    let now = Utc::now();
    let inserted = exec(
        db,
        "INSERT INTO plans (id, person_id, local_authority_id, status, end_reason, start_date, \
         planned_end_date, key_worker_id, personal_adviser_id, check_in_interval_days, version, \
         shared_version, next_check_in_due, next_review_due, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, 1, NULL, $10, $11, $12, $12)",
        vec![
            p.id.into(),
            p.person_id.into(),
            p.local_authority_id.into(),
            p.status.as_str().into(),
            p.start_date.into(),
            p.planned_end_date.into(),
            p.key_worker_id.into(),
            p.personal_adviser_id.into(),
            p.check_in_interval_days.into(),
            p.next_check_in_due.into(),
            p.next_review_due.into(),
            now.into(),
        ],
    )
    .await;
    unique(inserted)
}

/// Marks a plan changed (for delta sync) without a new version: a comment,
/// a response, a record or a claim about it.
pub(in crate::staying_close) async fn touch(
    db: &impl ConnectionTrait,
    plan: Uuid,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE plans SET updated_at = $2 WHERE id = $1",
        vec![plan.into(), Utc::now().into()],
    )
    .await?;
    Ok(())
}

/// Takes the next version of a plan, serialising changes to it: the
/// update locks the row until the transaction ends. With `expected`, a
/// plan that has moved on is `CONFLICT` carrying the current version.
pub(super) async fn next_version(
    db: &impl ConnectionTrait,
    plan: Uuid,
    expected: Option<i32>,
) -> AppResult<i32> {
    let now = Utc::now();
    let rows = match expected {
        Some(v) => {
            query(
                db,
                "UPDATE plans SET version = version + 1, updated_at = $3 \
                 WHERE id = $1 AND version = $2 RETURNING version",
                vec![plan.into(), v.into(), now.into()],
            )
            .await?
        }
        None => {
            query(
                db,
                "UPDATE plans SET version = version + 1, updated_at = $2 \
                 WHERE id = $1 RETURNING version",
                vec![plan.into(), now.into()],
            )
            .await?
        }
    };
    if let Some(r) = rows.first() {
        return get(r, "version");
    }
    match plan_by_id(db, plan).await? {
        None => Err(AppError::NotFound {
            entity: "StayingClosePlan",
        }),
        Some(current) => Err(stale(current.version)),
    }
}

/// The `CONFLICT` for a stale version, with the current one in the error.
pub(in crate::staying_close) fn stale(current: i32) -> AppError {
    AppError::stale("plan", current)
}

/// Plan fields a change can set (each `None` leaves the field alone).
#[derive(Debug, Default)]
pub(in crate::staying_close) struct PlanFields {
    pub status: Option<PlanStatus>,
    pub end_reason: Option<PlanEndReason>,
    pub planned_end_date: Option<NaiveDate>,
    pub key_worker_id: Option<Option<Uuid>>,
    pub personal_adviser_id: Option<Option<Uuid>>,
    pub check_in_interval_days: Option<i32>,
    pub next_check_in_due: Option<NaiveDate>,
    pub next_review_due: Option<NaiveDate>,
}

pub(in crate::staying_close) async fn update_plan(
    db: &impl ConnectionTrait,
    id: Uuid,
    f: PlanFields,
) -> AppResult<()> {
    let mut sets = Vec::new();
    let mut params: Vec<Value> = vec![id.into()];
    let mut set = |column: &str, value: Value| {
        params.push(value);
        sets.push(format!("{column} = ${}", params.len()));
    };
    if let Some(v) = f.status {
        set("status", v.as_str().into());
    }
    if let Some(v) = f.end_reason {
        set("end_reason", v.as_str().into());
    }
    if let Some(v) = f.planned_end_date {
        set("planned_end_date", v.into());
    }
    if let Some(v) = f.key_worker_id {
        set("key_worker_id", v.into());
    }
    if let Some(v) = f.personal_adviser_id {
        set("personal_adviser_id", v.into());
    }
    if let Some(v) = f.check_in_interval_days {
        set("check_in_interval_days", v.into());
    }
    if let Some(v) = f.next_check_in_due {
        set("next_check_in_due", v.into());
    }
    if let Some(v) = f.next_review_due {
        set("next_review_due", v.into());
    }
    if sets.is_empty() {
        return Ok(());
    }
    exec(
        db,
        &format!("UPDATE plans SET {} WHERE id = $1", sets.join(", ")),
        params,
    )
    .await?;
    Ok(())
}

/// The young person's plan with what the app's home screen shows, read in
/// one statement (the caller audits the read).
#[derive(Debug, Clone)]
pub(super) struct Home {
    pub plan: PlanRow,
    pub goals: Vec<GoalRow>,
    pub progress: Vec<ProgressRow>,
    pub next_check_in: Option<MeetingRow>,
    pub claims: Vec<ClaimRow>,
}

/// Whether [`home`] works on this database.
pub(super) fn reads_home_in_one_statement(db: &impl ConnectionTrait) -> bool {
    crate::db::is_postgres(db)
}

/// PostgreSQL only: the person's current plan and its home-screen data
/// (goals, progress, next check-in, claims) as JSON columns, in one round
/// trip. Other backends use the per-field reads.
pub(super) async fn home(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Option<Home>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let with_workers = with_workers_sql();
        let author_name = directory::person_name_sql("g.author_person_id");
        let check_ins = meetings::store::planned_check_ins_json_sql("p.id");
        format!(
            "WITH p AS ({with_workers} WHERE p.person_id = $1 \
               ORDER BY CASE WHEN p.status = 'ended' THEN 1 ELSE 0 END, p.start_date DESC, p.id DESC \
               LIMIT 1) \
             SELECT p.*, \
               (SELECT COALESCE(json_agg(g ORDER BY g.created_at, g.id), '[]')::text FROM \
                 (SELECT id, plan_id, section, title, helper, target_date, status, removed_at, \
                  created_at, updated_at FROM plan_goals WHERE plan_id = p.id AND removed_at IS NULL) g) \
                 AS goals_json, \
               (SELECT COALESCE(json_agg(x ORDER BY x.created_at, x.id), '[]')::text FROM \
                 (SELECT g.id, g.goal_id, g.plan_id, g.author_person_id, \
                  {author_name} AS author_name, g.note, g.created_at, \
                  g.updated_at FROM goal_progress g \
                  WHERE g.plan_id = p.id) x) AS progress_json, \
               {check_ins} AS check_ins_json, \
               (SELECT COALESCE(json_agg(c ORDER BY c.created_at DESC, c.id DESC), '[]')::text FROM \
                 (SELECT id, person_id, local_authority_id, kind, amount_pence, purpose, basis_date, \
                  status, decided_by_person_id, decided_at, decision_note, paid_at, created_at, \
                  updated_at FROM claims WHERE person_id = p.person_id) c) AS claims_json \
             FROM p"
        )
    });
    let rows = query(db, &SQL, vec![person.into()]).await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let check_ins: String = get(r, "check_ins_json")?;
    Ok(Some(Home {
        plan: plan_with_workers(r)?,
        goals: json(r, "goals_json")?,
        progress: json(r, "progress_json")?,
        next_check_in: meetings::store::next_planned_from_json(&check_ins)?,
        claims: json(r, "claims_json")?,
    }))
}
