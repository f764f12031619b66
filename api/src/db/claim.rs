//! Claiming due rows once however many workers run: one statement takes
//! the rows a query finds due and marks them, so a second claimer finds
//! them taken. On PostgreSQL a locking CTE (`FOR UPDATE SKIP LOCKED`)
//! lets concurrent claimers skip each other's rows; it runs once, where
//! `id IN (SELECT … SKIP LOCKED)` may be re-evaluated by the planner and
//! claim more rows than the limit. SQLite runs one writer at a time, so
//! the statement itself is the lock.

use sea_orm::DbBackend;

/// What a claim takes and how it marks it.
pub struct Claim<'a> {
    /// The table claimed from.
    pub table: &'a str,
    /// Its key columns: what `due` selects, in this order.
    pub key: &'a [&'a str],
    /// The query for the keys of the due rows, ordered and limited. It may
    /// join other tables, naming the claimed one's alias in `lock_of`.
    pub due: &'a str,
    /// On PostgreSQL, the alias in `due` whose rows are locked (when `due`
    /// joins other tables, which are not locked).
    pub lock_of: Option<&'a str>,
    /// The assignments made to each claimed row (`state = 'running', …`;
    /// unqualified columns are the claimed row's).
    pub set: &'a str,
    /// The claimed rows' columns returned, comma-separated, unqualified.
    pub returning: &'a str,
}

impl Claim<'_> {
    /// The claiming statement for `backend`.
    pub fn sql(&self, backend: DbBackend) -> String {
        let Claim {
            table,
            key,
            due,
            lock_of,
            set,
            returning,
        } = self;
        match backend {
            DbBackend::Postgres => {
                let of = lock_of
                    .map(|alias| format!(" OF {alias}"))
                    .unwrap_or_default();
                let on = key
                    .iter()
                    .map(|k| format!("claimed.{k} = due.{k}"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let returning = returning
                    .split(',')
                    .map(|c| format!("claimed.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "WITH due AS ({due} FOR UPDATE{of} SKIP LOCKED) \
                     UPDATE {table} AS claimed SET {set} FROM due WHERE {on} \
                     RETURNING {returning}"
                )
            }
            _ => {
                let keys = match key {
                    [one] => (*one).to_string(),
                    many => format!("({})", many.join(", ")),
                };
                format!("UPDATE {table} SET {set} WHERE {keys} IN ({due}) RETURNING {returning}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOBS: Claim<'static> = Claim {
        table: "jobs",
        key: &["id"],
        due: "SELECT id FROM jobs WHERE state = 'queued' ORDER BY run_at_ms LIMIT $1",
        lock_of: None,
        set: "state = 'running'",
        returning: "id, kind",
    };

    #[test]
    fn postgres_claims_through_a_locking_cte_and_qualifies_what_it_returns() {
        assert_eq!(
            JOBS.sql(DbBackend::Postgres),
            "WITH due AS (SELECT id FROM jobs WHERE state = 'queued' ORDER BY run_at_ms LIMIT $1 \
             FOR UPDATE SKIP LOCKED) UPDATE jobs AS claimed SET state = 'running' FROM due \
             WHERE claimed.id = due.id RETURNING claimed.id, claimed.kind"
        );
        let joined = Claim {
            key: &["request_id", "timescale"],
            lock_of: Some("t"),
            ..JOBS
        };
        let sql = joined.sql(DbBackend::Postgres);
        assert!(sql.contains("FOR UPDATE OF t SKIP LOCKED"), "{sql}");
        assert!(
            sql.contains(
                "claimed.request_id = due.request_id AND claimed.timescale = due.timescale"
            ),
            "{sql}"
        );
    }

    #[test]
    fn sqlite_claims_in_one_update() {
        assert_eq!(
            JOBS.sql(DbBackend::Sqlite),
            "UPDATE jobs SET state = 'running' WHERE id IN (SELECT id FROM jobs WHERE \
             state = 'queued' ORDER BY run_at_ms LIMIT $1) RETURNING id, kind"
        );
        let two = Claim {
            key: &["request_id", "timescale"],
            ..JOBS
        };
        assert!(
            two.sql(DbBackend::Sqlite)
                .contains("WHERE (request_id, timescale) IN (SELECT")
        );
    }
}
