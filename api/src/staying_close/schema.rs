//! Staying Close support plans. This domain's part of the schema, registered in
//! `crate::schema` (see there for what a domain's `schema.rs` exports).

use async_graphql::{Context, MergedObject};
use uuid::Uuid;

use super::graphql;
use crate::{error::AppResult, schema::Node};

/// The domain's queries, merged from its capabilities.
#[derive(MergedObject, Default)]
#[graphql(name = "StayingCloseRoot")]
pub struct Query(
    graphql::StayingCloseQuery,
    graphql::StayingCloseReportsQuery,
);

pub type Mutation = graphql::StayingCloseMutation;

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

pub use super::graphql::StayingClosePlan;

/// Resolves a `Node` of this domain's types.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    if type_name != "StayingClosePlan" {
        return Ok(None);
    }
    Ok(super::graphql::node(ctx, id)
        .await?
        .map(Node::StayingClosePlan))
}
