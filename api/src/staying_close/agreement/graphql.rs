//! GraphQL for comments, sharing for agreement and responses.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::{service, store};
use crate::error::AppResult;
use crate::graphql::{context::RequestCtx, relay::encode_id};
use crate::staying_close::{
    inputs::id_of,
    plan::{
        graphql::{PlanPayload, plan_payload},
        reads::readable_plan,
    },
};

#[derive(SimpleObject, Clone)]
pub struct PlanComment {
    pub id: ID,
    pub body: String,
    pub author_name: String,
    /// The plan version it was written about.
    pub plan_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The young person's answer to a shared version, in their words.
#[derive(SimpleObject, Clone)]
pub struct PlanResponse {
    pub id: ID,
    pub plan_version: i32,
    pub agrees: bool,
    pub words: String,
    pub updated_at: DateTime<Utc>,
}

impl From<store::CommentRow> for PlanComment {
    fn from(c: store::CommentRow) -> Self {
        PlanComment {
            id: encode_id("PlanComment", c.id),
            body: c.body,
            author_name: c.author_name,
            plan_version: c.plan_version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<store::ResponseRow> for PlanResponse {
    fn from(r: store::ResponseRow) -> Self {
        PlanResponse {
            id: encode_id("PlanResponse", r.id),
            plan_version: r.plan_version,
            agrees: r.agrees,
            words: r.words,
            updated_at: r.updated_at,
        }
    }
}

/// A comment by id, when the viewer may read its plan (audited as reading
/// the plan's `comments`).
pub(in crate::staying_close) async fn comment_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<PlanComment>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(row) = store::comment(db, id).await? else {
        return Ok(None);
    };
    Ok(readable_plan(ctx, row.plan_id, "comments")
        .await?
        .map(|_| row.into()))
}

/// A response by id, when the viewer may read its plan (audited as
/// reading the plan's `responses`).
pub(in crate::staying_close) async fn response_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<PlanResponse>> {
    let db = &RequestCtx::get(ctx)?.db;
    let Some(row) = store::response(db, id).await? else {
        return Ok(None);
    };
    Ok(readable_plan(ctx, row.plan_id, "responses")
        .await?
        .map(|_| row.into()))
}

#[derive(InputObject)]
struct CommentOnPlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub body: String,
}

#[derive(InputObject)]
struct SharePlanForAgreementInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
struct RespondToPlanInput {
    pub client_mutation_id: Option<String>,
    pub plan_id: ID,
    /// The shared version being answered.
    pub version: i32,
    pub agrees: bool,
    /// In the young person's words.
    pub words: String,
}

#[derive(Default)]
pub(in crate::staying_close) struct AgreementMutation;

#[Object]
impl AgreementMutation {
    async fn comment_on_plan(
        &self,
        ctx: &Context<'_>,
        input: CommentOnPlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::comment(
            &request.call(input.client_mutation_id.as_deref()),
            service::CommentInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                body: input.body,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "PlanComment").await
    }

    /// Shares the current version with the young person to agree.
    async fn share_plan_for_agreement(
        &self,
        ctx: &Context<'_>,
        input: SharePlanForAgreementInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::share(
            &request.call(input.client_mutation_id.as_deref()),
            service::ShareInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                expected_version: input.expected_version,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "StayingClosePlan").await
    }

    /// The young person agrees or disagrees with the shared version.
    async fn respond_to_plan(
        &self,
        ctx: &Context<'_>,
        input: RespondToPlanInput,
    ) -> async_graphql::Result<PlanPayload> {
        let request = RequestCtx::get(ctx)?;
        let done = service::respond(
            &request.call(input.client_mutation_id.as_deref()),
            service::RespondInput {
                plan: id_of("planId", &input.plan_id, "StayingClosePlan")?,
                version: input.version,
                agrees: input.agrees,
                words: input.words,
            },
        )
        .await?;
        plan_payload(ctx, input.client_mutation_id, done, "PlanResponse").await
    }
}
