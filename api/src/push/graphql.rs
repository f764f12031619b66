//! GraphQL contract for push devices (the viewer's own).

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::Platform,
    service::{self, NewDevice, PushConfig},
    store::Device,
};
use crate::{
    error::AppResult,
    graphql::{context::RequestCtx, relay::encode_id},
};

/// An app installation or browser that receives pushes.
#[derive(SimpleObject)]
pub struct PushDevice {
    pub id: ID,
    pub platform: Platform,
    pub app_version: String,
    pub time_zone: String,
    pub updated_at: DateTime<Utc>,
}

impl From<Device> for PushDevice {
    fn from(d: Device) -> Self {
        PushDevice {
            id: encode_id("PushDevice", d.id),
            platform: d.platform,
            app_version: d.app_version,
            time_zone: d.time_zone,
            updated_at: d.updated_at,
        }
    }
}

/// `node` of a `PushDevice` id: only a device registered to the viewer's
/// own account. Like `pushDevices`, not audited.
pub async fn node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<PushDevice>> {
    let request = RequestCtx::get(ctx)?;
    Ok(service::own_device(&request.db, &request.viewer, id)
        .await?
        .map(PushDevice::from))
}

/// A browser's Web Push subscription keys (base64url).
#[derive(InputObject)]
pub struct WebPushKeysInput {
    /// The subscription's P-256 public key (`keys.p256dh` in the browser).
    #[graphql(name = "p256dh")]
    pub p256dh: String,
    pub auth: String,
}

#[derive(InputObject)]
pub struct RegisterPushDeviceInput {
    pub platform: Platform,
    /// FCM registration token, APNs device token (hex) or Web Push endpoint URL.
    pub token: String,
    /// Required for `WEB`.
    pub web_push: Option<WebPushKeysInput>,
    pub app_version: String,
    /// IANA time zone of the device, such as `Europe/London`.
    pub time_zone: String,
}

#[derive(InputObject)]
pub struct UnregisterPushDeviceInput {
    pub token: String,
}

#[derive(SimpleObject)]
pub struct UnregisterPushDevicePayload {
    /// False when the viewer had no device with that token.
    pub removed: bool,
}

#[derive(Default)]
pub struct PushQuery;

#[Object]
impl PushQuery {
    /// The viewer's registered devices.
    async fn push_devices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PushDevice>> {
        let request = RequestCtx::get(ctx)?;
        Ok(service::devices(&request.db, &request.viewer)
            .await?
            .into_iter()
            .map(PushDevice::from)
            .collect())
    }

    /// The VAPID public key (base64url) browsers subscribe with; null when
    /// Web Push is not set up.
    async fn web_push_public_key(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<String>> {
        Ok(RequestCtx::service::<Arc<PushConfig>>(ctx)?
            .senders
            .web_public_key()
            .map(str::to_string))
    }
}

#[derive(Default)]
pub struct PushMutation;

#[Object]
impl PushMutation {
    /// Registers this device for the signed-in account (idempotent). A token
    /// already registered to someone else moves to the viewer: the phone
    /// changed hands or a different person signed in on it.
    async fn register_push_device(
        &self,
        ctx: &Context<'_>,
        input: RegisterPushDeviceInput,
    ) -> async_graphql::Result<PushDevice> {
        let request = RequestCtx::get(ctx)?;
        let device = service::register(
            &request.db,
            &request.viewer,
            RequestCtx::service::<Arc<PushConfig>>(ctx)?,
            NewDevice {
                platform: input.platform,
                token: &input.token,
                web_keys: input
                    .web_push
                    .as_ref()
                    .map(|k| (k.p256dh.as_str(), k.auth.as_str())),
                app_version: &input.app_version,
                time_zone: &input.time_zone,
            },
            &request.request_id,
        )
        .await?;
        Ok(device.into())
    }

    /// Stops pushes to this device for the signed-in account (call it
    /// before signing out on the phone). Repeating it changes nothing.
    async fn unregister_push_device(
        &self,
        ctx: &Context<'_>,
        input: UnregisterPushDeviceInput,
    ) -> async_graphql::Result<UnregisterPushDevicePayload> {
        let request = RequestCtx::get(ctx)?;
        let removed = service::unregister(
            &request.db,
            &request.viewer,
            &input.token,
            &request.request_id,
        )
        .await?;
        Ok(UnregisterPushDevicePayload { removed })
    }
}
