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

/// This domain has no `Node` types.
pub async fn node(_ctx: &Context<'_>, _type_name: &str, _id: Uuid) -> AppResult<Option<Node>> {
    Ok(None)
}
