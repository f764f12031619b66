//! Reading plans: by id within the viewer's scope, and the audit of every
//! plan read (with the fields selected), shared by the plan's resolvers and
//! by the nested objects `node(id:)` reaches through their plan.

use async_graphql::Context;
use uuid::Uuid;

use super::{
    object::{StayingClosePlan, WorkerContact},
    store::{self, PlanRow},
};
use crate::audit::AuditAction;
use crate::graphql::reads::{self, Read};
use crate::{
    error::AppResult,
    graphql::context::RequestCtx,
    policy::{self, Action},
};

/// Records reads of these plans with the fields selected.
pub(super) async fn audit_reads(
    ctx: &Context<'_>,
    plans: &[PlanRow],
    path: &[&str],
) -> AppResult<()> {
    let mut fields = Vec::new();
    reads::selected(ctx.field(), path, &mut fields);
    plan_reads(RequestCtx::get(ctx)?, plans, &reads::names(&fields)).await
}

/// Records reads of these plans, these fields of each.
pub(in crate::staying_close) async fn plan_reads(
    request: &RequestCtx,
    plans: &[PlanRow],
    fields: &[&str],
) -> AppResult<()> {
    reads::record(
        request,
        AuditAction::PlanRead,
        "StayingClosePlan",
        plans.iter().map(|p| Read {
            id: p.id,
            person: Some(p.person_id),
            local_authority: Some(p.local_authority_id),
            fields,
        }),
    )
    .await
}

/// The plan a nested object (a goal, its progress, a comment, a response,
/// a version) belongs to, when the viewer may read that plan; the read is
/// audited as reading the plan's `field` (the list the object is shown in).
pub(in crate::staying_close) async fn readable_plan(
    ctx: &Context<'_>,
    id: Uuid,
    field: &str,
) -> AppResult<Option<PlanRow>> {
    let request = RequestCtx::get(ctx)?;
    let scope = policy::scope(&request.viewer, Action::ReadPlan);
    let Some(row) = store::plan(&request.db, &scope, id).await? else {
        return Ok(None);
    };
    plan_reads(request, std::slice::from_ref(&row), &[field]).await?;
    Ok(Some(row))
}

/// A plan by id within the viewer's scope, audited.
pub async fn node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<StayingClosePlan>> {
    plan_at(ctx, id, &[]).await
}

/// A plan by id within the viewer's scope, audited with the fields
/// selected at `path` below the current field.
pub(super) async fn plan_at(
    ctx: &Context<'_>,
    id: Uuid,
    path: &[&str],
) -> AppResult<Option<StayingClosePlan>> {
    let request = RequestCtx::get(ctx)?;
    let scope = policy::scope(&request.viewer, Action::ReadPlan);
    let Some(row) = store::plan(&request.db, &scope, id).await? else {
        return Ok(None);
    };
    audit_reads(ctx, std::slice::from_ref(&row), path).await?;
    Ok(Some(row.into()))
}

/// A worker as a plan shows them (`WorkerContact`, a `Person` id), for a
/// viewer who may read a plan on which they are the key worker or personal
/// adviser; audited as reading that plan's `keyWorker` or `personalAdviser`.
pub(in crate::staying_close) async fn worker_node(
    ctx: &Context<'_>,
    person: Uuid,
) -> AppResult<Option<WorkerContact>> {
    let request = RequestCtx::get(ctx)?;
    let scope = policy::scope(&request.viewer, Action::ReadPlan);
    let Some(row) = store::plan_of_worker(&request.db, &scope, person).await? else {
        return Ok(None);
    };
    let (field, joined) = if row.key_worker_id == Some(person) {
        ("keyWorker", row.key_worker.clone())
    } else {
        ("personalAdviser", row.personal_adviser.clone())
    };
    plan_reads(request, std::slice::from_ref(&row), &[field]).await?;
    // The plan's read joins the worker's contact; it is absent only when
    // the person has no record, and then there is nothing to show.
    Ok(joined.map(Into::into))
}
