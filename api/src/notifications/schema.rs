//! The in-app inbox, channel choices and the live feed. This domain's part of the schema, registered in
//! `crate::schema` (see there for what a domain's `schema.rs` exports).

use async_graphql::Context;
use uuid::Uuid;

use super::graphql;
use crate::{error::AppResult, graphql::context::RequestCtx, schema::Node};

pub type Query = graphql::NotificationsQuery;

pub type Mutation = graphql::NotificationsMutation;

pub type Subscription = graphql::NotificationsSubscription;

pub use super::graphql::Notification;

/// Resolves a `Node` of this domain's types.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    if type_name != "Notification" {
        return Ok(None);
    }
    Ok(super::graphql::node(RequestCtx::get(ctx)?, id)
        .await?
        .map(Node::Notification))
}
