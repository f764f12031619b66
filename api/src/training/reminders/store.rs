//! SQL for training reminders: claiming bookings due one, marked in the
//! claim so each is claimed once (rows locked and skipped on PostgreSQL;
//! SQLite serialises writers).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use super::{DAY_BEFORE, OFFER_REMINDER};
use crate::{
    db::claim::Claim,
    db::raw::{exec, query},
    db::rows::{all, get},
    error::AppResult,
};

pub async fn set_offered_at(
    db: &impl ConnectionTrait,
    booking: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_bookings SET offered_at = $2 WHERE id = $1",
        vec![booking.into(), at.into()],
    )
    .await?;
    Ok(())
}

/// Runs a claim: `due` selects the ids (of `training_bookings b`, with
/// `$1` now, `$2` the horizon, `$3` the limit), `mark` is the column set
/// to now. Returns the claimed ids.
async fn claim(
    db: &impl ConnectionTrait,
    due: &str,
    mark: &str,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Uuid>> {
    let set = format!("{mark} = $1");
    let sql = Claim {
        table: "training_bookings",
        key: &["id"],
        due,
        lock_of: Some("b"),
        set: &set,
        returning: "id",
    }
    .sql(db.get_database_backend());
    let rows = query(
        db,
        &sql,
        vec![
            now.into(),
            horizon.into(),
            i64::try_from(limit).unwrap_or(i64::MAX).into(),
        ],
    )
    .await?;
    all(rows, |r| get(r, "id"))
}

/// `later` is more than `hours` after `earlier` (timestamps are text on
/// SQLite, so their arithmetic goes through `julianday`).
fn apart(backend: DbBackend, earlier: &str, later: &str, hours: i64) -> String {
    match backend {
        DbBackend::Postgres => format!("{later} - {earlier} > interval '{hours} hours'"),
        _ => format!("(julianday({later}) - julianday({earlier})) * 24 > {hours}"),
    }
}

/// Claims offers running out within 6 hours of `now`, not yet reminded,
/// whose hold was longer than 12 hours.
pub async fn claim_offers_expiring(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Uuid>> {
    let long_hold = apart(
        db.get_database_backend(),
        "b.offered_at",
        "b.offered_until",
        super::SHORT_HOLD.num_hours(),
    );
    let due = format!(
        "SELECT b.id FROM training_bookings b WHERE b.state = 'offered' \
         AND b.offer_reminded_at IS NULL AND b.offered_until > $1 AND b.offered_until <= $2 \
         AND b.offered_at IS NOT NULL AND {long_hold} ORDER BY b.offered_until, b.id LIMIT $3"
    );
    claim(
        db,
        &due,
        "offer_reminded_at",
        now,
        now + OFFER_REMINDER,
        limit,
    )
    .await
}

/// Claims booked places on scheduled sessions starting within a day of
/// `now`, not yet reminded for this start (a reminder sent more than a
/// day before the session's current start was for an earlier time).
pub async fn claim_day_before(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Uuid>> {
    let for_earlier_time = apart(
        db.get_database_backend(),
        "b.day_before_reminded_at",
        "s.starts_at",
        DAY_BEFORE.num_hours(),
    );
    let due = format!(
        "SELECT b.id FROM training_bookings b JOIN training_sessions s ON s.id = b.session_id \
         WHERE b.state = 'booked' AND s.state = 'scheduled' AND s.starts_at > $1 \
         AND s.starts_at <= $2 AND (b.day_before_reminded_at IS NULL OR {for_earlier_time}) \
         ORDER BY s.starts_at, b.id LIMIT $3"
    );
    claim(
        db,
        &due,
        "day_before_reminded_at",
        now,
        now + DAY_BEFORE,
        limit,
    )
    .await
}
