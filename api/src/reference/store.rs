//! Queries for reference data.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::model::OnsCode;
use crate::{
    db::entities::{local_authorities, regions},
    error::{AppError, AppResult, is_unique_violation},
    paging::PageRequest,
};

pub async fn regions_page(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> AppResult<Vec<regions::Model>> {
    let mut query = regions::Entity::find().order_by_asc(regions::Column::Code);
    if let Some(after) = &page.after {
        query = query.filter(regions::Column::Code.gt(after.as_str()));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

pub async fn local_authorities_page(
    db: &impl ConnectionTrait,
    page: &PageRequest,
    region_id: Option<Uuid>,
) -> AppResult<Vec<local_authorities::Model>> {
    let mut query =
        local_authorities::Entity::find().order_by_asc(local_authorities::Column::OnsCode);
    if let Some(after) = &page.after {
        query = query.filter(local_authorities::Column::OnsCode.gt(after.as_str()));
    }
    if let Some(region_id) = region_id {
        query = query.filter(local_authorities::Column::RegionId.eq(region_id));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

pub async fn regions_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, regions::Model>> {
    let rows = regions::Entity::find()
        .filter(regions::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

pub async fn region(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<regions::Model>> {
    Ok(regions::Entity::find_by_id(id).one(db).await?)
}

pub async fn region_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<Option<regions::Model>> {
    Ok(regions::Entity::find()
        .filter(regions::Column::Code.eq(code))
        .one(db)
        .await?)
}

pub async fn local_authority(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<local_authorities::Model>> {
    Ok(local_authorities::Entity::find_by_id(id).one(db).await?)
}

/// Adds a local authority in a region. A duplicate ONS code is `CONFLICT`.
pub async fn insert_local_authority(
    db: &impl ConnectionTrait,
    ons_code: &OnsCode,
    name: &str,
    region_code: &str,
) -> AppResult<local_authorities::Model> {
    let region = region_by_code(db, region_code)
        .await?
        .ok_or_else(|| AppError::bad_input("regionCode", "is not a known region code"))?;
    let now = chrono::Utc::now();
    let row = local_authorities::ActiveModel {
        id: Set(Uuid::now_v7()),
        ons_code: Set(ons_code.as_str().to_string()),
        name: Set(name.to_string()),
        region_id: Set(region.id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row.insert(db).await.map_err(|err| {
        if is_unique_violation(&err) {
            AppError::conflict("A local authority with this ONS code already exists.")
        } else {
            err.into()
        }
    })
}

pub async fn local_authority_by_code(
    db: &impl ConnectionTrait,
    code: &OnsCode,
) -> AppResult<Option<local_authorities::Model>> {
    Ok(local_authorities::Entity::find()
        .filter(local_authorities::Column::OnsCode.eq(code.as_str()))
        .one(db)
        .await?)
}
