//! GraphQL contract for reference data. Public: no viewer is needed.

use std::collections::HashMap;

use async_graphql::{
    ComplexObject, Context, ID, Object, SimpleObject, connection::Connection, dataloader::Loader,
};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::store;
use crate::paging::PageRequest;
use crate::{
    db::entities::{local_authorities, regions},
    error::AppError,
    graphql::{
        context::{RequestCtx, RequestLoader},
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
};

/// One of England's nine regions.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Region")]
pub struct Region {
    /// Global id.
    pub id: ID,
    /// ONS region code, such as E12000007.
    pub code: String,
    pub name: String,
    pub updated_at: DateTime<Utc>,
}

impl From<regions::Model> for Region {
    fn from(row: regions::Model) -> Self {
        Region {
            id: encode_id("Region", row.id),
            code: row.code,
            name: row.name,
            updated_at: row.updated_at,
        }
    }
}

/// A local authority (council with children's services responsibilities).
#[derive(SimpleObject, Clone)]
#[graphql(name = "LocalAuthority", complex)]
pub struct LocalAuthority {
    /// Global id.
    pub id: ID,
    /// ONS code, such as E06000039.
    pub ons_code: String,
    pub name: String,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub region_id: Uuid,
}

impl From<local_authorities::Model> for LocalAuthority {
    fn from(row: local_authorities::Model) -> Self {
        LocalAuthority {
            id: encode_id("LocalAuthority", row.id),
            ons_code: row.ons_code,
            name: row.name,
            updated_at: row.updated_at,
            region_id: row.region_id,
        }
    }
}

#[ComplexObject]
impl LocalAuthority {
    /// The region the authority is in (batched across a page).
    async fn region(&self, ctx: &Context<'_>) -> async_graphql::Result<Region> {
        let regions = RequestCtx::get(ctx)?.loaders.get::<RegionLoader>()?;
        regions
            .load_one(self.region_id)
            .await?
            .ok_or_else(|| AppError::NotFound { entity: "Region" }.into())
    }
}

/// Batches region look-ups within one request.
struct RegionLoader {
    db: DatabaseConnection,
}

impl RequestLoader for RegionLoader {
    fn new(db: &DatabaseConnection) -> Self {
        RegionLoader { db: db.clone() }
    }
}

impl Loader<Uuid> for RegionLoader {
    type Value = Region;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Region>, Self::Error> {
        let rows = store::regions_by_ids(&self.db, keys)
            .await
            .map_err(async_graphql::Error::from)?;
        Ok(rows.into_iter().map(|(id, row)| (id, row.into())).collect())
    }
}

#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// England's regions, by ONS code.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn regions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Region>> {
        let page = PageRequest::new(first, after)?;
        let rows = store::regions_page(&RequestCtx::get(ctx)?.db, &page).await?;
        Ok(connection(&page, rows, |r| r.code.clone(), Region::from))
    }

    /// Local authorities, by ONS code, optionally in one region.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn local_authorities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only authorities in this region (a Region id).")] region: Option<ID>,
    ) -> async_graphql::Result<Connection<String, LocalAuthority>> {
        let page = PageRequest::new(first, after)?;
        let region = region
            .map(|id| decode_typed_id("region", &id, "Region"))
            .transpose()?;
        let rows = store::local_authorities_page(&RequestCtx::get(ctx)?.db, &page, region).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.ons_code.clone(),
            LocalAuthority::from,
        ))
    }
}

/// Resolves a `Node` of this domain's types.
pub async fn node(
    db: &DatabaseConnection,
    type_name: &str,
    id: Uuid,
) -> Result<Option<crate::schema::Node>, AppError> {
    use crate::schema::Node;
    Ok(match type_name {
        "Region" => store::region(db, id).await?.map(|r| Node::Region(r.into())),
        "LocalAuthority" => store::local_authority(db, id)
            .await?
            .map(|r| Node::LocalAuthority(r.into())),
        _ => None,
    })
}
