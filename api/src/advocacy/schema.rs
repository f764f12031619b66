//! Advocacy's part of the schema, registered in `crate::schema`: the roots
//! merged from its capabilities, and its `Node` types.

use async_graphql::{Context, MergedObject};
use uuid::Uuid;

use super::{
    lifecycle::graphql::LifecycleMutation,
    records::graphql::AdvocacyRecordsMutation,
    reporting::graphql::ReportingQuery,
    requests::graphql::{RequestsMutation, RequestsQuery, request_at},
    safeguarding::graphql::SafeguardingMutation,
    timescales::graphql::{TimescalesMutation, TimescalesQuery},
};
use crate::{error::AppResult, schema::Node};

pub use super::requests::object::AdvocacyRequest;

#[derive(MergedObject, Default)]
#[graphql(name = "AdvocacyRoot")]
pub struct Query(RequestsQuery, TimescalesQuery, ReportingQuery);

#[derive(MergedObject, Default)]
#[graphql(name = "AdvocacyMutationRoot")]
pub struct Mutation(
    RequestsMutation,
    LifecycleMutation,
    TimescalesMutation,
    AdvocacyRecordsMutation,
    SafeguardingMutation,
);

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

/// Resolves a `Node` of this domain's types, as far as the viewer may see
/// it (audited).
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    Ok(match type_name {
        "AdvocacyRequest" => request_at(ctx, id, &[]).await?.map(Node::AdvocacyRequest),
        _ => None,
    })
}
