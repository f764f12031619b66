//! GraphQL for the catalogue: courses and sessions as people see them,
//! the `trainingSessions` connection, and the coordinators' changes.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::{Course, Session},
    service::{self, CreateCourseInput, Done, ScheduleInput, UpdateCourseInput},
    store::{self, CourseRow, Filter, Looking, SessionRow, SessionState},
};
use crate::{
    auth::viewer::Viewer,
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    paging::PageRequest,
    policy::{self, Action},
    training::access::{self, Audience},
};

/// A course a provider runs.
#[derive(SimpleObject, Clone)]
pub struct TrainingCourse {
    pub id: ID,
    pub title: String,
    pub description: String,
    pub audience: Vec<Audience>,
    /// The provider organisation.
    pub provider_id: ID,
    pub accessibility_notes: Option<String>,
    /// A policy people accept when they book (if any).
    pub booking_policy: Option<String>,
    /// Cancelling a place later than this many hours before the start is
    /// a late cancellation.
    pub cancellation_cutoff_hours: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<CourseRow> for TrainingCourse {
    fn from(row: CourseRow) -> Self {
        TrainingCourse {
            id: encode_id("TrainingCourse", row.id),
            title: row.course.title,
            description: row.course.description,
            audience: row.course.audience,
            provider_id: encode_id("Organisation", row.provider_id),
            accessibility_notes: row.course.accessibility_notes,
            booking_policy: row.course.booking_policy,
            cancellation_cutoff_hours: row.course.cancellation_cutoff_hours,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

/// One sitting of a course.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrainingSession {
    pub id: ID,
    pub course: TrainingCourse,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The time zone it is held in (IANA name).
    pub time_zone: String,
    pub online: bool,
    /// The link to join: only for people booked on it, its coordinators
    /// and its facilitator.
    pub online_link: Option<String>,
    pub venue: Option<String>,
    pub capacity: i32,
    pub places_left: i32,
    pub waiting_list_length: i32,
    pub facilitator_id: ID,
    pub booking_opens_at: DateTime<Utc>,
    pub booking_closes_at: DateTime<Utc>,
    pub state: SessionState,
    /// As an occurrence of a series, the occurrence's original start (its
    /// calendar `RECURRENCE-ID`), kept if the session is moved.
    pub occurrence_starts_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    /// The series it is an occurrence of (`series` resolves it).
    #[graphql(skip)]
    pub series_id: Option<Uuid>,
}

impl TrainingSession {
    /// The session as `viewer` sees it.
    pub(in crate::training) fn seen(row: SessionRow, viewer: &Viewer) -> Self {
        let insider = row.booked_by_viewer
            || access::runs(viewer, row.course.provider_id, row.facilitator_id);
        let places_left = row.places_left();
        TrainingSession {
            id: encode_id("TrainingSession", row.id),
            starts_at: row.session.starts_at,
            ends_at: row.session.ends_at,
            time_zone: row.session.time_zone,
            online: row.session.online_link.is_some(),
            online_link: row.session.online_link.filter(|_| insider),
            venue: row.session.venue,
            capacity: row.session.capacity,
            places_left,
            waiting_list_length: i32::try_from(row.waiting).unwrap_or(i32::MAX),
            facilitator_id: encode_id("Person", row.facilitator_id),
            booking_opens_at: row.session.booking_opens_at,
            booking_closes_at: row.session.booking_closes_at,
            state: row.state,
            occurrence_starts_at: row.occurrence_starts_at,
            version: row.version,
            updated_at: row.updated_at,
            series_id: row.series_id,
            course: row.course.into(),
        }
    }
}

/// Who is looking at the catalogue, as the store filters by it.
fn looking(viewer: &Viewer) -> Looking {
    let reads = !policy::scope(viewer, Action::ReadTraining).is_empty();
    let providers = access::providers_managed(viewer);
    let facilitator = policy::scope(viewer, Action::RunTrainingSessions).assigned_worker;
    match viewer {
        Viewer::Client(_) => Looking {
            person: None,
            audiences: if reads { None } else { Some(Vec::new()) },
            authorities: Some(access::authorities(viewer)),
            providers,
            facilitator,
        },
        _ => Looking {
            person: viewer.account_viewer().ok().map(|a| a.person_id),
            audiences: Some(if reads {
                access::audiences(viewer)
            } else {
                Vec::new()
            }),
            authorities: Some(access::authorities(viewer)),
            providers,
            facilitator,
        },
    }
}

/// Whether the viewer may see `row` (in its audience and authorities, or
/// one who runs it).
pub(in crate::training) async fn visible(
    db: &impl sea_orm::ConnectionTrait,
    viewer: &Viewer,
    row: &SessionRow,
) -> AppResult<bool> {
    if access::runs(viewer, row.course.provider_id, row.facilitator_id)
        || access::manages(
            viewer,
            Action::ManageTrainingCatalogue,
            row.course.provider_id,
        )
    {
        return Ok(true);
    }
    if policy::scope(viewer, Action::ReadTraining).is_empty() {
        return Ok(false);
    }
    let in_audience = matches!(viewer, Viewer::Client(_))
        || access::audiences(viewer)
            .iter()
            .any(|a| row.course.course.audience.contains(a));
    let open_to = store::open_to(db, row.id).await?;
    let mine = access::authorities(viewer);
    Ok(in_audience && (open_to.is_empty() || open_to.iter().any(|la| mine.contains(la))))
}

/// One session, if the viewer may see it. For payloads and `node`.
pub(in crate::training) async fn session_at(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<TrainingSession>> {
    let call = RequestCtx::get(ctx)?;
    let person = call.viewer.account_viewer().ok().map(|a| a.person_id);
    let Some(row) = store::session(&call.db, id, person).await? else {
        return Ok(None);
    };
    if !visible(&call.db, &call.viewer, &row).await? {
        return Ok(None);
    }
    Ok(Some(TrainingSession::seen(row, &call.viewer)))
}

/// One course (the catalogue is public to anyone who may read training,
/// and to the provider's coordinators).
pub(in crate::training) async fn course_at(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<TrainingCourse>> {
    let call = RequestCtx::get(ctx)?;
    let Some(row) = store::course(&call.db, id).await? else {
        return Ok(None);
    };
    let may = !policy::scope(&call.viewer, Action::ReadTraining).is_empty()
        || access::manages(
            &call.viewer,
            Action::ManageTrainingCatalogue,
            row.provider_id,
        );
    Ok(may.then(|| row.into()))
}

/// Narrows the catalogue.
#[derive(InputObject, Default)]
pub struct TrainingSessionFilter {
    pub audience: Option<Audience>,
    /// Sessions open to this local authority.
    pub local_authority_id: Option<ID>,
    /// Online only (true) or in person only (false).
    pub online: Option<bool>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
    /// Words in the course's title or description.
    pub text: Option<String>,
}

#[derive(Default)]
pub(in crate::training) struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Upcoming training sessions, soonest first, with places left and the
    /// waiting list's length: for signed-in people in a course's audience
    /// (and sessions open to their authority), apps with `training:read`,
    /// and the provider's coordinators.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingSessionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TrainingSession>> {
        let call = RequestCtx::get(ctx)?;
        policy::list_scope(&call.viewer, Action::ReadTraining)?;
        let page = PageRequest::new(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            audience: f.audience,
            authority: f
                .local_authority_id
                .map(|id| decode_typed_id("filter.localAuthorityId", &id, "LocalAuthority"))
                .transpose()?,
            online: f.online,
            from: f.from,
            to: f.to,
            text: f
                .text
                .map(|t| crate::text::line("filter.text", &t, 200))
                .transpose()?,
        };
        let rows =
            store::upcoming(&call.db, &looking(&call.viewer), &filter, &page, Utc::now()).await?;
        let viewer = &call.viewer;
        Ok(connection(&page, rows, store::session_key, |row| {
            TrainingSession::seen(row, viewer)
        }))
    }
}

/// A course as a coordinator writes it.
#[derive(InputObject)]
pub struct TrainingCourseFields {
    pub title: String,
    pub description: String,
    pub audience: Vec<Audience>,
    pub accessibility_notes: Option<String>,
    pub booking_policy: Option<String>,
    /// Hours before the start after which cancelling is late (0 to 336).
    pub cancellation_cutoff_hours: i32,
}

impl From<TrainingCourseFields> for Course {
    fn from(f: TrainingCourseFields) -> Self {
        Course {
            title: f.title,
            description: f.description,
            audience: f.audience,
            accessibility_notes: f.accessibility_notes,
            booking_policy: f.booking_policy,
            cancellation_cutoff_hours: f.cancellation_cutoff_hours,
        }
    }
}

#[derive(InputObject)]
pub struct CreateTrainingCourseInput {
    pub client_mutation_id: Option<String>,
    /// The provider organisation you coordinate training for.
    pub provider_id: ID,
    pub course: TrainingCourseFields,
}

#[derive(InputObject)]
pub struct UpdateTrainingCourseInput {
    pub client_mutation_id: Option<String>,
    pub course_id: ID,
    pub expected_version: Option<i32>,
    pub course: TrainingCourseFields,
}

#[derive(InputObject)]
pub struct ScheduleTrainingSessionInput {
    pub client_mutation_id: Option<String>,
    pub course_id: ID,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Where it is held, as an IANA name (Europe/London).
    pub time_zone: String,
    /// An https:// link for an online session, or a venue (one of them).
    pub online_link: Option<String>,
    pub venue: Option<String>,
    pub capacity: i32,
    /// A `Person` holding the facilitator role at the course's provider.
    pub facilitator_id: ID,
    pub booking_opens_at: DateTime<Utc>,
    pub booking_closes_at: DateTime<Utc>,
    /// The local authorities it is open to (empty or left out: all).
    pub open_to_local_authority_ids: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
pub struct TrainingCoursePayload {
    pub client_mutation_id: Option<String>,
    pub course: Option<TrainingCourse>,
}

#[derive(SimpleObject)]
pub struct TrainingSessionPayload {
    pub client_mutation_id: Option<String>,
    pub session: Option<TrainingSession>,
}

/// The authorities a session is open to, from their ids.
pub(in crate::training) fn open_to_ids(ids: Option<Vec<ID>>) -> AppResult<Vec<Uuid>> {
    ids.unwrap_or_default()
        .iter()
        .map(|id| decode_typed_id("input.openToLocalAuthorityIds", id, "LocalAuthority"))
        .collect()
}

#[derive(Default)]
pub(in crate::training) struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// A coordinator adds a course to their provider's catalogue.
    async fn create_training_course(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingCourseInput,
    ) -> async_graphql::Result<TrainingCoursePayload> {
        let call = RequestCtx::get(ctx)?;
        let Done { id } = service::create_course(
            &call.call(input.client_mutation_id.as_deref()),
            CreateCourseInput {
                provider: decode_typed_id("input.providerId", &input.provider_id, "Organisation")?,
                course: input.course.into(),
            },
        )
        .await?;
        Ok(TrainingCoursePayload {
            client_mutation_id: input.client_mutation_id,
            course: course_at(ctx, id).await?,
        })
    }

    /// A coordinator changes a course (at the version they saw).
    async fn update_training_course(
        &self,
        ctx: &Context<'_>,
        input: UpdateTrainingCourseInput,
    ) -> async_graphql::Result<TrainingCoursePayload> {
        let call = RequestCtx::get(ctx)?;
        let Done { id } = service::update_course(
            &call.call(input.client_mutation_id.as_deref()),
            UpdateCourseInput {
                course_id: decode_typed_id("input.courseId", &input.course_id, "TrainingCourse")?,
                expected_version: input.expected_version,
                course: input.course.into(),
            },
        )
        .await?;
        Ok(TrainingCoursePayload {
            client_mutation_id: input.client_mutation_id,
            course: course_at(ctx, id).await?,
        })
    }

    /// A coordinator schedules a session of a course.
    async fn schedule_training_session(
        &self,
        ctx: &Context<'_>,
        input: ScheduleTrainingSessionInput,
    ) -> async_graphql::Result<TrainingSessionPayload> {
        let call = RequestCtx::get(ctx)?;
        let open_to = open_to_ids(input.open_to_local_authority_ids)?;
        let Done { id } = service::schedule(
            &call.call(input.client_mutation_id.as_deref()),
            ScheduleInput {
                course_id: decode_typed_id("input.courseId", &input.course_id, "TrainingCourse")?,
                facilitator: decode_typed_id(
                    "input.facilitatorId",
                    &input.facilitator_id,
                    "Person",
                )?,
                session: Session {
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    time_zone: input.time_zone,
                    online_link: input.online_link,
                    venue: input.venue,
                    capacity: input.capacity,
                    booking_opens_at: input.booking_opens_at,
                    booking_closes_at: input.booking_closes_at,
                },
                open_to,
            },
        )
        .await?;
        Ok(TrainingSessionPayload {
            client_mutation_id: input.client_mutation_id,
            session: session_at(ctx, id).await?,
        })
    }
}
