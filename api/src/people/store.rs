//! Queries for young people. Every query takes the viewer's [`Scope`] and
//! filters by it in SQL: there is no unscoped way to read a profile here.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use crate::{
    db::entities::{accounts, people, role_grants},
    error::AppResult,
    identity::model::Role,
    paging::PageRequest,
    policy::Scope,
};

/// People who hold the young person role.
fn young_people() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((accounts::Entity, accounts::Column::PersonId))
        .from(accounts::Entity)
        .inner_join(
            role_grants::Entity,
            Expr::col((role_grants::Entity, role_grants::Column::AccountId))
                .equals((accounts::Entity, accounts::Column::Id)),
        )
        .and_where(
            Expr::col((role_grants::Entity, role_grants::Column::Role))
                .eq(Role::YoungPerson.as_str()),
        )
        .to_owned()
}

fn scoped(scope: &Scope) -> Option<sea_orm::Select<people::Entity>> {
    let condition = scope.condition(
        Some(people::Column::Id),
        Some(people::Column::LocalAuthorityId),
    )?;
    Some(
        people::Entity::find()
            .filter(people::Column::Id.in_subquery(young_people()))
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
