//! GraphQL for bookings: booking, cancelling and answering offers, the
//! signed-in person's bookings, and a session's register for those who
//! run it (with access needs, audited).

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::{Attendance, BookingState, Step},
    service::{self, BookInput, BookingInput, Done},
    store::{self, BookingRow},
};
use crate::{
    audit::AuditAction,
    auth::viewer::Viewer,
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        reads::{self, Read},
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    paging::PageRequest,
    training::{
        access,
        catalogue::{graphql::TrainingSession, store as catalogue},
        consents::store as consents,
    },
};

/// A person's place, offer or waiting-list position on a session.
#[derive(SimpleObject)]
pub struct TrainingBooking {
    pub id: ID,
    pub state: BookingState,
    /// Their place in the queue, while waiting.
    pub waitlist_position: Option<i32>,
    /// When an offered place stops being held for them.
    pub offered_until: Option<DateTime<Utc>>,
    /// What they asked for to take part.
    pub access_needs: Option<String>,
    pub session: Option<TrainingSession>,
    /// The app (`ApiClient`) that booked it for the person, if one did.
    pub booked_by_client_id: Option<ID>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl TrainingBooking {
    fn new(row: BookingRow, session: Option<TrainingSession>) -> Self {
        TrainingBooking {
            id: encode_id("TrainingBooking", row.id),
            state: row.state,
            waitlist_position: row.waitlist_position,
            offered_until: row
                .offered_until
                .filter(|_| row.state == BookingState::Offered),
            access_needs: row.access_needs,
            session,
            booked_by_client_id: row.booked_by_client_id.map(|c| encode_id("ApiClient", c)),
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// The viewer's own bookings with their sessions (one statement for the
/// sessions of a page).
async fn own(ctx: &Context<'_>, rows: Vec<BookingRow>) -> AppResult<Vec<TrainingBooking>> {
    let call = RequestCtx::get(ctx)?;
    let me = call.viewer.account_viewer().ok().map(|a| a.person_id);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.session_id).collect();
    let sessions: HashMap<Uuid, TrainingSession> = catalogue::sessions(&call.db, &ids, me)
        .await?
        .into_iter()
        .map(|s| (s.id, TrainingSession::seen(s, &call.viewer)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let session = sessions.get(&r.session_id).cloned();
            TrainingBooking::new(r, session)
        })
        .collect())
}

/// One of the viewer's own bookings, or for an app one it made for a
/// carer who still consents (for payloads and `node`).
pub(in crate::training) async fn booking_at(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<TrainingBooking>> {
    let call = RequestCtx::get(ctx)?;
    let Some(row) = store::booking(&call.db, id).await? else {
        return Ok(None);
    };
    let seen = match &call.viewer {
        Viewer::Account(me) => row.person_id == me.person_id,
        // An app sees the bookings it made while the carer's consent stands.
        Viewer::Client(client) => {
            row.booked_by_client_id == Some(client.client_id)
                && consents::live(&call.db, row.person_id, client.client_id)
                    .await?
                    .is_some()
        }
        Viewer::Anonymous => false,
    };
    if !seen {
        return Ok(None);
    }
    Ok(own(ctx, vec![row]).await?.pop())
}

/// One line of a session's register.
#[derive(SimpleObject)]
pub struct TrainingRegisterEntry {
    /// The booking's id.
    pub id: ID,
    pub person_id: ID,
    pub name: Option<String>,
    pub state: BookingState,
    pub waitlist_position: Option<i32>,
    pub offered_until: Option<DateTime<Utc>>,
    /// For the session's coordinators and facilitator only.
    pub access_needs: Option<String>,
    /// Whether they came, once marked.
    pub attendance: Option<Attendance>,
    /// Who marked their attendance (a `Person`), and their name.
    pub attendance_marked_by_id: Option<ID>,
    pub attendance_marked_by_name: Option<String>,
    pub attendance_marked_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The session `session_id` names, if the viewer runs it (its provider's
/// coordinators and its facilitator): NOT_FOUND when there is none,
/// FORBIDDEN for anyone else.
pub(in crate::training) async fn run_by_viewer(
    call: &RequestCtx,
    session_id: &ID,
) -> AppResult<Uuid> {
    call.viewer.account_viewer()?;
    let id = decode_typed_id("sessionId", session_id, "TrainingSession")?;
    let row = catalogue::session(&call.db, id, None)
        .await?
        .ok_or(AppError::NotFound {
            entity: "TrainingSession",
        })?;
    if !access::runs(&call.viewer, row.course.provider_id, row.facilitator_id) {
        return Err(AppError::Forbidden);
    }
    Ok(id)
}

#[derive(Default)]
pub(in crate::training) struct BookingsQuery;

#[Object]
impl BookingsQuery {
    /// The signed-in person's training bookings, newest first.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn my_training_bookings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TrainingBooking>> {
        let call = RequestCtx::get(ctx)?;
        let me = call.viewer.account_viewer()?.person_id;
        let page = PageRequest::new(first, after)?;
        let rows = store::mine(&call.db, me, &page).await?;
        let keys: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        let nodes = own(ctx, rows).await?;
        let keyed: Vec<(String, TrainingBooking)> = keys.into_iter().zip(nodes).collect();
        Ok(connection(&page, keyed, |(k, _)| k.clone(), |(_, b)| b))
    }

    /// A session's register, for its provider's coordinators and its
    /// facilitator (each read audited, access needs included).
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn training_session_register(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TrainingRegisterEntry>> {
        let call = RequestCtx::get(ctx)?;
        let id = run_by_viewer(call, &session_id).await?;
        let page = PageRequest::new(first, after)?;
        let rows = store::register(&call.db, id, &page).await?;
        let mut fields = Vec::new();
        reads::selected(ctx.field(), &["edges", "node"], &mut fields);
        let names = reads::names(&fields);
        reads::record(
            call,
            AuditAction::TrainingRegisterRead,
            "TrainingBooking",
            page.shown(&rows).iter().map(|r| Read {
                id: r.booking.id,
                person: Some(r.booking.person_id),
                local_authority: None,
                fields: &names,
            }),
        )
        .await?;
        Ok(connection(
            &page,
            rows,
            |r| r.booking.id.to_string(),
            |r| TrainingRegisterEntry {
                id: encode_id("TrainingBooking", r.booking.id),
                person_id: encode_id("Person", r.booking.person_id),
                name: r.name,
                state: r.booking.state,
                waitlist_position: r.booking.waitlist_position,
                offered_until: r.booking.offered_until,
                access_needs: r.booking.access_needs,
                attendance: Attendance::of(r.booking.state),
                attendance_marked_by_id: r.marked_by.map(|p| encode_id("Person", p)),
                attendance_marked_by_name: r.marked_by_name,
                attendance_marked_at: r.marked_at,
                updated_at: r.booking.updated_at,
            },
        ))
    }
}

#[derive(InputObject)]
pub struct BookTrainingPlaceInput {
    pub client_mutation_id: Option<String>,
    pub session_id: ID,
    /// What you need to take part (seen only by you, the coordinators and
    /// the facilitator).
    pub access_needs: Option<String>,
    /// Required when the course has a booking policy.
    pub accept_booking_policy: Option<bool>,
    /// Apps only (an API client with `training:book`): the `Person` (a
    /// carer who consented to this app booking for them) to book for.
    /// A signed-in person books for themselves and leaves it out
    /// (BAD_USER_INPUT otherwise).
    pub carer_id: Option<ID>,
}

/// The input of a step on one of your bookings: the booking, and the
/// idempotency key.
macro_rules! booking_step_input {
    ($($name:ident),*) => {$(
        #[derive(InputObject)]
        pub struct $name {
            pub client_mutation_id: Option<String>,
            pub booking_id: ID,
        }

        impl From<$name> for (Option<String>, ID) {
            fn from(input: $name) -> Self {
                (input.client_mutation_id, input.booking_id)
            }
        }
    )*};
}

booking_step_input!(
    CancelTrainingBookingInput,
    AcceptTrainingOfferInput,
    DeclineTrainingOfferInput
);

#[derive(SimpleObject)]
pub struct TrainingBookingPayload {
    pub client_mutation_id: Option<String>,
    pub booking: Option<TrainingBooking>,
}

async fn payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Done,
) -> async_graphql::Result<TrainingBookingPayload> {
    Ok(TrainingBookingPayload {
        client_mutation_id,
        booking: booking_at(ctx, done.booking_id).await?,
    })
}

async fn step(
    ctx: &Context<'_>,
    input: impl Into<(Option<String>, ID)>,
    step: Step,
) -> async_graphql::Result<TrainingBookingPayload> {
    let (client_mutation_id, booking_id) = input.into();
    let call = RequestCtx::get(ctx)?;
    let done = service::step(
        &call.call(client_mutation_id.as_deref()),
        BookingInput {
            booking: decode_typed_id("input.bookingId", &booking_id, "TrainingBooking")?,
        },
        step,
    )
    .await?;
    payload(ctx, client_mutation_id, done).await
}

#[derive(Default)]
pub(in crate::training) struct BookingsMutation;

#[Object]
impl BookingsMutation {
    /// Book yourself a place: BOOKED when one is free, otherwise WAITLISTED
    /// at the next position.
    async fn book_training_place(
        &self,
        ctx: &Context<'_>,
        input: BookTrainingPlaceInput,
    ) -> async_graphql::Result<TrainingBookingPayload> {
        let call = RequestCtx::get(ctx)?;
        let done = service::book(
            &call.call(input.client_mutation_id.as_deref()),
            BookInput {
                session: decode_typed_id("input.sessionId", &input.session_id, "TrainingSession")?,
                access_needs: input.access_needs,
                accept_booking_policy: input.accept_booking_policy.unwrap_or(false),
                carer: input
                    .carer_id
                    .as_ref()
                    .map(|id| decode_typed_id("input.carerId", id, "Person"))
                    .transpose()?,
            },
        )
        .await?;
        payload(ctx, input.client_mutation_id, done).await
    }

    /// Cancel your booking (late after the course's cut-off); a place you
    /// held is offered to the first person waiting. An app with
    /// `training:book` cancels a booking it made, while the carer's consent
    /// for it stands.
    async fn cancel_training_booking(
        &self,
        ctx: &Context<'_>,
        input: CancelTrainingBookingInput,
    ) -> async_graphql::Result<TrainingBookingPayload> {
        step(ctx, input, Step::Cancel).await
    }

    /// Take up a place offered to you, before the offer runs out.
    async fn accept_training_offer(
        &self,
        ctx: &Context<'_>,
        input: AcceptTrainingOfferInput,
    ) -> async_graphql::Result<TrainingBookingPayload> {
        step(ctx, input, Step::Accept).await
    }

    /// Turn down a place offered to you: it goes to the next person.
    async fn decline_training_offer(
        &self,
        ctx: &Context<'_>,
        input: DeclineTrainingOfferInput,
    ) -> async_graphql::Result<TrainingBookingPayload> {
        step(ctx, input, Step::Decline).await
    }
}
