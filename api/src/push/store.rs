//! Queries for push devices.

use chrono::Utc;
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::Platform;
use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::{AppError, AppResult},
    identity::directory,
};

#[derive(Debug, Clone)]
pub struct Device {
    pub id: Uuid,
    pub account_id: Uuid,
    pub platform: Platform,
    pub token: String,
    pub web_keys: Option<(String, String)>,
    pub app_version: String,
    pub time_zone: String,
    pub updated_at: chrono::DateTime<Utc>,
}

const COLUMNS: &str = "d.id, d.account_id, d.platform, d.token, d.web_p256dh, d.web_auth, d.app_version, d.time_zone, d.updated_at";

fn row(r: &QueryResult) -> AppResult<Device> {
    let web_keys = match (get(r, "web_p256dh")?, get(r, "web_auth")?) {
        (Some(p256dh), Some(auth)) => Some((p256dh, auth)),
        (None, None) => None,
        _ => {
            return Err(AppError::internal(anyhow::anyhow!(
                "push device has only one of its two Web Push keys"
            )));
        }
    };
    Ok(Device {
        id: get(r, "id")?,
        account_id: get(r, "account_id")?,
        platform: Platform::parse(&get::<String>(r, "platform")?)?,
        token: get(r, "token")?,
        web_keys,
        app_version: get(r, "app_version")?,
        time_zone: get(r, "time_zone")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub struct Registration<'a> {
    pub account_id: Uuid,
    pub platform: Platform,
    pub token: &'a str,
    pub web_keys: Option<(&'a str, &'a str)>,
    pub app_version: &'a str,
    pub time_zone: &'a str,
}

/// Registers a device, or updates it: a token already known (the same
/// phone) moves to the account now signed in on it.
pub async fn upsert(db: &impl ConnectionTrait, r: &Registration<'_>) -> AppResult<Device> {
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO push_devices (id, account_id, platform, token, web_p256dh, web_auth, \
         app_version, time_zone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (platform, token) DO UPDATE SET account_id = excluded.account_id, \
         web_p256dh = excluded.web_p256dh, web_auth = excluded.web_auth, \
         app_version = excluded.app_version, time_zone = excluded.time_zone, \
         updated_at = excluded.updated_at",
        vec![
            Uuid::now_v7().into(),
            r.account_id.into(),
            r.platform.as_str().into(),
            r.token.into(),
            r.web_keys.map(|(k, _)| k.to_string()).into(),
            r.web_keys.map(|(_, a)| a.to_string()).into(),
            r.app_version.into(),
            r.time_zone.into(),
            now.into(),
        ],
    )
    .await?;
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM push_devices d WHERE d.platform = $1 AND d.token = $2"),
        vec![r.platform.as_str().into(), r.token.into()],
    )
    .await?;
    rows.first()
        .map(row)
        .transpose()?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("registered device vanished")))
}

/// Removes one of the account's devices by token; false when it had none.
pub async fn remove_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    token: &str,
) -> AppResult<bool> {
    let result = exec(
        db,
        "DELETE FROM push_devices WHERE account_id = $1 AND token = $2",
        vec![account_id.into(), token.into()],
    )
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Removes every device of an account (signed out everywhere, or disabled).
pub async fn remove_all_for_account(db: &impl ConnectionTrait, account_id: Uuid) -> AppResult<u64> {
    let result = exec(
        db,
        "DELETE FROM push_devices WHERE account_id = $1",
        vec![account_id.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

/// Removes a device the provider says is gone.
pub async fn prune(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    exec(
        db,
        "DELETE FROM push_devices WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    Ok(())
}

pub async fn device(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Device>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM push_devices d WHERE d.id = $1"),
        vec![id.into()],
    )
    .await?;
    rows.first().map(row).transpose()
}

/// A device, if it is registered to this account.
pub async fn device_of_account(
    db: &impl ConnectionTrait,
    id: Uuid,
    account_id: Uuid,
) -> AppResult<Option<Device>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM push_devices d WHERE d.id = $1 AND d.account_id = $2"),
        vec![id.into(), account_id.into()],
    )
    .await?;
    rows.first().map(row).transpose()
}

pub async fn for_account(db: &impl ConnectionTrait, account_id: Uuid) -> AppResult<Vec<Device>> {
    let rows = query(
        db,
        &format!("SELECT {COLUMNS} FROM push_devices d WHERE d.account_id = $1 ORDER BY d.id"),
        vec![account_id.into()],
    )
    .await?;
    rows.iter().map(row).collect()
}

/// The devices of a person's active account (one statement: the account
/// comes from identity's fragment).
pub async fn for_person(db: &impl ConnectionTrait, person_id: Uuid) -> AppResult<Vec<Device>> {
    let rows = query(
        db,
        &format!(
            "SELECT {COLUMNS} FROM push_devices d WHERE d.account_id IN ({}) ORDER BY d.id",
            directory::active_accounts_of_person_sql("$1")
        ),
        vec![person_id.into()],
    )
    .await?;
    rows.iter().map(row).collect()
}
