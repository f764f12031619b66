//! Regions and local authorities. This domain's part of the schema, registered in
//! `crate::schema` (see there for what a domain's `schema.rs` exports).

use async_graphql::Context;
use uuid::Uuid;

use super::graphql;
use crate::{error::AppResult, graphql::context::RequestCtx, schema::Node};

pub type Query = graphql::ReferenceQuery;

/// Adding local authorities (platform administrators).
pub type Mutation = super::admin::ReferenceMutation;

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

pub use super::graphql::{LocalAuthority, Region};

/// Resolves a `Node` of this domain's types.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    super::graphql::node(&RequestCtx::get(ctx)?.db, type_name, id).await
}
