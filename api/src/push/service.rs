//! Registering and unregistering a device (the viewer's own), and queueing
//! pushes for a notification.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{
    job::{PUSH_NOTIFICATION, PushDelivery},
    model::{self, Platform},
    sender::PushSenders,
    store::{self, Device, Registration},
};
use crate::audit::AuditAction;
use crate::{
    audit::{self, AuditEntry},
    auth::viewer::Viewer,
    config::PushSettings,
    db::begin_write,
    error::{AppError, AppResult},
    jobs::{self, NewJob},
    notifications::{model as notification_model, service::own_person},
};

/// What the server can push to, for the GraphQL layer.
pub struct PushConfig {
    pub settings: PushSettings,
    pub senders: Arc<PushSenders>,
}

pub struct NewDevice<'a> {
    pub platform: Platform,
    pub token: &'a str,
    pub web_keys: Option<(&'a str, &'a str)>,
    pub app_version: &'a str,
    pub time_zone: &'a str,
}

/// Registers (or refreshes) the viewer's device. Idempotent; a token known
/// for another account moves to this one (a shared or passed-on phone).
pub async fn register(
    db: &DatabaseConnection,
    viewer: &Viewer,
    config: &PushConfig,
    new: NewDevice<'_>,
    request_id: &str,
) -> AppResult<Device> {
    let (account, person) = own_person(viewer)?;
    if !config.senders.configured(new.platform) {
        return Err(AppError::bad_input(
            "platform",
            format!(
                "push to {} is not set up on this server",
                new.platform.as_str()
            ),
        ));
    }
    let token = model::check_token(new.platform, new.token, &config.settings)?;
    let web_keys = match (new.platform, new.web_keys) {
        (Platform::Web, Some((p256dh, auth))) => {
            model::check_web_keys(p256dh, auth)?;
            Some((p256dh, auth))
        }
        (Platform::Web, None) => {
            return Err(AppError::bad_input(
                "webPush",
                "a browser subscription needs its keys",
            ));
        }
        _ => None,
    };
    let app_version = new.app_version.trim();
    if app_version.is_empty() || app_version.len() > 32 {
        return Err(AppError::bad_input(
            "appVersion",
            "must be 1 to 32 characters",
        ));
    }
    let zone = notification_model::time_zone("timeZone", new.time_zone)?;
    let txn = begin_write(db).await?;
    let device = store::upsert(
        &txn,
        &Registration {
            account_id: account,
            platform: new.platform,
            token: &token,
            web_keys,
            app_version,
            time_zone: zone.name(),
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            actor_account: Some(account),
            record_type: "PushDevice",
            record_id: Some(device.id),
            fields: &["platform", "token", "appVersion", "timeZone"],
            subject_person: Some(person),
            ..AuditEntry::new(AuditAction::PushDeviceRegister, request_id)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(device)
}

/// Removes the viewer's device with this token (signing out on a phone).
pub async fn unregister(
    db: &DatabaseConnection,
    viewer: &Viewer,
    token: &str,
    request_id: &str,
) -> AppResult<bool> {
    let (account, person) = own_person(viewer)?;
    let txn = begin_write(db).await?;
    let removed = store::remove_for_account(&txn, account, token.trim()).await?;
    if removed {
        audit::record(
            &txn,
            AuditEntry {
                actor_account: Some(account),
                record_type: "PushDevice",
                fields: &["token"],
                subject_person: Some(person),
                ..AuditEntry::new(AuditAction::PushDeviceUnregister, request_id)
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(removed)
}

pub async fn devices(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Vec<Device>> {
    let (account, _) = own_person(viewer)?;
    store::for_account(db, account).await
}

/// One of the viewer's own devices (`node` of a `PushDevice` id); none
/// for anyone else's device, or for a viewer with no devices of their own.
pub async fn own_device(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<Device>> {
    let Ok((account, _)) = own_person(viewer) else {
        return Ok(None);
    };
    store::device_of_account(db, id, account).await
}

/// Queues one push per current device of the person, from `run_at_ms`.
pub async fn enqueue_pushes(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    notification_id: Uuid,
    run_at_ms: i64,
) -> AppResult<()> {
    for device in store::for_person(db, person_id).await? {
        let job = NewJob::new(
            PUSH_NOTIFICATION,
            PushDelivery {
                notification_id,
                device_id: device.id,
            },
        )?
        .run_at_ms(run_at_ms)
        .timeout(std::time::Duration::from_secs(30));
        jobs::enqueue(db, job).await?;
    }
    Ok(())
}
