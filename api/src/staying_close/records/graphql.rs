//! GraphQL for the SSDA903 records.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    model::{AccommodationType, Activity, FactorJudgement, InTouch, SuitabilityFactor},
    service,
    store::{RecordRow, RecordValue},
};
use crate::graphql::{context::RequestCtx, relay::encode_id};
use crate::staying_close::{
    inputs::{call, id_of},
    plan::graphql::{PlanPayload, plan_payload},
};

#[derive(SimpleObject, Clone)]
pub(in crate::staying_close) struct SuitabilityJudgement {
    pub factor: SuitabilityFactor,
    pub suitable: bool,
    pub note: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub(in crate::staying_close) struct AccommodationRecord {
    pub id: ID,
    #[graphql(name = "type")]
    pub kind: AccommodationType,
    pub suitable: bool,
    /// The OC3 ACCOM code, e.g. `U1`.
    pub ssda903_code: String,
    pub moved_in_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub assessment: Vec<SuitabilityJudgement>,
}

#[derive(SimpleObject, Clone)]
pub(in crate::staying_close) struct InTouchRecord {
    pub id: ID,
    pub status: InTouch,
    pub contact_on: NaiveDate,
}

#[derive(SimpleObject, Clone)]
pub(in crate::staying_close) struct ActivityRecord {
    pub id: ID,
    pub code: Activity,
    pub since: NaiveDate,
}

pub(in crate::staying_close) fn accommodation(r: RecordRow) -> Option<AccommodationRecord> {
    let RecordValue::Accommodation {
        kind,
        suitable,
        assessment,
        ended_on,
    } = r.value
    else {
        return None;
    };
    let factors: Vec<FactorJudgement> = serde_json::from_str(&assessment).unwrap_or_default();
    Some(AccommodationRecord {
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
    })
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
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
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
            &call(request, input.client_mutation_id.as_deref()),
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
