//! Staying Close's part of the schema, registered in `crate::schema` (see
//! there for what a domain's `schema.rs` exports): the roots merged from
//! its capabilities, and its `Node` types.

use async_graphql::{Context, MergedObject};
use uuid::Uuid;

use super::{
    agreement::graphql::AgreementMutation,
    claims::graphql::{ClaimsMutation, ClaimsQuery},
    goals::graphql::GoalsMutation,
    meetings::graphql::MeetingsMutation,
    plan::graphql::{PlanMutation, PlanQuery},
    profile::graphql::{ProfileMutation, ProfileQuery},
    records::graphql::RecordsMutation,
    reporting::graphql::StayingCloseReportsQuery,
};
use crate::{error::AppResult, schema::Node};

pub use super::plan::object::StayingClosePlan;

#[derive(MergedObject, Default)]
#[graphql(name = "StayingCloseRoot")]
pub struct Query(
    PlanQuery,
    ProfileQuery,
    ClaimsQuery,
    StayingCloseReportsQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "StayingCloseMutationRoot")]
pub struct Mutation(
    ProfileMutation,
    PlanMutation,
    GoalsMutation,
    MeetingsMutation,
    AgreementMutation,
    RecordsMutation,
    ClaimsMutation,
);

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

/// Resolves a `Node` of this domain's types.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    if type_name != "StayingClosePlan" {
        return Ok(None);
    }
    Ok(super::plan::object::node(ctx, id)
        .await?
        .map(Node::StayingClosePlan))
}
