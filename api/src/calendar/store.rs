//! The `bank_holidays` table (owned by the calendar): one row a holiday a
//! division, keyed by (`division`, `holiday_on`), with gov.uk's `title`,
//! `notes` and `bunting`. Seeded by the migrations with England and Wales
//! 2024-2027; `closeknit calendar import` replaces whole years.

use std::ops::RangeInclusive;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, QueryResult, Value};

use super::{Division, WorkingCalendar};
use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::{AppError, AppResult},
};

/// One bank holiday as stored (and as an import file gives it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHoliday {
    pub on: NaiveDate,
    pub title: String,
    /// Empty, or gov.uk's note (`"Substitute day"`).
    pub notes: String,
    pub bunting: bool,
}

/// Rows a single insert carries (5 values each, well under either
/// database's limit on bound values).
const ROWS_PER_INSERT: usize = 200;

/// A division's working calendar: weekends and its stored bank holidays
/// (one query).
pub async fn load(db: &impl ConnectionTrait, division: Division) -> AppResult<WorkingCalendar> {
    let rows = query(
        db,
        "SELECT holiday_on FROM bank_holidays WHERE division = $1",
        vec![division.as_str().into()],
    )
    .await?;
    let days = rows
        .iter()
        .map(|r| get::<NaiveDate>(r, "holiday_on"))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(WorkingCalendar::new(days))
}

/// A division's stored bank holidays, in date order.
pub async fn holidays(
    db: &impl ConnectionTrait,
    division: Division,
) -> AppResult<Vec<BankHoliday>> {
    let rows = query(
        db,
        "SELECT holiday_on, title, notes, bunting FROM bank_holidays \
         WHERE division = $1 ORDER BY holiday_on",
        vec![division.as_str().into()],
    )
    .await?;
    rows.iter().map(holiday).collect()
}

fn holiday(r: &QueryResult) -> AppResult<BankHoliday> {
    Ok(BankHoliday {
        on: get(r, "holiday_on")?,
        title: get(r, "title")?,
        notes: get(r, "notes")?,
        bunting: get(r, "bunting")?,
    })
}

/// Replaces a division's holidays in each run of calendar years with
/// `holidays` (which the caller has checked fall in those years), inside
/// the caller's transaction. Returns how many rows were removed.
pub(super) async fn replace_years(
    txn: &impl ConnectionTrait,
    division: Division,
    years: &[RangeInclusive<i32>],
    holidays: &[BankHoliday],
) -> AppResult<u64> {
    let mut removed = 0;
    for run in years {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(*run.start(), 1, 1),
            NaiveDate::from_ymd_opt(*run.end(), 12, 31),
        ) else {
            return Err(AppError::internal(anyhow::anyhow!(
                "bank holiday years {run:?} are outside the calendar"
            )));
        };
        removed += exec(
            txn,
            "DELETE FROM bank_holidays \
             WHERE division = $1 AND holiday_on >= $2 AND holiday_on <= $3",
            vec![division.as_str().into(), first.into(), last.into()],
        )
        .await?
        .rows_affected();
    }
    for chunk in holidays.chunks(ROWS_PER_INSERT) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
        for (i, h) in chunk.iter().enumerate() {
            let n = i * 5;
            rows.push(format!(
                "(${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
            values.extend([
                division.as_str().into(),
                h.on.into(),
                h.title.clone().into(),
                h.notes.clone().into(),
                h.bunting.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO bank_holidays (division, holiday_on, title, notes, bunting) VALUES {}",
            rows.join(", ")
        );
        exec(txn, &sql, values).await?;
    }
    Ok(removed)
}
