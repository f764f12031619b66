//! Storage for Staying Close: hand-written SQL that runs on both backends.
//! Reads that start from the outside (a plan by id, a caseload, a person's
//! plan) take the viewer's [`Scope`] and filter in SQL; reads by plan id
//! below them are only called once the plan itself was read in scope.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::model::{
    AccommodationType, Activity, AuthoritySettings, Cap, CareLeaverCategory, CheckInMode,
    ClaimKind, ClaimStatus, Claimed, GoalStatus, InTouch, MeetingStatus, PlanEndReason,
    PlanSection, PlanStatus,
};
use crate::{
    db::raw::{exec, query},
    error::{AppError, AppResult},
    identity::directory::WorkerRow,
    paging::PageRequest,
    policy::{Scope, Target},
};

fn all<T>(rows: Vec<QueryResult>, f: fn(&QueryResult) -> AppResult<T>) -> AppResult<Vec<T>> {
    rows.iter().map(f).collect()
}

/// Keys per `IN (...)` list: well within both backends' parameter limits.
const KEYS_PER_STATEMENT: usize = 500;

/// The rows of `select` whose `column` is one of `keys` (then `filter`:
/// further `AND ...` conditions and any `GROUP BY`, or empty), in `order`,
/// grouped by that key: one statement for a page of plans instead of one
/// per plan.
#[allow(clippy::too_many_arguments)] // one call per kind of batch below
async fn grouped<T>(
    db: &impl ConnectionTrait,
    select: &str,
    column: &str,
    filter: &str,
    order: &str,
    keys: &[Uuid],
    map: impl Fn(&QueryResult) -> AppResult<T>,
    key: fn(&T) -> Uuid,
) -> AppResult<HashMap<Uuid, Vec<T>>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for chunk in keys.chunks(KEYS_PER_STATEMENT) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{select} WHERE {column} IN ({}){filter} ORDER BY {order}",
            placeholders.join(", ")
        );
        let params = chunk.iter().map(|k| (*k).into()).collect();
        for r in &query(db, &sql, params).await? {
            let row = map(r)?;
            out.entry(key(&row)).or_default().push(row);
        }
    }
    Ok(out)
}

fn first<T>(rows: Vec<QueryResult>, f: fn(&QueryResult) -> AppResult<T>) -> AppResult<Option<T>> {
    rows.first().map(f).transpose()
}

fn get<T: sea_orm::TryGetable>(r: &QueryResult, col: &str) -> AppResult<T> {
    Ok(r.try_get("", col)?)
}

// ---------------------------------------------------------------- settings

pub async fn settings(db: &impl ConnectionTrait, la: Uuid) -> AppResult<AuthoritySettings> {
    let rows = query(
        db,
        "SELECT support_to_age, check_in_interval_days, review_interval_months \
         FROM staying_close_settings WHERE local_authority_id = $1",
        vec![la.into()],
    )
    .await?;
    let Some(r) = rows.first() else {
        return Ok(AuthoritySettings::default());
    };
    let n = |col| -> AppResult<u32> {
        let v: i32 = get(r, col)?;
        u32::try_from(v).map_err(AppError::internal)
    };
    Ok(AuthoritySettings {
        support_to_age: n("support_to_age")?,
        check_in_interval_days: n("check_in_interval_days")?,
        review_interval_months: n("review_interval_months")?,
    })
}

pub async fn save_settings(
    db: &impl ConnectionTrait,
    la: Uuid,
    settings: AuthoritySettings,
) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO staying_close_settings (local_authority_id, support_to_age, \
         check_in_interval_days, review_interval_months, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (local_authority_id) DO UPDATE SET support_to_age = excluded.support_to_age, \
         check_in_interval_days = excluded.check_in_interval_days, \
         review_interval_months = excluded.review_interval_months, updated_at = excluded.updated_at",
        vec![
            la.into(),
            i32::try_from(settings.support_to_age)
                .unwrap_or(21)
                .into(),
            i32::try_from(settings.check_in_interval_days)
                .unwrap_or(56)
                .into(),
            i32::try_from(settings.review_interval_months)
                .unwrap_or(6)
                .into(),
            Utc::now().into(),
        ],
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------------ care leavers

#[derive(Debug, Clone)]
pub struct CareLeaverRow {
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    pub childrens_home_id: Option<Uuid>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

const CARE_LEAVER: &str = "SELECT c.person_id, c.local_authority_id, c.child_ref, c.category, \
     c.left_care_on, c.childrens_home_id, p.given_name, p.family_name, p.date_of_birth, \
     c.updated_at FROM care_leavers c JOIN people p ON p.id = c.person_id";

fn care_leaver_row(r: &QueryResult) -> AppResult<CareLeaverRow> {
    Ok(CareLeaverRow {
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        child_ref: get(r, "child_ref")?,
        category: CareLeaverCategory::parse(&get::<String>(r, "category")?)?,
        left_care_on: get(r, "left_care_on")?,
        childrens_home_id: get(r, "childrens_home_id")?,
        given_name: get(r, "given_name")?,
        family_name: get(r, "family_name")?,
        date_of_birth: get(r, "date_of_birth")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A care leaver's profile (unscoped: callers authorise first).
pub async fn care_leaver(
    db: &impl ConnectionTrait,
    person: Uuid,
) -> AppResult<Option<CareLeaverRow>> {
    let rows = query(
        db,
        &format!("{CARE_LEAVER} WHERE c.person_id = $1"),
        vec![person.into()],
    )
    .await?;
    first(rows, care_leaver_row)
}

/// Every care leaver of an authority (reporting), by child reference.
pub async fn care_leavers_of(db: &impl ConnectionTrait, la: Uuid) -> AppResult<Vec<CareLeaverRow>> {
    let rows = query(
        db,
        &format!("{CARE_LEAVER} WHERE c.local_authority_id = $1 ORDER BY c.child_ref"),
        vec![la.into()],
    )
    .await?;
    all(rows, care_leaver_row)
}

pub struct CareLeaverChange<'a> {
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub child_ref: &'a str,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    pub childrens_home_id: Option<Uuid>,
}

/// Saves a profile; `false` when its child reference is already another
/// young person's in the authority.
pub async fn save_care_leaver(
    db: &impl ConnectionTrait,
    c: CareLeaverChange<'_>,
) -> AppResult<bool> {
    let now = Utc::now();
    let saved = exec(
        db,
        "INSERT INTO care_leavers (person_id, local_authority_id, child_ref, category, \
         left_care_on, childrens_home_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (person_id) DO UPDATE SET child_ref = excluded.child_ref, \
         category = excluded.category, left_care_on = excluded.left_care_on, \
         childrens_home_id = excluded.childrens_home_id, updated_at = excluded.updated_at",
        vec![
            c.person_id.into(),
            c.local_authority_id.into(),
            c.child_ref.into(),
            c.category.as_str().into(),
            c.left_care_on.into(),
            c.childrens_home_id.into(),
            now.into(),
        ],
    )
    .await;
    unique(saved)
}

/// `false` for a unique violation, the error for anything else.
fn unique(result: Result<sea_orm::ExecResult, sea_orm::DbErr>) -> AppResult<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(err) if crate::error::is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

// ------------------------------------------------------------------- plans

#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanRow {
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

/// A worker's contact columns (`{prefix}_given_name`, `_family_name`,
/// `_email`, `_organisation`) for the person id in `column`, as scalar
/// subqueries: index look-ups per plan on both backends (PostgreSQL chose
/// merge joins over whole indexes for the equivalent outer joins).
macro_rules! worker_columns {
    ($prefix:literal, $column:literal) => {
        concat!(
            "(SELECT w.given_name FROM people w WHERE w.id = ",
            $column,
            ") AS ",
            $prefix,
            "_given_name, ",
            "(SELECT w.family_name FROM people w WHERE w.id = ",
            $column,
            ") AS ",
            $prefix,
            "_family_name, ",
            "(SELECT a.email FROM accounts a WHERE a.person_id = ",
            $column,
            ") AS ",
            $prefix,
            "_email, ",
            "(SELECT MIN(o.name) FROM accounts a JOIN role_grants g ON g.account_id = a.id \
              JOIN organisations o ON o.id = g.organisation_id WHERE a.person_id = ",
            $column,
            ") AS ",
            $prefix,
            "_organisation"
        )
    };
}

/// A plan with its workers' contact details, in one statement.
const PLAN_WITH_WORKERS: &str = concat!(
    "SELECT p.id, p.person_id, p.local_authority_id, p.status, \
     p.end_reason, p.start_date, p.planned_end_date, p.key_worker_id, p.personal_adviser_id, \
     p.check_in_interval_days, p.version, p.shared_version, p.next_check_in_due, \
     p.next_review_due, p.created_at, p.updated_at, ",
    worker_columns!("kw", "p.key_worker_id"),
    ", ",
    worker_columns!("pa", "p.personal_adviser_id"),
    " FROM plans p"
);

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
pub async fn plan(
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
        &format!("{PLAN_WITH_WORKERS} WHERE p.id = $1 AND {filter}"),
        params,
    )
    .await?;
    first(rows, plan_with_workers)
}

/// A plan, unscoped (inside a change, after authorisation).
pub async fn plan_by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<PlanRow>> {
    let rows = query(db, &format!("{PLAN} WHERE p.id = $1"), vec![id.into()]).await?;
    first(rows, plan_row)
}

/// The person's current plan: the open one, else the latest ended one.
pub async fn current_plan(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Option<PlanRow>> {
    let rows = query(
        db,
        &format!(
            "{PLAN_WITH_WORKERS} WHERE p.person_id = $1 \
             ORDER BY CASE WHEN p.status = 'ended' THEN 1 ELSE 0 END, p.start_date DESC, p.id DESC \
             LIMIT 1"
        ),
        vec![person.into()],
    )
    .await?;
    first(rows, plan_with_workers)
}

/// Caseload filters.
#[derive(Debug, Clone, Default)]
pub struct CaseloadFilter {
    pub status: Option<PlanStatus>,
    pub overdue_check_in: Option<bool>,
    pub overdue_review: Option<bool>,
    pub local_authority: Option<Uuid>,
    pub today: Option<NaiveDate>,
}

/// Plans in scope, by id.
pub async fn caseload(
    db: &impl ConnectionTrait,
    scope: &Scope,
    page: &PageRequest,
    filter: &CaseloadFilter,
) -> AppResult<Vec<PlanRow>> {
    let mut params: Vec<Value> = Vec::new();
    let Some(scoped) = plan_scope(scope, &mut params) else {
        return Ok(Vec::new());
    };
    let mut sql = format!("{PLAN_WITH_WORKERS} WHERE {scoped}");
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
        match wanted {
            Some(true) => push(
                &mut params,
                &format!(" AND p.status <> 'ended' AND {column} < ?"),
                today.into(),
            ),
            Some(false) => push(
                &mut params,
                &format!(
                    " AND NOT (p.status <> 'ended' AND {column} IS NOT NULL AND {column} < ?)"
                ),
                today.into(),
            ),
            None => {}
        }
    }
    params.push(i64::try_from(page.fetch_limit()).unwrap_or(101).into());
    sql.push_str(&format!(" ORDER BY p.id LIMIT ${}", params.len()));
    all(query(db, &sql, params).await?, plan_with_workers)
}

pub struct NewPlan {
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
pub async fn insert_plan(db: &impl ConnectionTrait, p: &NewPlan) -> AppResult<bool> {
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
pub async fn touch(db: &impl ConnectionTrait, plan: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE plans SET updated_at = $2 WHERE id = $1",
        vec![plan.into(), Utc::now().into()],
    )
    .await?;
    Ok(())
}

/// Shares a version with the young person.
/// Marks `version` as the one shared with the young person, if the plan is
/// still at that version (a change that committed since it was read makes
/// this `CONFLICT` with the current version).
pub async fn touch_shared(db: &impl ConnectionTrait, plan: Uuid, version: i32) -> AppResult<()> {
    let done = exec(
        db,
        "UPDATE plans SET shared_version = $2, updated_at = $3 WHERE id = $1 AND version = $2",
        vec![plan.into(), version.into(), Utc::now().into()],
    )
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let current = plan_by_id(db, plan).await?.ok_or(AppError::NotFound {
        entity: "StayingClosePlan",
    })?;
    Err(stale(current.version))
}

/// Takes the next version of a plan, serialising changes to it: the
/// update locks the row until the transaction ends. With `expected`, a
/// plan that has moved on is `CONFLICT` carrying the current version.
pub async fn next_version(
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
pub fn stale(current: i32) -> AppError {
    AppError::Conflict {
        message: format!(
            "This plan has changed since you loaded it: it is now at version {current}. \
             Reload it and make your change again."
        ),
        details: Some(serde_json::json!({ "currentVersion": current })),
    }
}

/// Plan fields a change can set (each `None` leaves the field alone).
#[derive(Debug, Default)]
pub struct PlanFields {
    pub status: Option<PlanStatus>,
    pub end_reason: Option<PlanEndReason>,
    pub planned_end_date: Option<NaiveDate>,
    pub key_worker_id: Option<Option<Uuid>>,
    pub personal_adviser_id: Option<Option<Uuid>>,
    pub check_in_interval_days: Option<i32>,
    pub next_check_in_due: Option<NaiveDate>,
    pub next_review_due: Option<NaiveDate>,
}

pub async fn update_plan(db: &impl ConnectionTrait, id: Uuid, f: PlanFields) -> AppResult<()> {
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

// ---------------------------------------------------------------- versions

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub plan_id: Uuid,
    pub version: i32,
    pub changed_by_person_id: Option<Uuid>,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub summary: String,
    pub changes: String,
    pub snapshot: String,
}

pub struct NewVersion<'a> {
    pub plan_id: Uuid,
    pub version: i32,
    pub account_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub summary: &'a str,
    pub changes: &'a serde_json::Value,
    pub snapshot: &'a serde_json::Value,
}

pub async fn insert_version(db: &impl ConnectionTrait, v: NewVersion<'_>) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO plan_versions (plan_id, version, changed_by_account_id, changed_by_person_id, \
         changed_at, summary, changes, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        vec![
            v.plan_id.into(),
            v.version.into(),
            v.account_id.into(),
            v.person_id.into(),
            Utc::now().into(),
            v.summary.into(),
            v.changes.to_string().into(),
            v.snapshot.to_string().into(),
        ],
    )
    .await?;
    Ok(())
}

const VERSION: &str = "SELECT v.plan_id, v.version, v.changed_by_person_id, \
     p.given_name || ' ' || p.family_name AS changed_by_name, v.changed_at, v.summary, \
     v.changes, v.snapshot FROM plan_versions v LEFT JOIN people p ON p.id = v.changed_by_person_id";

fn version_row(r: &QueryResult) -> AppResult<VersionRow> {
    Ok(VersionRow {
        plan_id: get(r, "plan_id")?,
        version: get(r, "version")?,
        changed_by_person_id: get(r, "changed_by_person_id")?,
        changed_by_name: get(r, "changed_by_name")?,
        changed_at: get(r, "changed_at")?,
        summary: get(r, "summary")?,
        changes: get(r, "changes")?,
        snapshot: get(r, "snapshot")?,
    })
}

/// A plan's versions, newest first, before `before` (a version number).
pub async fn versions(
    db: &impl ConnectionTrait,
    plan: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<VersionRow>> {
    let before = page.after_key::<i32>()?.unwrap_or(i32::MAX);
    let rows = query(
        db,
        &format!(
            "{VERSION} WHERE v.plan_id = $1 AND v.version < $2 ORDER BY v.version DESC LIMIT $3"
        ),
        vec![
            plan.into(),
            before.into(),
            i64::try_from(page.fetch_limit()).unwrap_or(101).into(),
        ],
    )
    .await?;
    all(rows, version_row)
}

pub async fn version(
    db: &impl ConnectionTrait,
    plan: Uuid,
    version: i32,
) -> AppResult<Option<VersionRow>> {
    let rows = query(
        db,
        &format!("{VERSION} WHERE v.plan_id = $1 AND v.version = $2"),
        vec![plan.into(), version.into()],
    )
    .await?;
    first(rows, version_row)
}

// ------------------------------------------------------------------- goals

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GoalRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub section: PlanSection,
    pub title: String,
    pub helper: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
    pub removed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const GOAL: &str = "SELECT id, plan_id, section, title, helper, target_date, status, removed_at, \
     created_at, updated_at FROM plan_goals";

fn goal_row(r: &QueryResult) -> AppResult<GoalRow> {
    Ok(GoalRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        section: PlanSection::parse(&get::<String>(r, "section")?)?,
        title: get(r, "title")?,
        helper: get(r, "helper")?,
        target_date: get(r, "target_date")?,
        status: GoalStatus::parse(&get::<String>(r, "status")?)?,
        removed_at: get(r, "removed_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A plan's goals in the order they were added; removed ones only when
/// asked for (delta sync tells the app what to delete).
pub async fn goals(
    db: &impl ConnectionTrait,
    plan: Uuid,
    include_removed: bool,
) -> AppResult<Vec<GoalRow>> {
    let removed = if include_removed {
        ""
    } else {
        " AND removed_at IS NULL"
    };
    let rows = query(
        db,
        &format!("{GOAL} WHERE plan_id = $1{removed} ORDER BY created_at, id"),
        vec![plan.into()],
    )
    .await?;
    all(rows, goal_row)
}

/// The goals (not removed) of several plans, by plan.
pub async fn goals_of_plans(
    db: &impl ConnectionTrait,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<GoalRow>>> {
    grouped(
        db,
        GOAL,
        "plan_id",
        " AND removed_at IS NULL",
        "created_at, id",
        plans,
        goal_row,
        |g| g.plan_id,
    )
    .await
}

pub async fn goal(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<GoalRow>> {
    first(
        query(db, &format!("{GOAL} WHERE id = $1"), vec![id.into()]).await?,
        goal_row,
    )
}

pub async fn save_goal(db: &impl ConnectionTrait, g: &GoalRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO plan_goals (id, plan_id, section, title, helper, target_date, status, \
         removed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET section = excluded.section, title = excluded.title, \
         helper = excluded.helper, target_date = excluded.target_date, status = excluded.status, \
         removed_at = excluded.removed_at, updated_at = excluded.updated_at",
        vec![
            g.id.into(),
            g.plan_id.into(),
            g.section.as_str().into(),
            g.title.clone().into(),
            g.helper.clone().into(),
            g.target_date.into(),
            g.status.as_str().into(),
            g.removed_at.into(),
            g.created_at.into(),
            g.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ProgressRow {
    pub id: Uuid,
    pub goal_id: Uuid,
    pub plan_id: Uuid,
    pub author_person_id: Uuid,
    pub author_name: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const PROGRESS: &str = "SELECT g.id, g.goal_id, g.plan_id, g.author_person_id, \
     p.given_name || ' ' || p.family_name AS author_name, g.note, g.created_at, g.updated_at \
     FROM goal_progress g JOIN people p ON p.id = g.author_person_id";

fn progress_row(r: &QueryResult) -> AppResult<ProgressRow> {
    Ok(ProgressRow {
        id: get(r, "id")?,
        goal_id: get(r, "goal_id")?,
        plan_id: get(r, "plan_id")?,
        author_person_id: get(r, "author_person_id")?,
        author_name: get(r, "author_name")?,
        note: get(r, "note")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A plan's progress updates, oldest first.
pub async fn progress(db: &impl ConnectionTrait, plan: Uuid) -> AppResult<Vec<ProgressRow>> {
    let rows = query(
        db,
        &format!("{PROGRESS} WHERE g.plan_id = $1 ORDER BY g.created_at, g.id"),
        vec![plan.into()],
    )
    .await?;
    all(rows, progress_row)
}

/// The progress updates of several goals, by goal, oldest first.
pub async fn progress_of_goals(
    db: &impl ConnectionTrait,
    goals: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ProgressRow>>> {
    grouped(
        db,
        PROGRESS,
        "g.goal_id",
        "",
        "g.created_at, g.id",
        goals,
        progress_row,
        |p| p.goal_id,
    )
    .await
}

pub async fn insert_progress(
    db: &impl ConnectionTrait,
    goal: &GoalRow,
    author: Uuid,
    note: &str,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO goal_progress (id, goal_id, plan_id, author_person_id, note, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        vec![
            id.into(),
            goal.id.into(),
            goal.plan_id.into(),
            author.into(),
            note.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(id)
}

// -------------------------------------------------------- check-ins, reviews

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MeetingRow {
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
pub enum Meeting {
    CheckIn,
    Review,
}

impl Meeting {
    fn select(self) -> &'static str {
        match self {
            Meeting::CheckIn => {
                "SELECT id, plan_id, due_on, held_on, held_by_person_id, note, status, mode, \
                 FALSE AS requested_by_young_person, NULL AS reason, created_at, updated_at \
                 FROM check_ins"
            }
            Meeting::Review => {
                "SELECT id, plan_id, due_on, held_on, held_by_person_id, note, status, \
                 NULL AS mode, requested_by_young_person, reason, created_at, updated_at \
                 FROM reviews"
            }
        }
    }
}

fn meeting_row(r: &QueryResult) -> AppResult<MeetingRow> {
    Ok(MeetingRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        due_on: get(r, "due_on")?,
        held_on: get(r, "held_on")?,
        held_by_person_id: get(r, "held_by_person_id")?,
        note: get(r, "note")?,
        status: MeetingStatus::parse(&get::<String>(r, "status")?)?,
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
pub async fn meetings(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plan: Uuid,
) -> AppResult<Vec<MeetingRow>> {
    let mut found = meetings_of_plans(db, kind, &[plan], false).await?;
    Ok(found.remove(&plan).unwrap_or_default())
}

/// The check-ins or reviews of several plans (`planned_only`: those not
/// yet held), by plan, by due date.
pub async fn meetings_of_plans(
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
    grouped(
        db,
        kind.select(),
        "plan_id",
        filter,
        "due_on, id",
        plans,
        meeting_row,
        |m| m.plan_id,
    )
    .await
}

/// The planned (not yet held) meeting of each of several plans.
pub async fn planned_meetings(
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

/// The planned (not yet held) one, if any.
pub async fn planned_meeting(
    db: &impl ConnectionTrait,
    kind: Meeting,
    plan: Uuid,
) -> AppResult<Option<MeetingRow>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE plan_id = $1 AND status = 'planned' ORDER BY due_on, id LIMIT 1",
            kind.select()
        ),
        vec![plan.into()],
    )
    .await?;
    first(rows, meeting_row)
}

pub async fn save_meeting(
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

// ------------------------------------------------- comments and responses

#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan_version: i32,
    pub author_person_id: Uuid,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The comments on each of `plans`, oldest first.
pub async fn comments_on_plans(
    db: &impl ConnectionTrait,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<CommentRow>>> {
    grouped(
        db,
        "SELECT c.id, c.plan_id, c.plan_version, c.author_person_id, \
         p.given_name || ' ' || p.family_name AS author_name, c.body, c.created_at, c.updated_at \
         FROM plan_comments c JOIN people p ON p.id = c.author_person_id",
        "c.plan_id",
        "",
        "c.created_at, c.id",
        plans,
        |r| {
            Ok(CommentRow {
                id: get(r, "id")?,
                plan_id: get(r, "plan_id")?,
                plan_version: get(r, "plan_version")?,
                author_person_id: get(r, "author_person_id")?,
                author_name: get(r, "author_name")?,
                body: get(r, "body")?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
            })
        },
        |c| c.plan_id,
    )
    .await
}

pub async fn insert_comment(
    db: &impl ConnectionTrait,
    plan: &PlanRow,
    author: Uuid,
    body: &str,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    exec(
        db,
        "INSERT INTO plan_comments (id, plan_id, plan_version, author_person_id, body, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        vec![
            id.into(),
            plan.id.into(),
            plan.version.into(),
            author.into(),
            body.into(),
            Utc::now().into(),
        ],
    )
    .await?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct ResponseRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan_version: i32,
    pub agrees: bool,
    pub words: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The young person's answers to each of `plans`, by version.
pub async fn responses_to_plans(
    db: &impl ConnectionTrait,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ResponseRow>>> {
    grouped(
        db,
        "SELECT id, plan_id, plan_version, agrees, words, created_at, updated_at \
         FROM plan_responses",
        "plan_id",
        "",
        "plan_version",
        plans,
        |r| {
            Ok(ResponseRow {
                id: get(r, "id")?,
                plan_id: get(r, "plan_id")?,
                plan_version: get(r, "plan_version")?,
                agrees: get(r, "agrees")?,
                words: get(r, "words")?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
            })
        },
        |r| r.plan_id,
    )
    .await
}

/// Records (or replaces) the young person's response to a version.
pub async fn save_response(
    db: &impl ConnectionTrait,
    plan: &PlanRow,
    version: i32,
    agrees: bool,
    words: &str,
) -> AppResult<Uuid> {
    let now = Utc::now();
    let rows = query(
        db,
        "INSERT INTO plan_responses (id, plan_id, plan_version, person_id, agrees, words, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (plan_id, plan_version) DO UPDATE SET agrees = excluded.agrees, \
         words = excluded.words, updated_at = excluded.updated_at RETURNING id",
        vec![
            Uuid::now_v7().into(),
            plan.id.into(),
            version.into(),
            plan.person_id.into(),
            agrees.into(),
            words.into(),
            now.into(),
        ],
    )
    .await?;
    rows.first()
        .map(|r| get(r, "id"))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("response upsert returned no row")))?
}

// ------------------------------------------------------------ SSDA903 records

#[derive(Debug, Clone)]
pub enum RecordValue {
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
pub struct RecordRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub recorded_on: NaiveDate,
    pub recorded_by_person_id: Option<Uuid>,
    pub value: RecordValue,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The three SSDA903 record tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Accommodation,
    InTouch,
    Activity,
}

impl RecordKind {
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
pub async fn records_of_people(
    db: &impl ConnectionTrait,
    kind: RecordKind,
    people: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<RecordRow>>> {
    grouped(
        db,
        &format!(
            "SELECT id, person_id, local_authority_id, recorded_on, recorded_by_person_id, {}, \
             created_at, updated_at FROM {}",
            kind.columns(),
            kind.table()
        ),
        "person_id",
        "",
        "recorded_on DESC, created_at DESC",
        people,
        |r| record_row(kind, r),
        |r| r.person_id,
    )
    .await
}

/// Records of one kind for everyone in an authority (reporting).
pub async fn authority_records(
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

pub async fn insert_record(db: &impl ConnectionTrait, row: &RecordRow) -> AppResult<()> {
    let mut params: Vec<Value> = vec![
        row.id.into(),
        row.person_id.into(),
        row.local_authority_id.into(),
        row.recorded_on.into(),
        row.recorded_by_person_id.into(),
        row.created_at.into(),
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
    let placeholders: Vec<String> = (7..7 + extra.len()).map(|i| format!("${i}")).collect();
    params.extend(extra);
    exec(
        db,
        &format!(
            "INSERT INTO {} (id, person_id, local_authority_id, recorded_on, recorded_by_person_id, \
             created_at, updated_at, {}) VALUES ($1, $2, $3, $4, $5, $6, $6, {})",
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
pub async fn end_accommodation(
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

// ------------------------------------------------------------------ claims

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClaimRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub kind: ClaimKind,
    pub amount_pence: i64,
    pub purpose: String,
    pub basis_date: NaiveDate,
    pub status: ClaimStatus,
    pub decided_by_person_id: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const CLAIM: &str = "SELECT id, person_id, local_authority_id, kind, amount_pence, purpose, \
     basis_date, status, decided_by_person_id, decided_at, decision_note, paid_at, created_at, \
     updated_at FROM claims";

fn claim_row(r: &QueryResult) -> AppResult<ClaimRow> {
    Ok(ClaimRow {
        id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        kind: ClaimKind::parse(&get::<String>(r, "kind")?)?,
        amount_pence: get(r, "amount_pence")?,
        purpose: get(r, "purpose")?,
        basis_date: get(r, "basis_date")?,
        status: ClaimStatus::parse(&get::<String>(r, "status")?)?,
        decided_by_person_id: get(r, "decided_by_person_id")?,
        decided_at: get(r, "decided_at")?,
        decision_note: get(r, "decision_note")?,
        paid_at: get(r, "paid_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub async fn claims(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Vec<ClaimRow>> {
    let mut found = claims_of_people(db, &[person]).await?;
    Ok(found.remove(&person).unwrap_or_default())
}

/// The claims of several young people, by person, newest first.
pub async fn claims_of_people(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ClaimRow>>> {
    grouped(
        db,
        CLAIM,
        "person_id",
        "",
        "created_at DESC, id DESC",
        people,
        claim_row,
        |c| c.person_id,
    )
    .await
}

pub async fn claim(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<ClaimRow>> {
    first(
        query(db, &format!("{CLAIM} WHERE id = $1"), vec![id.into()]).await?,
        claim_row,
    )
}

/// Claims in scope waiting for a decision or a payment, oldest first.
pub async fn open_claims(
    db: &impl ConnectionTrait,
    scope: &Scope,
    page: &PageRequest,
) -> AppResult<Vec<ClaimRow>> {
    let mut params: Vec<Value> = Vec::new();
    let Some(filter) = scope.sql("person_id", "local_authority_id", None, &mut params) else {
        return Ok(Vec::new());
    };
    let after = page.after_key::<Uuid>()?.unwrap_or(Uuid::nil());
    params.push(after.into());
    let a = params.len();
    params.push(i64::try_from(page.fetch_limit()).unwrap_or(101).into());
    let rows = query(
        db,
        &format!(
            "{CLAIM} WHERE {filter} AND status IN ('requested', 'approved') AND id > ${a} \
             ORDER BY id LIMIT ${}",
            a + 1
        ),
        params,
    )
    .await?;
    all(rows, claim_row)
}

/// What each of `people` has claimed so far, per kind, not counting
/// rejected claims (kinds with no such claim are absent).
pub async fn claimed_by_people(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> AppResult<HashMap<Uuid, HashMap<ClaimKind, Claimed>>> {
    let found = grouped(
        db,
        "SELECT person_id, kind, MIN(basis_date) AS first_basis, \
         CAST(SUM(amount_pence) AS BIGINT) AS claimed FROM claims",
        "person_id",
        " AND status <> 'rejected' GROUP BY person_id, kind",
        "person_id, kind",
        people,
        |r| {
            Ok((
                get::<Uuid>(r, "person_id")?,
                ClaimKind::parse(&get::<String>(r, "kind")?)?,
                Claimed {
                    first_basis: get(r, "first_basis")?,
                    pence: get(r, "claimed")?,
                },
            ))
        },
        |(person, _, _)| *person,
    )
    .await?;
    Ok(found
        .into_iter()
        .map(|(person, rows)| (person, rows.into_iter().map(|(_, k, c)| (k, c)).collect()))
        .collect())
}

/// What one person has claimed so far of one kind.
pub async fn claimed(
    db: &impl ConnectionTrait,
    person: Uuid,
    kind: ClaimKind,
) -> AppResult<Claimed> {
    Ok(claimed_by_people(db, &[person])
        .await?
        .get(&person)
        .and_then(|kinds| kinds.get(&kind).copied())
        .unwrap_or_default())
}

/// Every allowance cap, by kind, oldest first.
pub async fn caps(db: &impl ConnectionTrait) -> AppResult<HashMap<ClaimKind, Vec<Cap>>> {
    let rows = query(
        db,
        "SELECT kind, effective_from, amount_pence FROM allowance_caps ORDER BY effective_from",
        vec![],
    )
    .await?;
    let mut out: HashMap<ClaimKind, Vec<Cap>> = HashMap::new();
    for r in &rows {
        out.entry(ClaimKind::parse(&get::<String>(r, "kind")?)?)
            .or_default()
            .push(Cap {
                effective_from: get(r, "effective_from")?,
                amount_pence: get(r, "amount_pence")?,
            });
    }
    Ok(out)
}

pub async fn save_claim(db: &impl ConnectionTrait, c: &ClaimRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO claims (id, person_id, local_authority_id, kind, amount_pence, purpose, \
         basis_date, status, decided_by_person_id, decided_at, decision_note, paid_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
         decided_by_person_id = excluded.decided_by_person_id, decided_at = excluded.decided_at, \
         decision_note = excluded.decision_note, paid_at = excluded.paid_at, \
         updated_at = excluded.updated_at",
        vec![
            c.id.into(),
            c.person_id.into(),
            c.local_authority_id.into(),
            c.kind.as_str().into(),
            c.amount_pence.into(),
            c.purpose.clone().into(),
            c.basis_date.into(),
            c.status.as_str().into(),
            c.decided_by_person_id.into(),
            c.decided_at.into(),
            c.decision_note.clone().into(),
            c.paid_at.into(),
            c.created_at.into(),
            c.updated_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Serialises claims for one person: takes the care-leaver row's lock
/// (PostgreSQL) so concurrent claims see each other's totals. SQLite's
/// single writer already serialises them.
pub async fn lock_person_claims(db: &impl ConnectionTrait, person: Uuid) -> AppResult<()> {
    exec(
        db,
        "UPDATE care_leavers SET updated_at = updated_at WHERE person_id = $1",
        vec![person.into()],
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------ the app's home

/// The young person's plan with what the app's home screen shows, read in
/// one statement (the caller audits the read).
#[derive(Debug, Clone)]
pub struct Home {
    pub plan: PlanRow,
    pub goals: Vec<GoalRow>,
    pub progress: Vec<ProgressRow>,
    pub next_check_in: Option<MeetingRow>,
    pub claims: Vec<ClaimRow>,
}

/// Whether [`home`] works on this database.
pub fn reads_home_in_one_statement(db: &impl ConnectionTrait) -> bool {
    crate::db::is_postgres(db)
}

/// PostgreSQL only: the person's current plan and its home-screen data
/// (goals, progress, next check-in, claims) as JSON columns, in one round
/// trip. Other backends use the per-field reads.
pub async fn home(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Option<Home>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "WITH p AS ({PLAN_WITH_WORKERS} WHERE p.person_id = $1 \
               ORDER BY CASE WHEN p.status = 'ended' THEN 1 ELSE 0 END, p.start_date DESC, p.id DESC \
               LIMIT 1) \
             SELECT p.*, \
               (SELECT COALESCE(json_agg(g ORDER BY g.created_at, g.id), '[]')::text FROM \
                 (SELECT id, plan_id, section, title, helper, target_date, status, removed_at, \
                  created_at, updated_at FROM plan_goals WHERE plan_id = p.id AND removed_at IS NULL) g) \
                 AS goals_json, \
               (SELECT COALESCE(json_agg(x ORDER BY x.created_at, x.id), '[]')::text FROM \
                 (SELECT g.id, g.goal_id, g.plan_id, g.author_person_id, \
                  a.given_name || ' ' || a.family_name AS author_name, g.note, g.created_at, \
                  g.updated_at FROM goal_progress g JOIN people a ON a.id = g.author_person_id \
                  WHERE g.plan_id = p.id) x) AS progress_json, \
               (SELECT row_to_json(c)::text FROM \
                 (SELECT id, plan_id, due_on, held_on, held_by_person_id, note, status, mode, \
                  FALSE AS requested_by_young_person, NULL::text AS reason, created_at, updated_at \
                  FROM check_ins WHERE plan_id = p.id AND status = 'planned' \
                  ORDER BY due_on, id LIMIT 1) c) AS check_in_json, \
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
    fn json<T: serde::de::DeserializeOwned>(r: &QueryResult, column: &str) -> AppResult<T> {
        let text: String = get(r, column)?;
        serde_json::from_str(&text).map_err(AppError::internal)
    }
    let check_in: Option<String> = get(r, "check_in_json")?;
    Ok(Some(Home {
        plan: plan_with_workers(r)?,
        goals: json(r, "goals_json")?,
        progress: json(r, "progress_json")?,
        next_check_in: check_in
            .map(|c| serde_json::from_str(&c).map_err(AppError::internal))
            .transpose()?,
        claims: json(r, "claims_json")?,
    }))
}
