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
    notifications::{
        model::{self, Channel},
        store as notifications,
    },
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

fn retry(err: crate::error::AppError) -> JobError {
    err.log();
    JobError::Retry(err.code().as_str().to_string())
}

#[async_trait]
impl JobHandler for PushNotification {
    async fn run(&self, job: &JobContext) -> Result<(), JobError> {
        let delivery: PushDelivery = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad push payload: {e}")))?;
        let Some(notification) = notifications::get(&job.db, delivery.notification_id)
            .await
            .map_err(retry)?
        else {
            return Ok(()); // replaced or removed
        };
        if notification.read_at.is_some() && !notification.urgent {
            return Ok(()); // already seen in the app
        }
        let chosen =
            notifications::chosen_channels(&job.db, notification.person_id, notification.kind)
                .await
                .map_err(retry)?;
        if !model::effective_channels(notification.kind, &chosen).contains(&Channel::Push) {
            return Ok(());
        }
        let Some(device) = store::device(&job.db, delivery.device_id)
            .await
            .map_err(retry)?
        else {
            return Ok(()); // unregistered since
        };
        // The phone may have changed hands since the push was queued.
        let owner = crate::identity::store::account(&job.db, device.account_id)
            .await
            .map_err(retry)?;
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
                store::prune(&job.db, device.id).await.map_err(retry)?;
                Ok(())
            }
            Outcome::Retry(reason) => Err(JobError::Retry(reason)),
            Outcome::Failed(reason) => Err(JobError::Permanent(reason)),
        }
    }
}
