//! The `node`/`nodes` look-ups. The `Node` interface and the routing of an
//! id's type name to its domain are generated from the domain list in
//! `schema/mod.rs`.

use async_graphql::{Context, ID, Object};

use super::{Node, resolve_node};
use crate::{error::AppError, graphql::relay::decode_id};

/// Largest number of ids `nodes` accepts.
const MAX_NODES: usize = 100;

async fn resolve(ctx: &Context<'_>, field: &str, id: &ID) -> async_graphql::Result<Option<Node>> {
    let (type_name, uuid) = decode_id(field, id)?;
    Ok(resolve_node(ctx, &type_name, uuid).await?)
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
