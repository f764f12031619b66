//! GraphQL for series: the `TrainingSeries` type (and `TrainingSession.series`)
//! and `createTrainingSeries`.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject, connection::Connection,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::Series,
    service::{self, CreateSeriesInput},
    store::{self, SeriesRow},
};
use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    paging::PageRequest,
    policy::{self, Action},
    training::{
        access,
        catalogue::{
            graphql::{TrainingCourse, TrainingSession, course_at, open_to_ids, visible},
            service::Done,
            store as catalogue,
        },
    },
};

/// How a local date-time is written in and out.
const LOCAL: &str = "%Y-%m-%dT%H:%M:%S";

/// A recurring group (a peer support group, say): a recurrence rule that
/// generated one session per occurrence.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrainingSeries {
    pub id: ID,
    /// The RFC 5545 rule, such as `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12`.
    pub rrule: String,
    /// The first sitting's start as a wall-clock time in `timeZone`
    /// (`2027-03-09T18:00:00`); every occurrence starts at the same local
    /// time.
    pub first_starts_at_local: String,
    /// The first sitting's start as an instant.
    pub first_starts_at: DateTime<Utc>,
    /// The time zone the rule is computed in (IANA name).
    pub time_zone: String,
    pub duration_minutes: i32,
    pub capacity: i32,
    pub online: bool,
    pub venue: Option<String>,
    pub facilitator_id: ID,
    pub booking_opens_days_before: i32,
    pub booking_closes_hours_before: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub course_id: Uuid,
}

impl From<SeriesRow> for TrainingSeries {
    fn from(row: SeriesRow) -> Self {
        TrainingSeries {
            id: encode_id("TrainingSeries", row.id),
            rrule: row.series.rrule,
            first_starts_at_local: row.series.first_starts_at.format(LOCAL).to_string(),
            first_starts_at: row.first_starts_at,
            time_zone: row.series.time_zone,
            duration_minutes: row.series.duration_minutes,
            capacity: row.series.capacity,
            online: row.series.online_link.is_some(),
            venue: row.series.venue,
            facilitator_id: encode_id("Person", row.facilitator_id),
            booking_opens_days_before: row.series.booking_opens_days_before,
            booking_closes_hours_before: row.series.booking_closes_hours_before,
            version: row.version,
            updated_at: row.updated_at,
            uuid: row.id,
            course_id: row.course_id,
        }
    }
}

#[ComplexObject]
impl TrainingSeries {
    /// The course it is a series of.
    async fn course(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TrainingCourse>> {
        Ok(course_at(ctx, self.course_id).await?)
    }

    /// Its sessions, one per occurrence, in the order they recur (those
    /// the viewer may see).
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn occurrences(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TrainingSession>> {
        let call = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let person = call.viewer.account_viewer().ok().map(|a| a.person_id);
        let rows = catalogue::occurrences(&call.db, self.uuid, person, &page).await?;
        let mut shown = Vec::with_capacity(rows.len());
        for row in rows {
            if visible(&call.db, &call.viewer, &row).await? {
                shown.push(row);
            }
        }
        let viewer = &call.viewer;
        Ok(connection(&page, shown, catalogue::occurrence_key, |row| {
            TrainingSession::seen(row, viewer)
        }))
    }
}

#[ComplexObject]
impl TrainingSession {
    /// The series this session is an occurrence of, if any.
    async fn series(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TrainingSeries>> {
        match self.series_id {
            Some(id) => Ok(series_at(ctx, id).await?),
            None => Ok(None),
        }
    }
}

/// One series: public to anyone who may read training (as courses are),
/// and to its provider's coordinators. For payloads and `node`.
pub(in crate::training) async fn series_at(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<TrainingSeries>> {
    let call = RequestCtx::get(ctx)?;
    let Some(row) = store::series(&call.db, id).await? else {
        return Ok(None);
    };
    let Some(course) = catalogue::course(&call.db, row.course_id).await? else {
        return Ok(None);
    };
    let may = !policy::scope(&call.viewer, Action::ReadTraining).is_empty()
        || access::manages(
            &call.viewer,
            Action::ManageTrainingCatalogue,
            course.provider_id,
        );
    Ok(may.then(|| row.into()))
}

#[derive(InputObject)]
pub struct CreateTrainingSeriesInput {
    pub client_mutation_id: Option<String>,
    pub course_id: ID,
    /// An RFC 5545 rule without DTSTART or TZID, ending by COUNT or UNTIL
    /// (UNTIL in UTC, ending in Z), daily or less often, giving 1 to 100
    /// occurrences: `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12`.
    pub rrule: String,
    /// The first sitting's start as a wall-clock time in `timeZone`, an
    /// ISO 8601 local date-time without offset (`2027-03-09T18:00:00`):
    /// each occurrence starts at that local time, whether the clocks have
    /// changed or not.
    pub first_starts_at: String,
    /// IANA name (Europe/London).
    pub time_zone: String,
    /// How long each sitting lasts (15 to 720).
    pub duration_minutes: i32,
    pub capacity: i32,
    /// An https:// link for online sittings, or a venue (one of them).
    pub online_link: Option<String>,
    pub venue: Option<String>,
    /// A `Person` holding the facilitator role at the course's provider.
    pub facilitator_id: ID,
    /// Booking for each sitting opens this many days before it (1 to 365).
    pub booking_opens_days_before: i32,
    /// And closes this many hours before it starts (0 to 336).
    pub booking_closes_hours_before: i32,
    /// The local authorities every sitting is open to (empty or left out:
    /// all).
    pub open_to_local_authority_ids: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
pub struct TrainingSeriesPayload {
    pub client_mutation_id: Option<String>,
    pub series: Option<TrainingSeries>,
}

#[derive(Default)]
pub(in crate::training) struct SeriesMutation;

#[Object]
impl SeriesMutation {
    /// A coordinator creates a recurring series: one session per
    /// occurrence of its rule, all in one step.
    async fn create_training_series(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingSeriesInput,
    ) -> async_graphql::Result<TrainingSeriesPayload> {
        let call = RequestCtx::get(ctx)?;
        let open_to = open_to_ids(input.open_to_local_authority_ids)?;
        let Done { id } = service::create(
            &call.call(input.client_mutation_id.as_deref()),
            CreateSeriesInput {
                course_id: decode_typed_id("input.courseId", &input.course_id, "TrainingCourse")?,
                facilitator: decode_typed_id(
                    "input.facilitatorId",
                    &input.facilitator_id,
                    "Person",
                )?,
                series: Series {
                    rrule: input.rrule,
                    first_starts_at: input.first_starts_at.trim().parse().map_err(|_| {
                        AppError::bad_input(
                            "input.firstStartsAt",
                            "must be a local date-time such as 2027-03-09T18:00:00",
                        )
                    })?,
                    time_zone: input.time_zone,
                    duration_minutes: input.duration_minutes,
                    capacity: input.capacity,
                    online_link: input.online_link,
                    venue: input.venue,
                    booking_opens_days_before: input.booking_opens_days_before,
                    booking_closes_hours_before: input.booking_closes_hours_before,
                },
                open_to,
            },
        )
        .await?;
        Ok(TrainingSeriesPayload {
            client_mutation_id: input.client_mutation_id,
            series: series_at(ctx, id).await?,
        })
    }
}
