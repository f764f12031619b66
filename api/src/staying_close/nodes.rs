//! `node(id:)` for the objects nested in a plan (check-ins, reviews,
//! claims, SSDA903 records): one is fetched again only by a viewer who
//! could read it nested, that is who reaches its plan (or the young
//! person's current plan) for `ReadPlan`, and the read is audited as the
//! nested one is: a read of that plan's field.

use async_graphql::Context;
use uuid::Uuid;

use super::plan::{
    reads::plan_reads,
    store::{PlanRow, current_plan, plan_by_id},
};
use crate::{
    error::AppResult,
    graphql::context::RequestCtx,
    policy::{self, Action},
};

/// Where a nested object hangs: its plan, or the young person whose
/// current plan shows it.
pub(super) enum Parent {
    Plan(Uuid),
    Person(Uuid),
}

/// Whether the viewer may read the object nested in `parent` under the
/// plan's `field`; if so the read of that field is recorded.
pub(super) async fn readable(ctx: &Context<'_>, parent: Parent, field: &str) -> AppResult<bool> {
    let request = RequestCtx::get(ctx)?;
    let plan: Option<PlanRow> = match parent {
        Parent::Plan(id) => plan_by_id(&request.db, id).await?,
        Parent::Person(person) => current_plan(&request.db, person).await?,
    };
    let Some(plan) = plan else {
        return Ok(false);
    };
    if !policy::scope(&request.viewer, Action::ReadPlan).covers(&plan.target()) {
        return Ok(false);
    }
    plan_reads(request, std::slice::from_ref(&plan), &[field]).await?;
    Ok(true)
}
