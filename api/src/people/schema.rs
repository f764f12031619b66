//! Young people as their workers see them. This domain's part of the schema, registered in
//! `crate::schema` (see there for what a domain's `schema.rs` exports).

use async_graphql::Context;
use uuid::Uuid;

use super::graphql;
use crate::{error::AppResult, schema::Node};

pub type Query = graphql::PeopleQuery;

/// This domain changes nothing through the schema.
pub type Mutation = crate::schema::NoMutation;

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

pub use super::graphql::YoungPerson;

/// Resolves a `Node` of this domain's types.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    if type_name != "YoungPerson" {
        return Ok(None);
    }
    Ok(super::graphql::node(ctx, id).await?.map(Node::YoungPerson))
}
