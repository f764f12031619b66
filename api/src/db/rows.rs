//! Reading rows of hand-written SQL: always by column name, never by
//! position, so a reordered or widened `SELECT` cannot shift values into the
//! wrong fields. Statements name (or alias) every column they read, so the
//! names are the same on SQLite and PostgreSQL. Also: first/all of a
//! result, batched `IN (...)` reads grouped by key, keyset pages by date,
//! unique violations.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, QueryResult, TryGetable};
use uuid::Uuid;

use crate::{
    db::raw::query,
    error::{AppError, AppResult},
    paging::{DatedKey, PageRequest},
};

/// A time of day as stored: minutes after midnight (the same on both
/// databases, which store times of day differently).
pub fn minute_of_day(t: chrono::NaiveTime) -> i32 {
    use chrono::Timelike;
    i32::try_from(t.hour() * 60 + t.minute()).unwrap_or(0)
}

/// A stored minute of the day; one outside 0..1440 is a data bug.
pub fn time_at_minute(minute: i32) -> AppResult<chrono::NaiveTime> {
    u32::try_from(minute)
        .ok()
        .filter(|m| *m < 1440)
        .and_then(|m| chrono::NaiveTime::from_hms_opt(m / 60, m % 60, 0))
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "stored minute {minute} is not a minute of the day"
            ))
        })
}

pub fn all<T>(rows: Vec<QueryResult>, f: fn(&QueryResult) -> AppResult<T>) -> AppResult<Vec<T>> {
    rows.iter().map(f).collect()
}

/// Keys per `IN (...)` list: well within both backends' parameter limits.
const KEYS_PER_STATEMENT: usize = 500;

/// The rows of `select` whose `column` is one of `keys` (then `filter`:
/// further `AND ...` conditions and any `GROUP BY`, or empty), in `order`,
/// grouped by that key: one statement for a page of plans instead of one
/// per plan.
#[allow(clippy::too_many_arguments)] // one call per kind of batch below
pub async fn grouped<T>(
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

pub fn first<T>(
    rows: Vec<QueryResult>,
    f: fn(&QueryResult) -> AppResult<T>,
) -> AppResult<Option<T>> {
    rows.first().map(f).transpose()
}

/// `false` for a unique violation, the error for anything else.
pub fn unique(result: Result<sea_orm::ExecResult, sea_orm::DbErr>) -> AppResult<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(err) if crate::error::is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Which way a date-sorted list runs.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// A keyset page of the rows of `select` whose `owner` column is `id`,
/// sorted by the `date` column then `id` (a cursor's key is a
/// [`DatedKey`]), so rows added meanwhile do not shift the page.
pub async fn dated_page(
    db: &impl ConnectionTrait,
    select: &str,
    (owner, id): (&str, Uuid),
    (date, order): (&str, Order),
    page: &PageRequest,
) -> AppResult<Vec<QueryResult>> {
    let (after_op, direction) = match order {
        Order::OldestFirst => (">", ""),
        Order::NewestFirst => ("<", " DESC"),
    };
    let limit = page.sql_limit();
    let mut params: Vec<sea_orm::Value> = vec![id.into(), limit.into()];
    let after = match page.after_key::<DatedKey>()? {
        Some(key) => {
            params.push(key.on.into());
            params.push(key.id.into());
            format!(" AND ({date} {after_op} $3 OR ({date} = $3 AND id {after_op} $4))")
        }
        None => String::new(),
    };
    Ok(query(
        db,
        &format!(
            "{select} WHERE {owner} = $1{after} ORDER BY {date}{direction}, id{direction} LIMIT $2"
        ),
        params,
    )
    .await?)
}

/// The value of column `col`. A value that cannot be read as `T` (missing
/// column, `NULL` where one is not allowed, a wrong type) is stored data we
/// cannot trust: `INTERNAL`, naming the column (logged, never sent).
pub fn get<T: TryGetable>(r: &QueryResult, col: &str) -> AppResult<T> {
    r.try_get::<T>("", col)
        .map_err(|err| AppError::internal(anyhow::anyhow!("reading column `{col}`: {err}")))
}

/// A JSON document stored as text in column `col`, read as `T` (a `NULL`
/// reads as JSON `null`, so `Option<T>` reads it as `None`). A document
/// that does not parse is stored data we cannot trust: `INTERNAL`.
pub fn json<T: serde::de::DeserializeOwned>(r: &QueryResult, col: &str) -> AppResult<T> {
    let text = get::<Option<String>>(r, col)?;
    serde_json::from_str(text.as_deref().unwrap_or("null"))
        .map_err(|err| AppError::internal(anyhow::anyhow!("reading column `{col}`: {err}")))
}
