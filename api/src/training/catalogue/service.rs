//! Changes to the catalogue: a provider's coordinators add and change
//! courses and schedule sessions.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{Course, Session},
    store::{self, CourseRow, NewSession},
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    error::{AppError, AppResult},
    identity::{directory, model::Role},
    policy::{Action, Target},
    start_change,
    training::access,
};

/// What a catalogue change returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Done {
    pub id: Uuid,
}

/// The audit target of a provider's catalogue: no person, no authority.
pub(in crate::training) fn provider_target(provider: Uuid) -> Target {
    Target {
        provider: Some(provider),
        ..Target::default()
    }
}

/// FORBIDDEN unless the viewer coordinates `provider`'s training (the
/// catalogue is public, so nothing is hidden by NOT_FOUND).
fn authorise(tx: &Change<'_>, provider: Uuid) -> AppResult<()> {
    if access::manages(tx.call.viewer, Action::ManageTrainingCatalogue, provider) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct CreateCourseInput {
    pub provider: Uuid,
    pub course: Course,
}

pub(in crate::training) async fn create_course(
    call: &Call<'_>,
    input: CreateCourseInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "createTrainingCourse", &input);
    authorise(&tx, input.provider)?;
    let now = Utc::now();
    let row = CourseRow {
        id: Uuid::now_v7(),
        provider_id: input.provider,
        course: input.course.checked()?,
        version: 1,
        updated_at: now,
    };
    store::insert_course(&tx.txn, &row).await?;
    commit_course(*tx, AuditAction::TrainingCourseCreate, &row).await
}

/// Ends a change to a course: audited against its provider.
async fn commit_course(tx: Change<'_>, action: AuditAction, row: &CourseRow) -> AppResult<Done> {
    let target = provider_target(row.provider_id);
    tx.commit(
        Audited {
            action,
            record: ("TrainingCourse", row.id),
            fields: &["title", "description", "audience", "bookingPolicy"],
            target: &target,
        },
        Done { id: row.id },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct UpdateCourseInput {
    pub course_id: Uuid,
    pub expected_version: Option<i32>,
    pub course: Course,
}

pub(in crate::training) async fn update_course(
    call: &Call<'_>,
    input: UpdateCourseInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "updateTrainingCourse", &input);
    let stored = store::course(&tx.txn, input.course_id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "TrainingCourse",
        })?;
    authorise(&tx, stored.provider_id)?;
    if let Some(expected) = input.expected_version
        && expected != stored.version
    {
        return Err(AppError::stale("course", stored.version));
    }
    let row = CourseRow {
        course: input.course.checked()?,
        version: stored.version + 1,
        updated_at: Utc::now(),
        ..stored
    };
    store::update_course(&tx.txn, &row).await?;
    commit_course(*tx, AuditAction::TrainingCourseUpdate, &row).await
}

/// BAD_USER_INPUT unless `person` is a facilitator of `provider`.
pub(in crate::training) async fn check_facilitator(
    db: &impl sea_orm::ConnectionTrait,
    person: Uuid,
    provider: Uuid,
) -> AppResult<()> {
    if directory::holds_role_at(db, person, Role::Facilitator, provider).await? {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "input.facilitatorId",
            "is not a facilitator of this course's provider",
        ))
    }
}

#[derive(Debug, Serialize)]
pub(in crate::training) struct ScheduleInput {
    pub course_id: Uuid,
    pub facilitator: Uuid,
    pub session: Session,
    pub open_to: Vec<Uuid>,
}

pub(in crate::training) async fn schedule(
    call: &Call<'_>,
    input: ScheduleInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "scheduleTrainingSession", &input);
    let course = managed_course(&tx, input.course_id).await?;
    let now = Utc::now();
    let session = input.session.checked(now)?;
    let open_to =
        checked_people(&tx, course.provider_id, input.facilitator, &input.open_to).await?;
    let id = Uuid::now_v7();
    store::insert_session(
        &tx.txn,
        NewSession {
            id,
            course_id: course.id,
            session: &session,
            facilitator_id: input.facilitator,
            open_to: &open_to,
            occurrence: None,
            now,
        },
    )
    .await?;
    let target = provider_target(course.provider_id);
    tx.commit(
        Audited {
            action: AuditAction::TrainingSessionSchedule,
            record: ("TrainingSession", id),
            fields: &["startsAt", "endsAt", "capacity", "facilitator", "openTo"],
            target: &target,
        },
        Done { id },
    )
    .await
}

/// A course the viewer coordinates: NOT_FOUND if there is none, else
/// FORBIDDEN unless they coordinate its provider.
pub(super) async fn managed_course(tx: &Change<'_>, id: Uuid) -> AppResult<CourseRow> {
    let course = store::course(&tx.txn, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "TrainingCourse",
        })?;
    authorise(tx, course.provider_id)?;
    Ok(course)
}

/// The facilitator checked (they hold the role at `provider`) and the
/// authorities a session is open to, each existing, sorted and once.
pub(super) async fn checked_people(
    tx: &Change<'_>,
    provider: Uuid,
    facilitator: Uuid,
    open_to: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    check_facilitator(&tx.txn, facilitator, provider).await?;
    let mut open_to = open_to.to_vec();
    open_to.sort();
    open_to.dedup();
    for la in &open_to {
        if crate::reference::store::local_authority(&tx.txn, *la)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input(
                "input.openToLocalAuthorityIds",
                "names a local authority that does not exist",
            ));
        }
    }
    Ok(open_to)
}
