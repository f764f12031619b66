//! GraphQL contract for a person's own notifications: the inbox, read
//! state, and their channel, time zone and quiet-hours settings.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::{
    model::{self, Channel, Kind},
    service::{self, SettingsChange},
    store::NotificationRow,
};
use crate::paging::PageRequest;
use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
};

/// Something Closeknit told the person.
#[derive(SimpleObject, Clone)]
pub struct Notification {
    /// Global id.
    pub id: ID,
    pub kind: Kind,
    /// Safeguarding and security messages: delivered at once, always by email too.
    pub urgent: bool,
    pub title: String,
    pub body: String,
    /// Global id of the record it is about; fetch it with `node`.
    pub subject_id: Option<ID>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        Notification {
            id: encode_id("Notification", row.id),
            kind: row.kind,
            urgent: row.urgent,
            title: row.title,
            body: row.body,
            subject_id: row
                .subject_type
                .as_deref()
                .zip(row.subject_id)
                .map(|(t, id)| encode_id(t, id)),
            created_at: row.created_at,
            read_at: row.read_at,
            updated_at: row.updated_at,
        }
    }
}

/// A daily window in the person's local time.
#[derive(InputObject)]
pub struct QuietHoursInput {
    /// Local time, `HH:MM` (24-hour), such as `21:00`.
    pub start: String,
    /// Local time, `HH:MM`, such as `08:00`; may be earlier than `start`
    /// (the window then crosses midnight).
    pub end: String,
}

#[derive(SimpleObject)]
pub struct KindChannels {
    pub kind: Kind,
    /// In-app is always included; safeguarding and security always email too.
    pub channels: Vec<Channel>,
}

#[derive(InputObject)]
pub struct KindChannelsInput {
    pub kind: Kind,
    pub channels: Vec<Channel>,
}

#[derive(SimpleObject)]
pub struct NotificationSettings {
    /// IANA time zone, such as `Europe/London`.
    pub time_zone: String,
    /// Non-urgent messages wait until these end.
    pub quiet_hours: Option<QuietHoursOut>,
    /// Every kind, with the channels it goes to.
    pub channels: Vec<KindChannels>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A daily window in the person's local time (`HH:MM`).
#[derive(SimpleObject)]
#[graphql(name = "QuietHours")]
pub struct QuietHoursOut {
    pub start: String,
    pub end: String,
}

#[derive(InputObject)]
pub struct UpdateNotificationSettingsInput {
    pub time_zone: Option<String>,
    /// New quiet hours (omit to keep them).
    pub quiet_hours: Option<QuietHoursInput>,
    /// `true` turns quiet hours off.
    #[graphql(default)]
    pub clear_quiet_hours: bool,
    /// Channels for the kinds listed (others are unchanged).
    #[graphql(default)]
    pub channels: Vec<KindChannelsInput>,
}

#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// Notification ids (at most 100); omit to mark every notification read.
    pub ids: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many changed from unread to read.
    pub marked: i32,
    pub unread_count: i32,
}

async fn settings_out(request: &RequestCtx) -> AppResult<NotificationSettings> {
    let (settings, chosen) = service::settings(&request.db, &request.viewer).await?;
    let channels = Kind::ALL
        .into_iter()
        .map(|kind| {
            let picked = chosen
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, c)| c.clone())
                .unwrap_or_else(|| model::DEFAULT_CHANNELS.to_vec());
            KindChannels {
                kind,
                channels: model::effective_channels(kind, &picked),
            }
        })
        .collect();
    Ok(NotificationSettings {
        time_zone: settings.time_zone.name().to_string(),
        quiet_hours: settings.quiet_hours.map(|q| QuietHoursOut {
            start: q.start.format("%H:%M").to_string(),
            end: q.end.format("%H:%M").to_string(),
        }),
        channels,
        updated_at: settings.updated_at,
    })
}

fn count(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// Resolves a `Notification` node (the viewer's own only).
pub async fn node(request: &RequestCtx, id: uuid::Uuid) -> AppResult<Option<Notification>> {
    Ok(service::get(&request.db, &request.viewer, id)
        .await?
        .map(Notification::from))
}

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The viewer's notifications, newest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] unread_only: bool,
    ) -> async_graphql::Result<Connection<String, Notification>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let rows = service::list(&request.db, &request.viewer, &page, unread_only).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            Notification::from,
        ))
    }

    /// How many of the viewer's notifications are unread (for a badge).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let request = RequestCtx::get(ctx)?;
        Ok(count(
            service::unread_count(&request.db, &request.viewer).await?,
        ))
    }

    /// The viewer's channels per kind, time zone and quiet hours.
    async fn notification_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<NotificationSettings> {
        Ok(settings_out(RequestCtx::get(ctx)?).await?)
    }
}

#[derive(Default)]
pub struct NotificationsSubscription;

#[async_graphql::Subscription]
impl NotificationsSubscription {
    /// New notifications for the viewer as they are created (on any server
    /// instance). Authenticate in `connection_init` with
    /// `{"authorization": "Bearer <access token>"}`. The stream ends when
    /// the session ends or the access token expires; reconnect with a fresh
    /// token and fetch anything missed with `notifications`.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl futures::Stream<Item = Notification> + use<>> {
        let request = RequestCtx::get(ctx)?;
        let viewer = request.viewer.account_viewer()?;
        crate::policy::authorize(
            &request.viewer,
            crate::policy::Action::ManageOwnNotifications,
            &crate::policy::Target::person(viewer.person_id, None),
        )?;
        let hub = RequestCtx::service::<super::live::LiveHub>(ctx)?;
        let expires = ctx.data::<SessionExpiry>().ok().map(|e| e.0);
        Ok(super::live::subscription(
            hub,
            request.db.clone(),
            viewer.clone(),
            expires,
        ))
    }
}

/// When the access token that opened a WebSocket expires.
#[derive(Clone, Copy)]
pub struct SessionExpiry(pub tokio::time::Instant);

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Marks some (or all) of the viewer's notifications read. Repeating it
    /// changes nothing, so it needs no idempotency key.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let request = RequestCtx::get(ctx)?;
        let ids = input
            .ids
            .map(|ids| {
                ids.iter()
                    .map(|id| decode_typed_id("ids", id, "Notification"))
                    .collect::<AppResult<Vec<_>>>()
            })
            .transpose()?;
        let marked = service::mark_read(
            &request.db,
            &request.viewer,
            ids.as_deref(),
            &request.request_id,
        )
        .await?;
        let unread = service::unread_count(&request.db, &request.viewer).await?;
        Ok(MarkNotificationsReadPayload {
            marked: count(marked),
            unread_count: count(unread),
        })
    }

    /// Changes the viewer's notification settings (all or nothing).
    async fn update_notification_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateNotificationSettingsInput,
    ) -> async_graphql::Result<NotificationSettings> {
        let request = RequestCtx::get(ctx)?;
        let quiet_hours = match (input.quiet_hours, input.clear_quiet_hours) {
            (Some(_), true) => {
                return Err(AppError::bad_input(
                    "clearQuietHours",
                    "cannot set and clear quiet hours at once",
                )
                .into());
            }
            (Some(q), false) => Some(Some((
                crate::text::time_of_day("quietHours.start", &q.start)?,
                crate::text::time_of_day("quietHours.end", &q.end)?,
            ))),
            (None, true) => Some(None),
            (None, false) => None,
        };
        service::update_settings(
            &request.db,
            &request.viewer,
            SettingsChange {
                time_zone: input.time_zone,
                quiet_hours,
                channels: input
                    .channels
                    .into_iter()
                    .map(|c| (c.kind, c.channels))
                    .collect(),
            },
            &request.request_id,
        )
        .await?;
        Ok(settings_out(request).await?)
    }
}
