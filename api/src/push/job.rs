//! The `notification.push` job: one push to one device for one
//! notification. Reads everything when it runs; prunes devices the
//! provider says are gone; retries what may work later.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::PushData,
    sender::{Outcome, PushSenders},
    store,
};
use crate::{
    graphql::relay::encode_id,
    jobs::{JobContext, JobError, JobHandler},
    notifications::{model::Channel, service::still_wanted},
};

pub const PUSH_NOTIFICATION: &str = "notification.push";

#[derive(Debug, Serialize, Deserialize)]
pub struct PushDelivery {
    pub notification_id: Uuid,
    pub device_id: Uuid,
}

pub struct PushNotification {
    pub senders: Arc<PushSenders>,
}

#[async_trait]
impl JobHandler for PushNotification {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let delivery: PushDelivery = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad push payload: {e}")))?;
        let Some(notification) =
            still_wanted(&job.db, delivery.notification_id, Channel::Push).await?
        else {
            return Ok(()); // replaced, read in the app, or push switched off
        };
        let Some(device) = store::device(&job.db, delivery.device_id).await? else {
            return Ok(()); // unregistered since
        };
        // The phone may have changed hands since the push was queued.
        let owner = crate::identity::store::account(&job.db, device.account_id).await?;
        if owner.is_none_or(|a| a.person_id != notification.person_id || a.status != "active") {
            return Ok(());
        }
        let data = PushData {
            kind: "notification",
            id: encode_id("Notification", notification.id).to_string(),
            category: notification.kind.as_str(),
        };
        match self
            .senders
            .send(&device, &data, notification.urgent, None)
            .await
        {
            Outcome::Delivered => Ok(()),
            Outcome::Gone(reason) => {
                tracing::info!(
                    job = job.id,
                    platform = device.platform.as_str(),
                    reason,
                    "push token gone; device removed"
                );
                store::prune(&job.db, device.id).await?;
                Ok(())
            }
            Outcome::Retry(reason) => Err(JobError::Retry(reason)),
            Outcome::Failed(reason) => Err(JobError::Permanent(reason)),
        }
    }
}
