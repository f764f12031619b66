//! GraphQL for the SSDA903 records.

use async_graphql::{
    Context, ID, InputObject, Object, OutputType, SimpleObject, connection::Connection,
};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{AccommodationType, Activity, FactorJudgement, InTouch, SuitabilityFactor},
    service,
    store::{self, RecordKind, RecordRow, RecordValue},
};
use crate::error::{AppError, AppResult};
use crate::graphql::{
    context::RequestCtx,
    relay::{connection, encode_id},
};
use crate::paging::PageRequest;
use crate::staying_close::{
    inputs::id_of,
    nodes::{self, Parent},
    plan::graphql::{PlanPayload, plan_payload},
};

#[derive(SimpleObject, Clone)]
pub struct SuitabilityJudgement {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct AccommodationRecord {
    pub id: ID,
    #[graphql(name = "type")]
    pub kind: AccommodationType,
    pub suitable: bool,
    /// The OC3 ACCOM code, e.g. `U1`.
    pub ssda903_code: String,
    pub moved_in_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub assessment: Vec<SuitabilityJudgement>,
    pub updated_at: DateTime<Utc>,
}

#[derive(SimpleObject, Clone)]
pub struct InTouchRecord {
    pub id: ID,
    pub status: InTouch,
    pub contact_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

#[derive(SimpleObject, Clone)]
pub struct ActivityRecord {
    pub id: ID,
    pub code: Activity,
    pub since: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

/// An accommodation record (`None` for a record of another kind). A stored
/// assessment that does not parse is a data bug: `INTERNAL` (logged when
/// it reaches the response).
pub(in crate::staying_close) fn accommodation(
    r: RecordRow,
) -> AppResult<Option<AccommodationRecord>> {
    let RecordValue::Accommodation {
        kind,
        suitable,
        assessment,
        ended_on,
    } = r.value
    else {
        return Ok(None);
    };
    let factors: Vec<FactorJudgement> = serde_json::from_str(&assessment).map_err(|err| {
        AppError::internal(anyhow::anyhow!(
            "accommodation record {}: stored assessment does not parse: {err}",
            r.id
        ))
    })?;
    Ok(Some(AccommodationRecord {
        id: encode_id("AccommodationRecord", r.id),
        kind,
        suitable,
        ssda903_code: kind.ssda903_code(suitable),
        moved_in_on: r.recorded_on,
        ended_on,
        assessment: factors
            .into_iter()
            .map(|f| SuitabilityJudgement {
                factor: f.factor,
                suitable: f.suitable,
                note: f.note,
            })
            .collect(),
        updated_at: r.updated_at,
    }))
}

/// An in-touch record (`None` for a record of another kind).
pub(in crate::staying_close) fn in_touch(r: RecordRow) -> Option<InTouchRecord> {
    match r.value {
        RecordValue::InTouch(status) => Some(InTouchRecord {
            id: encode_id("InTouchRecord", r.id),
            status,
            contact_on: r.recorded_on,
            updated_at: r.updated_at,
        }),
        _ => None,
    }
}

/// An activity record (`None` for a record of another kind).
pub(in crate::staying_close) fn activity(r: RecordRow) -> Option<ActivityRecord> {
    match r.value {
        RecordValue::Activity(code) => Some(ActivityRecord {
            id: encode_id("ActivityRecord", r.id),
            code,
            since: r.recorded_on,
            updated_at: r.updated_at,
        }),
        _ => None,
    }
}

/// A page of a young person's records of `kind`, newest first, each made
/// into its GraphQL type by `node` (the `accommodation`, `in_touch` or
/// `activity` above).
pub(in crate::staying_close) async fn records_connection<N: OutputType>(
    ctx: &Context<'_>,
    kind: RecordKind,
    person: Uuid,
    (first, after): (Option<i32>, Option<String>),
    node: impl Fn(RecordRow) -> AppResult<Option<N>>,
) -> AppResult<Connection<String, N>> {
    let db = &RequestCtx::get(ctx)?.db;
    let page = PageRequest::new(first, after)?;
    let mut shown = Vec::new();
    for row in store::records_page(db, kind, person, &page).await? {
        let key = store::record_key(&row).to_string();
        // Every row of the kind's table is of that kind.
        if let Some(n) = node(row)? {
            shown.push((key, n));
        }
    }
    Ok(connection(&page, shown, |(key, _)| key.clone(), |(_, n)| n))
}

/// A record of `kind` by id, for a viewer who could read it on the young
/// person's plan (audited as that read, a read of the plan's `field`).
async fn record_node(
    ctx: &Context<'_>,
    kind: RecordKind,
    id: Uuid,
    field: &str,
) -> AppResult<Option<RecordRow>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(r) = store::record(db, kind, id).await? else {
        return Ok(None);
    };
    if !nodes::readable(ctx, Parent::Person(r.person_id), field).await? {
        return Ok(None);
    }
    Ok(Some(r))
}

pub(in crate::staying_close) async fn accommodation_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<AccommodationRecord>> {
    match record_node(ctx, RecordKind::Accommodation, id, "accommodation").await? {
        Some(r) => accommodation(r),
        None => Ok(None),
    }
}

pub(in crate::staying_close) async fn in_touch_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<InTouchRecord>> {
    Ok(record_node(ctx, RecordKind::InTouch, id, "inTouch")
        .await?
        .and_then(in_touch))
}

pub(in crate::staying_close) async fn activity_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<ActivityRecord>> {
    Ok(record_node(ctx, RecordKind::Activity, id, "activities")
        .await?
        .and_then(activity))
}

#[derive(InputObject)]
struct SuitabilityJudgementInput {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

#[derive(InputObject)]
struct RecordAccommodationInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    #[graphql(name = "type")]
    pub kind: AccommodationType,
    pub moved_in_on: NaiveDate,
    /// Every Schedule 2 factor, judged once.
    pub assessment: Vec<SuitabilityJudgementInput>,
}

#[derive(InputObject)]
struct RecordInTouchInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    pub status: InTouch,
    pub contact_on: NaiveDate,
}

#[derive(InputObject)]
struct RecordActivityInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    pub code: Activity,
    pub since: NaiveDate,
}

#[derive(Default)]
pub(in crate::staying_close) struct RecordsMutation;

#[Object]
impl RecordsMutation {
    /// Records where a young person lives, with the Schedule 2 assessment.
    async fn record_accommodation(
        &self,
        ctx: &Context<'_>,
        input: RecordAccommodationInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        let done = service::record(
            &request.call(input.client_mutation_id.as_deref()),
            person,
            service::RecordInput::Accommodation {
                kind: input.kind,
                moved_in_on: input.moved_in_on,
                assessment: input
                    .assessment
                    .into_iter()
                    .map(|j| FactorJudgement {
                        factor: j.factor,
                        suitable: j.suitable,
                        note: j.note,
                    })
                    .collect(),
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "AccommodationRecord").await
    }

    /// Records contact (or its absence) with a young person.
    async fn record_in_touch(
        &self,
        ctx: &Context<'_>,
        input: RecordInTouchInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        let done = service::record(
            &request.call(input.client_mutation_id.as_deref()),
            person,
            service::RecordInput::InTouch {
                status: input.status,
                contact_on: input.contact_on,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "InTouchRecord").await
    }

    /// Records a young person's main activity from a date.
    async fn record_activity(
        &self,
        ctx: &Context<'_>,
        input: RecordActivityInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        let done = service::record(
            &request.call(input.client_mutation_id.as_deref()),
            person,
            service::RecordInput::Activity {
                code: input.code,
                since: input.since,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "ActivityRecord").await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

    use super::*;

    fn stored(assessment: &str) -> RecordRow {
        RecordRow {
            id: Uuid::now_v7(),
            person_id: Uuid::nil(),
            local_authority_id: Uuid::nil(),
            recorded_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            recorded_by_person_id: None,
            value: RecordValue::Accommodation {
                kind: AccommodationType::OrdinaryLodgings,
                suitable: true,
                assessment: assessment.into(),
                ended_on: None,
            },
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_stored_assessment_that_does_not_parse_is_internal_not_empty() {
        assert!(accommodation(stored("[]")).unwrap().is_some());
        let err = accommodation(stored("{not json")).err().unwrap();
        assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    }
}
