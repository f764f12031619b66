//! Comments on a plan, sharing a version for agreement, and the young
//! person's response in their own words.

use serde::Serialize;
use uuid::Uuid;

use super::{notices, store};
use crate::audit::AuditAction;
use crate::staying_close::plan::{self, access::PlanChange, service::Done};
use crate::{
    change::{Audited, Call},
    error::{AppError, AppResult},
    notifications::{
        model::Kind,
        service::{self as notifications, NewNotification},
    },
    policy::Action,
    start_change, text,
};

#[derive(Debug, Serialize)]
pub(super) struct CommentInput {
    pub plan: Uuid,
    pub body: String,
}

/// A comment on the plan as it is now (by the young person or a worker).
/// Comments are about a version and do not change the plan.
pub(super) async fn comment(call: &Call<'_>, input: CommentInput) -> AppResult<Done> {
    let tx = start_change!(call, "commentOnPlan", &input);
    let plan = tx
        .plan(input.plan, &[Action::ContributeToOwnPlan, Action::EditPlan])
        .await?;
    let body = text::prose("body", &input.body, 4000)?;
    let id = store::insert_comment(&tx.txn, &plan, tx.actor.person_id, &body).await?;
    plan::store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanComment,
            record: ("PlanComment", id),
            fields: &["body"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(id),
            version: Some(plan.version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(super) struct ShareInput {
    pub plan: Uuid,
    pub expected_version: i32,
}

/// Shares the current version with the young person to agree or disagree.
pub(super) async fn share(call: &Call<'_>, input: ShareInput) -> AppResult<Done> {
    let tx = start_change!(call, "sharePlanForAgreement", &input);
    let plan = tx.open_plan(input.plan, &[Action::EditPlan]).await?;
    if plan.version != input.expected_version {
        return Err(plan::store::stale(plan.version));
    }
    store::touch_shared(&tx.txn, plan.id, plan.version).await?;
    notifications::notify(
        &tx.txn,
        NewNotification {
            person_id: plan.person_id,
            kind: Kind::PlanShared,
            title: notices::PLAN_SHARED_TITLE,
            body: notices::PLAN_SHARED_BODY,
            subject: Some(("StayingClosePlan", plan.id)),
            collapse_key: Some(&format!("plan-shared:{}", plan.id)),
        },
    )
    .await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanShare,
            record: ("StayingClosePlan", plan.id),
            fields: &["sharedVersion"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: None,
            version: Some(plan.version),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
pub(super) struct RespondInput {
    pub plan: Uuid,
    pub version: i32,
    pub agrees: bool,
    pub words: String,
}

/// The young person agrees or disagrees with the version shared with
/// them, in their own words. Answering again replaces their answer.
pub(super) async fn respond(call: &Call<'_>, input: RespondInput) -> AppResult<Done> {
    let tx = start_change!(call, "respondToPlan", &input);
    let plan = tx.plan(input.plan, &[Action::ContributeToOwnPlan]).await?;
    let Some(shared) = plan.shared_version else {
        return Err(AppError::conflict(
            "This plan has not been shared with you to agree yet.",
        ));
    };
    if input.version != shared {
        return Err(AppError::Conflict {
            message: format!(
                "Version {} is not the one shared with you: version {shared} is. Look at it and answer again.",
                input.version
            ),
            details: Some(serde_json::json!({ "currentVersion": shared })),
        });
    }
    let words = text::prose("words", &input.words, 4000)?;
    let id = store::save_response(&tx.txn, &plan, shared, input.agrees, &words).await?;
    plan::store::touch(&tx.txn, plan.id).await?;
    tx.commit(
        Audited {
            action: AuditAction::PlanRespond,
            record: ("PlanResponse", id),
            fields: &["agrees", "words"],
            target: &plan.target(),
        },
        Done {
            plan_id: Some(plan.id),
            record_id: Some(id),
            version: Some(shared),
        },
    )
    .await
}
