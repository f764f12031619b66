//! GraphQL for running sessions: the coordinators' changes to a session,
//! moves on the waiting list and between sessions, attendance marks, and
//! the register as CSV.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::{
    attendance::{self, MarkInput},
    moves::{self, MoveInput, MoveUpInput},
    register,
    service::{self, CancelInput, CapacityInput, UpdateInput},
};
use crate::{
    audit::AuditAction,
    error::AppResult,
    graphql::{
        context::RequestCtx,
        reads::{self, Read},
        relay::{connection, connection_cost, decode_typed_id},
    },
    paging::PageRequest,
    policy::{self, Action},
    training::{
        access,
        bookings::{
            graphql::{TrainingBookingPayload, booking_at, run_by_viewer},
            model::Attendance,
            service::Done as BookingDone,
            store as bookings,
        },
        catalogue::{
            graphql::{TrainingSession, TrainingSessionPayload, session_at},
            service::Done,
            store as catalogue,
        },
    },
};

#[derive(InputObject)]
pub struct UpdateTrainingSessionInput {
    pub client_mutation_id: Option<String>,
    pub session_id: ID,
    /// The session's version you saw.
    pub expected_version: i32,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    /// Where it is held: give an https:// link or a venue to change it
    /// (the other is cleared); give neither to keep it.
    pub online_link: Option<String>,
    pub venue: Option<String>,
    /// A `Person` holding the facilitator role at the course's provider.
    pub facilitator_id: Option<ID>,
    pub booking_opens_at: Option<DateTime<Utc>>,
    pub booking_closes_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct CancelTrainingSessionInput {
    pub client_mutation_id: Option<String>,
    pub session_id: ID,
    pub expected_version: i32,
    /// Why, in plain words: everyone booked, offered or waiting is told.
    pub reason: String,
}

#[derive(InputObject)]
pub struct ChangeTrainingSessionCapacityInput {
    pub client_mutation_id: Option<String>,
    pub session_id: ID,
    pub expected_version: i32,
    /// From 1 to 1000.
    pub capacity: i32,
}

#[derive(InputObject)]
pub struct MoveUpTrainingWaitingListInput {
    pub client_mutation_id: Option<String>,
    /// A WAITLISTED booking.
    pub booking_id: ID,
    /// Their new place among those waiting (1: offered the next free
    /// place), ahead of where they are now.
    pub to_position: i32,
    /// Why they go ahead of others (kept, and audited).
    pub reason: String,
}

#[derive(InputObject)]
pub struct MoveTrainingBookingInput {
    pub client_mutation_id: Option<String>,
    /// A BOOKED place.
    pub booking_id: ID,
    /// Another session of the same course, open for booking.
    pub to_session_id: ID,
}

/// One person's attendance.
#[derive(InputObject)]
pub struct TrainingAttendanceMarkInput {
    pub booking_id: ID,
    pub attendance: Attendance,
}

#[derive(InputObject)]
pub struct MarkTrainingAttendanceInput {
    pub client_mutation_id: Option<String>,
    pub session_id: ID,
    pub marks: Vec<TrainingAttendanceMarkInput>,
}

/// Where a booking moved to on the waiting list.
#[derive(SimpleObject)]
pub struct MoveUpTrainingWaitingListPayload {
    pub client_mutation_id: Option<String>,
    pub booking_id: ID,
    /// Its position number now (the lowest waiting is offered first).
    pub waitlist_position: Option<i32>,
}

fn session_id(id: &ID) -> AppResult<uuid::Uuid> {
    decode_typed_id("input.sessionId", id, "TrainingSession")
}

fn booking_id(id: &ID) -> AppResult<uuid::Uuid> {
    decode_typed_id("input.bookingId", id, "TrainingBooking")
}

async fn session_payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Done,
) -> async_graphql::Result<TrainingSessionPayload> {
    Ok(TrainingSessionPayload {
        client_mutation_id,
        session: session_at(ctx, done.id).await?,
    })
}

#[derive(Default)]
pub(in crate::training) struct RunningQuery;

#[Object]
impl RunningQuery {
    /// The sessions the viewer runs: every session of the providers they
    /// coordinate training for, and those they facilitate; past and
    /// future, scheduled and cancelled (to change, mark attendance or
    /// read registers), by start time, starting in `[from, to)` if given.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn training_sessions_to_run(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TrainingSession>> {
        let call = RequestCtx::get(ctx)?;
        call.viewer.account_viewer()?;
        let page = PageRequest::new(first, after)?;
        let providers = access::providers_managed(&call.viewer);
        let facilitator = policy::scope(&call.viewer, Action::RunTrainingSessions).assigned_worker;
        let rows = catalogue::run_by(&call.db, &providers, facilitator, (from, to), &page).await?;
        let viewer = &call.viewer;
        Ok(connection(&page, rows, catalogue::session_key, |row| {
            TrainingSession::seen(row, viewer)
        }))
    }

    /// A session's register as CSV (a header, then one line per booking:
    /// name, state, waiting-list position, access needs, when attendance
    /// was marked), for its provider's coordinators and its facilitator.
    /// Audited as an export of each line.
    async fn training_session_register_csv(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
    ) -> async_graphql::Result<String> {
        let call = RequestCtx::get(ctx)?;
        let id = run_by_viewer(call, &session_id).await?;
        let rows = register::rows(&call.db, id).await?;
        reads::record(
            call,
            AuditAction::TrainingRegisterExport,
            "TrainingBooking",
            rows.iter().map(|r| Read {
                id: r.booking.id,
                person: Some(r.booking.person_id),
                local_authority: None,
                fields: register::FIELDS,
            }),
        )
        .await?;
        Ok(register::csv(&rows))
    }
}

#[derive(Default)]
pub(in crate::training) struct RunningMutation;

#[Object]
impl RunningMutation {
    /// A coordinator changes a session (or one occurrence of a series):
    /// its time, place, facilitator or booking window, at the version they
    /// saw. A new time or place tells everyone booked or offered, and
    /// updates their calendar entry.
    async fn update_training_session(
        &self,
        ctx: &Context<'_>,
        input: UpdateTrainingSessionInput,
    ) -> async_graphql::Result<TrainingSessionPayload> {
        let call = RequestCtx::get(ctx)?;
        let done = service::update(
            &call.call(input.client_mutation_id.as_deref()),
            UpdateInput {
                session: session_id(&input.session_id)?,
                expected_version: input.expected_version,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                time_zone: input.time_zone,
                online_link: input.online_link,
                venue: input.venue,
                facilitator: input
                    .facilitator_id
                    .map(|id| decode_typed_id("input.facilitatorId", &id, "Person"))
                    .transpose()?,
                booking_opens_at: input.booking_opens_at,
                booking_closes_at: input.booking_closes_at,
            },
        )
        .await?;
        session_payload(ctx, input.client_mutation_id, done).await
    }

    /// A coordinator cancels a session, with a reason: everyone booked,
    /// offered or waiting is told, and every place is released.
    async fn cancel_training_session(
        &self,
        ctx: &Context<'_>,
        input: CancelTrainingSessionInput,
    ) -> async_graphql::Result<TrainingSessionPayload> {
        let call = RequestCtx::get(ctx)?;
        let done = service::cancel(
            &call.call(input.client_mutation_id.as_deref()),
            CancelInput {
                session: session_id(&input.session_id)?,
                expected_version: input.expected_version,
                reason: input.reason,
            },
        )
        .await?;
        session_payload(ctx, input.client_mutation_id, done).await
    }

    /// A coordinator changes a session's capacity. Lowered below the
    /// places taken, every booking stays; raised, the new places are
    /// offered to the waiting list in order.
    async fn change_training_session_capacity(
        &self,
        ctx: &Context<'_>,
        input: ChangeTrainingSessionCapacityInput,
    ) -> async_graphql::Result<TrainingSessionPayload> {
        let call = RequestCtx::get(ctx)?;
        let done = service::capacity(
            &call.call(input.client_mutation_id.as_deref()),
            CapacityInput {
                session: session_id(&input.session_id)?,
                expected_version: input.expected_version,
                capacity: input.capacity,
            },
        )
        .await?;
        session_payload(ctx, input.client_mutation_id, done).await
    }

    /// A coordinator moves someone up a session's waiting list, with a
    /// reason.
    async fn move_up_training_waiting_list(
        &self,
        ctx: &Context<'_>,
        input: MoveUpTrainingWaitingListInput,
    ) -> async_graphql::Result<MoveUpTrainingWaitingListPayload> {
        let call = RequestCtx::get(ctx)?;
        let BookingDone { booking_id: id } = moves::move_up(
            &call.call(input.client_mutation_id.as_deref()),
            MoveUpInput {
                booking: booking_id(&input.booking_id)?,
                to_position: input.to_position,
                reason: input.reason,
            },
        )
        .await?;
        let row = bookings::booking(&call.db, id).await?;
        Ok(MoveUpTrainingWaitingListPayload {
            client_mutation_id: input.client_mutation_id,
            booking_id: input.booking_id,
            waitlist_position: row.and_then(|r| r.waitlist_position),
        })
    }

    /// Move your booked place (or, as its coordinator, someone's) to
    /// another session of the same course: the new place is secured before
    /// the old one is released (none free: SESSION_FULL, nothing changes).
    /// `booking` is the new booking, for its own person.
    async fn move_training_booking(
        &self,
        ctx: &Context<'_>,
        input: MoveTrainingBookingInput,
    ) -> async_graphql::Result<TrainingBookingPayload> {
        let call = RequestCtx::get(ctx)?;
        let done = moves::move_booking(
            &call.call(input.client_mutation_id.as_deref()),
            MoveInput {
                booking: booking_id(&input.booking_id)?,
                to_session: decode_typed_id(
                    "input.toSessionId",
                    &input.to_session_id,
                    "TrainingSession",
                )?,
            },
        )
        .await?;
        Ok(TrainingBookingPayload {
            client_mutation_id: input.client_mutation_id,
            booking: booking_at(ctx, done.booking_id).await?,
        })
    }

    /// Those who run a session mark who came (from its start; EXCUSED
    /// also before). Marks may be corrected.
    async fn mark_training_attendance(
        &self,
        ctx: &Context<'_>,
        input: MarkTrainingAttendanceInput,
    ) -> async_graphql::Result<TrainingSessionPayload> {
        let call = RequestCtx::get(ctx)?;
        let marks = input
            .marks
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let id = decode_typed_id(
                    &format!("input.marks[{i}].bookingId"),
                    &m.booking_id,
                    "TrainingBooking",
                )?;
                Ok((id, m.attendance))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let done = attendance::mark(
            &call.call(input.client_mutation_id.as_deref()),
            MarkInput {
                session: session_id(&input.session_id)?,
                marks,
            },
        )
        .await?;
        session_payload(ctx, input.client_mutation_id, done).await
    }
}
