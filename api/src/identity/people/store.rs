//! Queries for young people. Every query takes the viewer's [`Scope`] and
//! filters by it in SQL: there is no unscoped way to read a profile here.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    db::entities::people,
    error::AppResult,
    identity::{directory, model::Role},
    paging::PageRequest,
    policy::Scope,
};

fn scoped(scope: &Scope) -> Option<sea_orm::Select<people::Entity>> {
    let condition = scope.condition(
        Some(people::Column::Id),
        Some(people::Column::LocalAuthorityId),
    )?;
    Some(
        people::Entity::find()
            .filter(people::Column::Id.in_subquery(directory::people_holding(Role::YoungPerson)))
            .filter(condition),
    )
}

/// One young person, if the scope reaches them.
pub async fn young_person(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> AppResult<Option<people::Model>> {
    let Some(query) = scoped(scope) else {
        return Ok(None);
    };
    Ok(query.filter(people::Column::Id.eq(id)).one(db).await?)
}

/// Young people in scope, by id, optionally in one authority.
pub async fn young_people_page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    page: &PageRequest,
    local_authority: Option<Uuid>,
) -> AppResult<Vec<people::Model>> {
    let Some(mut query) = scoped(scope) else {
        return Ok(Vec::new());
    };
    if let Some(after) = page.after_key::<Uuid>()? {
        query = query.filter(people::Column::Id.gt(after));
    }
    if let Some(la) = local_authority {
        query = query.filter(people::Column::LocalAuthorityId.eq(la));
    }
    Ok(query
        .order_by_asc(people::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?)
}
