//! Recording accommodation, contact and activity for a young person.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{
    model::{self, AccommodationType, Activity, FactorJudgement, InTouch},
    store::{self, RecordRow, RecordValue},
};
use crate::audit::AuditAction;
use crate::clock::today;
use crate::staying_close::{
    dates,
    plan::{self, access::PlanChange, service::Done},
    profile,
};
use crate::{
    change::{Audited, Call},
    error::{AppError, AppResult},
    policy::Action,
    start_change,
};

#[derive(Debug, Serialize)]
pub(super) enum RecordInput {
    Accommodation {
        kind: AccommodationType,
        moved_in_on: NaiveDate,
        assessment: Vec<FactorJudgement>,
    },
    InTouch {
        status: InTouch,
        contact_on: NaiveDate,
    },
    Activity {
        code: Activity,
        since: NaiveDate,
    },
}

/// Records accommodation (with its suitability assessment), contact or
/// activity for a young person, by a worker on their plan.
pub(super) async fn record(call: &Call<'_>, person: Uuid, input: RecordInput) -> AppResult<Done> {
    let tx = start_change!(call, "recordCareLeaverRecord", &(person, &input));
    let plan = plan::store::current_plan(&tx.txn, person)
        .await?
        .ok_or(AppError::NotFound {
            entity: "StayingClosePlan",
        })?;
    let plan = tx
        .plan(plan.id, &[Action::EditPlan, Action::ManageCareLeavers])
        .await?;
    let now = Utc::now();
    let (on, value, action, record_type, fields): (_, _, _, _, &[&str]) = match input {
        RecordInput::Accommodation {
            kind,
            moved_in_on,
            assessment,
        } => {
            let (suitable, factors) = model::assess(kind, assessment)?;
            let assessment = serde_json::to_string(&factors).map_err(AppError::internal)?;
            (
                ("movedInOn", moved_in_on),
                RecordValue::Accommodation {
                    kind,
                    suitable,
                    assessment,
                    ended_on: None,
                },
                AuditAction::CareLeaverAccommodationRecord,
                "AccommodationRecord",
                &["type", "movedInOn", "assessment"],
            )
        }
        RecordInput::InTouch { status, contact_on } => (
            ("contactOn", contact_on),
            RecordValue::InTouch(status),
            AuditAction::CareLeaverInTouchRecord,
            "InTouchRecord",
            &["status", "contactOn"],
        ),
        RecordInput::Activity { code, since } => (
            ("since", since),
            RecordValue::Activity(code),
            AuditAction::CareLeaverActivityRecord,
            "ActivityRecord",
            &["code", "since"],
        ),
    };
    dates::not_future(on.0, on.1, today())?;
    let leaver = profile::store::care_leaver(&tx.txn, person)
        .await?
        .ok_or(AppError::NotFound {
            entity: "YoungPerson",
        })?;
    if let Some(born) = leaver.date_of_birth
        && on.1 < dates::birthday(born, 14)
    {
        return Err(AppError::bad_input(
            on.0,
            "is before the young person's 14th birthday",
        ));
    }
    if matches!(value, RecordValue::Accommodation { .. }) {
        store::end_accommodation(&tx.txn, person, on.1).await?;
    }
    let row = RecordRow {
        id: Uuid::now_v7(),
        person_id: person,
        local_authority_id: leaver.local_authority_id,
        recorded_on: on.1,
        recorded_by_person_id: Some(tx.actor.person_id),
        value,
        created_at: now,
        updated_at: now,
    };
    store::insert_record(&tx.txn, &row).await?;
    plan::store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action,
            record: (record_type, row.id),
            fields,
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(row.id),
            version: None,
        },
    )
    .await
}
