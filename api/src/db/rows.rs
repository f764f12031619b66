//! Reading rows of hand-written SQL: always by column name, never by
//! position, so a reordered or widened `SELECT` cannot shift values into the
//! wrong fields. Statements name (or alias) every column they read, so the
//! names are the same on SQLite and PostgreSQL.

use sea_orm::{QueryResult, TryGetable};

use crate::error::{AppError, AppResult};

/// The value of column `col`. A value that cannot be read as `T` (missing
/// column, `NULL` where one is not allowed, a wrong type) is stored data we
/// cannot trust: `INTERNAL`, naming the column (logged, never sent).
pub fn get<T: TryGetable>(r: &QueryResult, col: &str) -> AppResult<T> {
    r.try_get::<T>("", col)
        .map_err(|err| AppError::internal(anyhow::anyhow!("reading column `{col}`: {err}")))
}
