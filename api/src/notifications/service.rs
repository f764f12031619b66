//! Sending notifications, and what a person does with their own.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{self, Channel, Kind},
    store::{self, NewRow, NotificationRow, Settings},
};
use crate::audit::AuditAction;
use crate::{
    audit::{self, AuditEntry},
    auth::viewer::Viewer,
    db::begin_write,
    error::{AppError, AppResult},
    jobs::{self, NewJob},
    policy::{self, Action, Target},
};

/// Job kind that emails one notification.
pub const EMAIL_NOTIFICATION: &str = "notification.email";

/// Payload of a delivery job: only the notification's id. The worker reads
/// the notification, the person's address and their current choices when
/// it runs, so nothing personal waits in the queue.
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub notification_id: Uuid,
}

/// A notification to send to a person.
pub struct NewNotification<'a> {
    pub person_id: Uuid,
    pub kind: Kind,
    pub title: &'a str,
    pub body: &'a str,
    /// The record it is about (the app fetches it by id).
    pub subject: Option<(&'a str, Uuid)>,
    /// Replaces an earlier notification with the same key (a rescheduled
    /// reminder).
    pub collapse_key: Option<&'a str>,
}

/// Records the notification in the person's inbox and schedules its
/// deliveries, in the caller's transaction: both commit with the change
/// that caused them, or neither does. Non-urgent deliveries wait for the
/// end of the person's quiet hours.
pub async fn notify(db: &impl ConnectionTrait, new: NewNotification<'_>) -> AppResult<Uuid> {
    let title = new.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::internal(anyhow::anyhow!(
            "notification titles are 1 to 200 characters"
        )));
    }
    let id = store::insert(
        db,
        &NewRow {
            person_id: new.person_id,
            kind: new.kind,
            title,
            body: new.body.trim(),
            subject: new.subject,
            collapse_key: new.collapse_key,
        },
    )
    .await?;
    super::live::announce(
        db,
        super::live::LiveEvent {
            person_id: new.person_id,
            notification_id: id,
        },
    )
    .await?;
    let chosen = store::chosen_channels(db, new.person_id, new.kind).await?;
    let channels = model::effective_channels(new.kind, &chosen);
    let settings = store::settings(db, new.person_id).await?;
    let at = model::deliver_at(
        Utc::now(),
        settings.time_zone,
        settings.quiet_hours,
        new.kind.urgent(),
    );
    if channels.contains(&Channel::Push) {
        crate::push::service::enqueue_pushes(db, new.person_id, id, at.timestamp_millis()).await?;
    }
    if channels.contains(&Channel::Email) {
        let job = NewJob::new(
            EMAIL_NOTIFICATION,
            Delivery {
                notification_id: id,
            },
        )?
        .run_at_ms(at.timestamp_millis())
        .timeout(std::time::Duration::from_secs(30));
        jobs::enqueue(db, job).await?;
    }
    Ok(id)
}

/// The notification a delivery job is for, if it should still go out by
/// `channel` now: not replaced or removed, not already read in the app
/// (urgent ones go regardless), and the channel still chosen by the person
/// (their choice as it is now, not as it was when the job was queued).
pub async fn still_wanted(
    db: &impl ConnectionTrait,
    notification_id: Uuid,
    channel: Channel,
) -> AppResult<Option<NotificationRow>> {
    let Some(notification) = store::get(db, notification_id).await? else {
        return Ok(None);
    };
    if notification.read_at.is_some() && !notification.urgent {
        return Ok(None);
    }
    let chosen = store::chosen_channels(db, notification.person_id, notification.kind).await?;
    if !model::effective_channels(notification.kind, &chosen).contains(&channel) {
        return Ok(None);
    }
    Ok(Some(notification))
}

/// The viewer's account and person, if they may manage their own
/// notifications (and devices).
pub fn own_person(viewer: &Viewer) -> AppResult<(Uuid, Uuid)> {
    let account = viewer.account_viewer()?;
    policy::authorize(
        viewer,
        Action::ManageOwnNotifications,
        &Target::person(account.person_id, None),
    )?;
    Ok((account.account_id, account.person_id))
}

pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: &crate::paging::PageRequest,
    unread_only: bool,
) -> AppResult<Vec<NotificationRow>> {
    let (_, person) = own_person(viewer)?;
    store::page(db, person, page, unread_only).await
}

pub async fn unread_count(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<i64> {
    let (_, person) = own_person(viewer)?;
    store::unread_count(db, person).await
}

pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<NotificationRow>> {
    if viewer.account_viewer().is_err() {
        return Ok(None);
    }
    let (_, person) = own_person(viewer)?;
    store::own(db, person, id).await
}

/// Marks notifications read: the given ones, or all when `ids` is `None`.
/// Returns how many changed.
pub async fn mark_read(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: Option<&[Uuid]>,
    request_id: &str,
) -> AppResult<u64> {
    let (account, person) = own_person(viewer)?;
    if ids.is_some_and(|ids| ids.len() > 100) {
        return Err(AppError::bad_input("ids", "at most 100 ids at a time"));
    }
    let txn = begin_write(db).await?;
    let marked = match ids {
        Some(ids) => store::mark_read(&txn, person, ids).await?,
        None => store::mark_all_read(&txn, person).await?,
    };
    if marked > 0 {
        audit::record(
            &txn,
            AuditEntry {
                actor_account: Some(account),
                record_type: "Notification",
                fields: &["readAt"],
                subject_person: Some(person),
                ..AuditEntry::new(AuditAction::NotificationMarkRead, request_id)
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(marked)
}

pub async fn settings(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> AppResult<(Settings, Vec<(Kind, Vec<Channel>)>)> {
    let (_, person) = own_person(viewer)?;
    Ok((
        store::settings(db, person).await?,
        store::preferences(db, person).await?,
    ))
}

/// A change to a person's notification settings; `None` leaves a part as it is.
pub struct SettingsChange {
    pub time_zone: Option<String>,
    /// `Some(None)` turns quiet hours off.
    pub quiet_hours: Option<Option<(chrono::NaiveTime, chrono::NaiveTime)>>,
    pub channels: Vec<(Kind, Vec<Channel>)>,
}

pub async fn update_settings(
    db: &DatabaseConnection,
    viewer: &Viewer,
    change: SettingsChange,
    request_id: &str,
) -> AppResult<()> {
    let (account, person) = own_person(viewer)?;
    let txn = begin_write(db).await?;
    let mut settings = store::settings(&txn, person).await?;
    let mut fields: Vec<&str> = Vec::new();
    if let Some(zone) = &change.time_zone {
        settings.time_zone = model::time_zone("timeZone", zone)?;
        fields.push("timeZone");
    }
    if let Some(quiet) = change.quiet_hours {
        settings.quiet_hours = quiet
            .map(|(start, end)| model::QuietHours::new(start, end))
            .transpose()?;
        fields.push("quietHours");
    }
    let mut seen = Vec::new();
    for (kind, _) in &change.channels {
        if seen.contains(kind) {
            return Err(AppError::bad_input(
                "channels",
                format!("{} is listed twice", kind.as_str()),
            ));
        }
        seen.push(*kind);
    }
    if change.time_zone.is_some() || change.quiet_hours.is_some() {
        store::set_settings(&txn, person, &settings).await?;
    }
    for (kind, channels) in &change.channels {
        store::set_preference(&txn, person, *kind, channels).await?;
    }
    if !change.channels.is_empty() {
        fields.push("channels");
    }
    if !fields.is_empty() {
        audit::record(
            &txn,
            AuditEntry {
                actor_account: Some(account),
                record_type: "NotificationSettings",
                record_id: Some(person),
                fields: &fields,
                subject_person: Some(person),
                ..AuditEntry::new(AuditAction::NotificationSettingsUpdate, request_id)
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
