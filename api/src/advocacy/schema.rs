//! Advocacy's part of the schema, registered in `crate::schema`: the roots
//! merged from its capabilities, and its `Node` types.

use async_graphql::{Context, MergedObject};
use uuid::Uuid;

use super::{
    lifecycle::graphql::LifecycleMutation,
    records::graphql::{AdvocacyRecordsMutation, record_at},
    reporting::graphql::ReportingQuery,
    requests::graphql::{RequestsMutation, RequestsQuery, request_at},
    safeguarding::graphql::{SafeguardingMutation, share_at},
    timescales::graphql::{TimescalesMutation, TimescalesQuery},
};
use crate::{error::AppResult, schema::Node};

pub use super::{
    records::graphql::{
        AdvocacyContactRecord, AdvocacyMeetingRecord, AdvocacyOutcomeRecord, AdvocacyRecord,
        AdvocacyRepresentationRecord, AdvocacyVisitRecord,
    },
    requests::object::AdvocacyRequest,
    safeguarding::graphql::AdvocacySafeguardingShare,
};

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
        "AdvocacyRecord" => record_at(ctx, id, &[]).await?.map(|record| match record {
            AdvocacyRecord::Visit(r) => Node::AdvocacyVisitRecord(r),
            AdvocacyRecord::Contact(r) => Node::AdvocacyContactRecord(r),
            AdvocacyRecord::Representation(r) => Node::AdvocacyRepresentationRecord(r),
            AdvocacyRecord::Meeting(r) => Node::AdvocacyMeetingRecord(r),
            AdvocacyRecord::Outcome(r) => Node::AdvocacyOutcomeRecord(r),
        }),
        "AdvocacySafeguardingShare" => share_at(ctx, id, &[])
            .await?
            .map(Node::AdvocacySafeguardingShare),
        _ => None,
    })
}
