//! Hand-written SQL that must run on both backends. Statements use `$n`
//! placeholders; for SQLite they are rewritten to `?n` (same numbering).

use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement, Value};

pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_string(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

pub async fn exec(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<ExecResult, DbErr> {
    db.execute_raw(statement(db.get_database_backend(), sql, values))
        .await
}

pub async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all_raw(statement(db.get_database_backend(), sql, values))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_placeholders_are_numbered() {
        let s = statement(DbBackend::Sqlite, "a = $1 AND b = $2 OR c = $1", vec![]);
        assert_eq!(s.sql, "a = ?1 AND b = ?2 OR c = ?1");
        let p = statement(DbBackend::Postgres, "a = $1", vec![]);
        assert_eq!(p.sql, "a = $1");
    }
}
