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
    agreement::graphql::{PlanComment, PlanResponse},
    claims::graphql::Claim,
    goals::graphql::{GoalProgress, PlanGoal},
    meetings::graphql::PlanMeeting,
    plan::{
        history::PlanVersion,
        object::{StayingClosePlan, WorkerContact},
    },
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

/// Resolves a `Node` of this domain's types. A plan's parts resolve when
/// the viewer may read the plan, audited as reading it.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    use super::{
        agreement::graphql as agreement, claims, goals::graphql as goals, meetings, plan, records,
    };
    Ok(match type_name {
        "StayingClosePlan" => plan::reads::node(ctx, id)
            .await?
            .map(Node::StayingClosePlan),
        "Person" => plan::reads::worker_node(ctx, id)
            .await?
            .map(Node::WorkerContact),
        "PlanGoal" => goals::goal_node(ctx, id).await?.map(Node::PlanGoal),
        "GoalProgress" => goals::progress_node(ctx, id).await?.map(Node::GoalProgress),
        "PlanComment" => agreement::comment_node(ctx, id)
            .await?
            .map(Node::PlanComment),
        "PlanResponse" => agreement::response_node(ctx, id)
            .await?
            .map(Node::PlanResponse),
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
        // A version's id names its plan, the version in its type tag.
        _ => match plan::history::version_of_tag(type_name) {
            Some(version) => plan::history::node(ctx, id, version)
                .await?
                .map(Node::PlanVersion),
            None => None,
        },
    })
}
