//! The Relay `Node` interface and `node`/`nodes` look-ups. Each domain
//! resolves its own types; this file only routes by the id's type name.

use async_graphql::{Context, ID, Interface, Object};

use super::{context::RequestCtx, relay::decode_id};
use crate::{
    clients::graphql::ApiClient,
    error::AppError,
    notifications::graphql::Notification,
    people::graphql::YoungPerson,
    reference::graphql::{LocalAuthority, Region},
    staying_close::schema::StayingClosePlan,
};

/// An object with a global id that `node(id:)` can fetch again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID", desc = "Global id."))]
pub enum Node {
    Region(Region),
    LocalAuthority(LocalAuthority),
    YoungPerson(YoungPerson),
    ApiClient(ApiClient),
    Notification(Notification),
    StayingClosePlan(StayingClosePlan),
}

/// Largest number of ids `nodes` accepts.
const MAX_NODES: usize = 100;

async fn resolve(ctx: &Context<'_>, field: &str, id: &ID) -> async_graphql::Result<Option<Node>> {
    let request = RequestCtx::get(ctx)?;
    let (type_name, uuid) = decode_id(field, id)?;
    let node = match type_name.as_str() {
        "Region" | "LocalAuthority" => {
            crate::reference::graphql::node(&request.db, &type_name, uuid).await?
        }
        "YoungPerson" => crate::people::graphql::node(ctx, uuid)
            .await?
            .map(Node::YoungPerson),
        "ApiClient" => crate::clients::graphql::node(request, uuid)
            .await?
            .map(Node::ApiClient),
        "Notification" => crate::notifications::graphql::node(request, uuid)
            .await?
            .map(Node::Notification),
        "StayingClosePlan" => crate::staying_close::schema::node(ctx, uuid)
            .await?
            .map(Node::StayingClosePlan),
        _ => None,
    };
    Ok(node)
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when it does not exist or
    /// the viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        resolve(ctx, "id", &id).await
    }

    /// Fetches up to 100 objects by global id, in the order given.
    #[graphql(complexity = "ids.len().saturating_mul(child_complexity).saturating_add(1)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input("ids", format!("at most {MAX_NODES} ids")).into());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(resolve(ctx, "ids", id).await?);
        }
        Ok(out)
    }
}
