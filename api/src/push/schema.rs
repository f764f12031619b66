//! Push devices. This domain's part of the schema, registered in
//! `crate::schema` (see there for what a domain's `schema.rs` exports).

use async_graphql::Context;
use uuid::Uuid;

use super::graphql;
use crate::{error::AppResult, schema::Node};

pub type Query = graphql::PushQuery;

pub type Mutation = graphql::PushMutation;

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

pub use graphql::PushDevice;

/// Resolves a `Node` of this domain's types: the viewer's own devices.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    if type_name != "PushDevice" {
        return Ok(None);
    }
    Ok(graphql::node(ctx, id).await?.map(Node::PushDevice))
}
