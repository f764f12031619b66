//! SQL for consents (`training_booking_consents`).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::{
    db::raw::{exec, query},
    db::rows::{all, first, get},
    error::AppResult,
};

/// A consent as stored.
#[derive(Debug, Clone)]
pub struct ConsentRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub client_id: Uuid,
    pub granted_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, person_id, client_id, granted_at, revoked_at";

fn consent_row(r: &QueryResult) -> AppResult<ConsentRow> {
    Ok(ConsentRow {
        id: get(r, "id")?,
        person_id: get(r, "person_id")?,
        client_id: get(r, "client_id")?,
        granted_at: get(r, "granted_at")?,
        revoked_at: get(r, "revoked_at")?,
    })
}

/// The person's live consent for the client, if any.
pub async fn live(
    db: &impl ConnectionTrait,
    person: Uuid,
    client: Uuid,
) -> AppResult<Option<ConsentRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM training_booking_consents WHERE person_id = $1 \
             AND client_id = $2 AND revoked_at IS NULL"
        ),
        vec![person.into(), client.into()],
    )
    .await?;
    first(rows, consent_row)
}

/// The person's live consents, oldest first.
pub async fn live_for(db: &impl ConnectionTrait, person: Uuid) -> AppResult<Vec<ConsentRow>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM training_booking_consents WHERE person_id = $1 \
             AND revoked_at IS NULL ORDER BY granted_at, id"
        ),
        vec![person.into()],
    )
    .await?;
    all(rows, consent_row)
}

pub async fn insert(db: &impl ConnectionTrait, row: &ConsentRow) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO training_booking_consents (id, person_id, client_id, granted_at, \
         revoked_at) VALUES ($1, $2, $3, $4, NULL)",
        vec![
            row.id.into(),
            row.person_id.into(),
            row.client_id.into(),
            row.granted_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Ends a live consent.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    exec(
        db,
        "UPDATE training_booking_consents SET revoked_at = $2 WHERE id = $1 \
         AND revoked_at IS NULL",
        vec![id.into(), now.into()],
    )
    .await?;
    Ok(())
}

pub async fn consent(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<ConsentRow>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM training_booking_consents WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    first(rows, consent_row)
}
