//! Training's part of the schema, registered in `crate::schema`: the roots
//! merged from its capabilities, and its `Node` types.

use async_graphql::{Context, MergedObject};
use uuid::Uuid;

use super::{
    bookings::graphql::{BookingsMutation, BookingsQuery, booking_at},
    catalogue::{
        graphql::{CatalogueMutation, CatalogueQuery, course_at, session_at},
        series::graphql::{SeriesMutation, series_at},
    },
    consents::graphql::{ConsentsMutation, ConsentsQuery, consent_at},
    running::graphql::{RunningMutation, RunningQuery},
};
use crate::{error::AppResult, schema::Node};

pub use super::{
    bookings::graphql::TrainingBooking,
    catalogue::graphql::{TrainingCourse, TrainingSession},
    catalogue::series::graphql::TrainingSeries,
    consents::graphql::TrainingBookingConsent,
};

#[derive(MergedObject, Default)]
#[graphql(name = "TrainingRoot")]
pub struct Query(CatalogueQuery, BookingsQuery, RunningQuery, ConsentsQuery);

#[derive(MergedObject, Default)]
#[graphql(name = "TrainingMutationRoot")]
pub struct Mutation(
    CatalogueMutation,
    SeriesMutation,
    BookingsMutation,
    RunningMutation,
    ConsentsMutation,
);

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

/// Resolves a `Node` of this domain's types, as far as the viewer may see it.
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    Ok(match type_name {
        "TrainingCourse" => course_at(ctx, id).await?.map(Node::TrainingCourse),
        "TrainingSession" => session_at(ctx, id).await?.map(Node::TrainingSession),
        "TrainingSeries" => series_at(ctx, id).await?.map(Node::TrainingSeries),
        "TrainingBooking" => booking_at(ctx, id).await?.map(Node::TrainingBooking),
        "TrainingBookingConsent" => consent_at(ctx, id).await?.map(Node::TrainingBookingConsent),
        _ => None,
    })
}
