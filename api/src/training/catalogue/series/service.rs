//! Creating a series: a provider's coordinator sets a rule, and every
//! occurrence becomes a session in the same transaction.

use chrono::Utc;
use serde::Serialize;
use uuid::Uuid;

use super::{
    model::Series,
    store::{self, NewSeries},
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call},
    error::AppResult,
    start_change,
    training::catalogue::service::{Done, checked_people, managed_course, provider_target},
};

#[derive(Debug, Serialize)]
pub(in crate::training) struct CreateSeriesInput {
    pub course_id: Uuid,
    pub facilitator: Uuid,
    pub series: Series,
    pub open_to: Vec<Uuid>,
}

/// A coordinator of the course's provider creates a series: the same
/// checks as scheduling one session, for each of its 1 to 100 sittings.
pub(in crate::training) async fn create(
    call: &Call<'_>,
    input: CreateSeriesInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "createTrainingSeries", &input);
    let course = managed_course(&tx, input.course_id).await?;
    let now = Utc::now();
    let generated = input.series.clone().generate(now)?;
    let open_to =
        checked_people(&tx, course.provider_id, input.facilitator, &input.open_to).await?;
    let id = Uuid::now_v7();
    store::insert(
        &tx.txn,
        NewSeries {
            id,
            course_id: course.id,
            facilitator_id: input.facilitator,
            generated: &generated,
            open_to: &open_to,
            now,
        },
    )
    .await?;
    let target = provider_target(course.provider_id);
    tx.commit(
        Audited {
            action: AuditAction::TrainingSeriesCreate,
            record: ("TrainingSeries", id),
            fields: &[
                "rrule",
                "firstStartsAt",
                "timeZone",
                "capacity",
                "facilitator",
                "openTo",
            ],
            target: &target,
        },
        Done { id },
    )
    .await
}
