//! Staying Close's GraphQL roots, merged from its capabilities, and what
//! the `Node` interface needs of it.

use async_graphql::MergedObject;

use super::{
    agreement::graphql::AgreementMutation,
    claims::graphql::{ClaimsMutation, ClaimsQuery},
    goals::graphql::GoalsMutation,
    meetings::graphql::MeetingsMutation,
    plan::graphql::{PlanMutation, PlanQuery},
    profile::graphql::{ProfileMutation, ProfileQuery},
    records::graphql::RecordsMutation,
};

pub use super::plan::object::{StayingClosePlan, node};
pub use super::reporting::graphql::StayingCloseReportsQuery;

#[derive(MergedObject, Default)]
pub struct StayingCloseQuery(PlanQuery, ProfileQuery, ClaimsQuery);

#[derive(MergedObject, Default)]
pub struct StayingCloseMutation(
    ProfileMutation,
    PlanMutation,
    GoalsMutation,
    MeetingsMutation,
    AgreementMutation,
    RecordsMutation,
    ClaimsMutation,
);
