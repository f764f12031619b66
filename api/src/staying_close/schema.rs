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

pub use super::{
    claims::graphql::Claim,
    meetings::graphql::PlanMeeting,
    plan::object::StayingClosePlan,
    records::graphql::{AccommodationRecord, ActivityRecord, InTouchRecord},
};

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
    use super::{claims, meetings, plan, records};
    Ok(match type_name {
        "StayingClosePlan" => plan::object::node(ctx, id)
            .await?
            .map(Node::StayingClosePlan),
        "CheckIn" => meetings::graphql::node(ctx, meetings::store::Meeting::CheckIn, id)
            .await?
            .map(Node::PlanMeeting),
        "Review" => meetings::graphql::node(ctx, meetings::store::Meeting::Review, id)
            .await?
            .map(Node::PlanMeeting),
        "Claim" => claims::graphql::node(ctx, id).await?.map(Node::Claim),
        "AccommodationRecord" => records::graphql::accommodation_node(ctx, id)
            .await?
            .map(Node::AccommodationRecord),
        "InTouchRecord" => records::graphql::in_touch_node(ctx, id)
            .await?
            .map(Node::InTouchRecord),
        "ActivityRecord" => records::graphql::activity_node(ctx, id)
            .await?
            .map(Node::ActivityRecord),
        _ => None,
    })
}
