//! Storage of comments on a plan, the version shared for agreement and
//! the young person's responses.

use std::{collections::HashMap, sync::LazyLock};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::identity::directory;
use crate::staying_close::plan::store::{PlanRow, plan_by_id, stale};
use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get, grouped},
    error::{AppError, AppResult},
    paging::PageRequest,
};

#[derive(Debug, Clone)]
pub(in crate::staying_close) struct CommentRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan_version: i32,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Comments with their author's name (identity's fragment).
fn comment_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT c.id, c.plan_id, c.plan_version, c.author_person_id, {} AS author_name, \
             c.body, c.created_at, c.updated_at FROM plan_comments c",
            directory::person_name_sql("c.author_person_id")
        )
    });
    &SQL
}

fn comment_row(r: &QueryResult) -> AppResult<CommentRow> {
    Ok(CommentRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        plan_version: get(r, "plan_version")?,
        author_name: get(r, "author_name")?,
        body: get(r, "body")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// The comments on each of `plans`, oldest first.
pub(in crate::staying_close) async fn comments_on_plans(
    db: &impl ConnectionTrait,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<CommentRow>>> {
    grouped(
        db,
        comment_sql(),
        "c.plan_id",
        "",
        "c.created_at, c.id",
        plans,
        comment_row,
        |c| c.plan_id,
    )
    .await
}

/// A page of a plan's comments, oldest first: keyed by id (a time-ordered
/// v7 uuid, so in the order they were written).
pub(in crate::staying_close) async fn comments_page(
    db: &impl ConnectionTrait,
    plan: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<CommentRow>> {
    let mut params = vec![plan.into(), page.sql_limit().into()];
    let after = match page.after_key::<Uuid>()? {
        Some(id) => {
            params.push(id.into());
            " AND c.id > $3"
        }
        None => "",
    };
    let rows = query(
        db,
        &format!(
            "{} WHERE c.plan_id = $1{after} ORDER BY c.id LIMIT $2",
            comment_sql()
        ),
        params,
    )
    .await?;
    all(rows, comment_row)
}

/// One comment by id (unscoped: callers authorise its plan).
pub(in crate::staying_close) async fn comment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<CommentRow>> {
    let rows = query(
        db,
        &format!("{} WHERE c.id = $1", comment_sql()),
        vec![id.into()],
    )
    .await?;
    first(rows, comment_row)
}

pub(super) async fn insert_comment(
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
pub(in crate::staying_close) struct ResponseRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan_version: i32,
    pub agrees: bool,
    pub words: String,
    pub updated_at: DateTime<Utc>,
}

const RESPONSE: &str = "SELECT id, plan_id, plan_version, agrees, words, created_at, updated_at \
     FROM plan_responses";

fn response_row(r: &QueryResult) -> AppResult<ResponseRow> {
    Ok(ResponseRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        plan_version: get(r, "plan_version")?,
        agrees: get(r, "agrees")?,
        words: get(r, "words")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// The young person's answers to each of `plans`, by version.
pub(in crate::staying_close) async fn responses_to_plans(
    db: &impl ConnectionTrait,
    plans: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ResponseRow>>> {
    grouped(
        db,
        RESPONSE,
        "plan_id",
        "",
        "plan_version",
        plans,
        response_row,
        |r| r.plan_id,
    )
    .await
}

/// A page of the young person's answers to a plan, by version.
pub(in crate::staying_close) async fn responses_page(
    db: &impl ConnectionTrait,
    plan: Uuid,
    page: &PageRequest,
) -> AppResult<Vec<ResponseRow>> {
    let after = page.after_key::<i32>()?.unwrap_or(i32::MIN);
    let rows = query(
        db,
        &format!(
            "{RESPONSE} WHERE plan_id = $1 AND plan_version > $2 ORDER BY plan_version LIMIT $3"
        ),
        vec![plan.into(), after.into(), page.sql_limit().into()],
    )
    .await?;
    all(rows, response_row)
}

/// One response by id (unscoped: callers authorise its plan).
pub(in crate::staying_close) async fn response(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<ResponseRow>> {
    let rows = query(db, &format!("{RESPONSE} WHERE id = $1"), vec![id.into()]).await?;
    first(rows, response_row)
}

/// Records (or replaces) the young person's response to a version.
pub(super) async fn save_response(
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

/// Shares a version with the young person.
/// Marks `version` as the one shared with the young person, if the plan is
/// still at that version (a change that committed since it was read makes
/// this `CONFLICT` with the current version).
pub(in crate::staying_close) async fn touch_shared(
    db: &impl ConnectionTrait,
    plan: Uuid,
    version: i32,
) -> AppResult<()> {
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
