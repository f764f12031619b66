//! Children other domains hold records about: an existing child or young
//! person (a person with an authority and a date of birth who holds no
//! staff role), or a new one a referrer records (names, date of birth,
//! authority; no account: young children do not sign in).

use chrono::{NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::{first, get},
    },
    error::AppResult,
    identity::model::Role,
};

/// A child or young person: whose they are and when they were born.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Child {
    pub id: Uuid,
    pub local_authority_id: Uuid,
    pub date_of_birth: NaiveDate,
}

fn child_row(r: &sea_orm::QueryResult) -> AppResult<Child> {
    Ok(Child {
        id: get(r, "id")?,
        local_authority_id: get(r, "local_authority_id")?,
        date_of_birth: get(r, "date_of_birth")?,
    })
}

/// The person `id`, if they are a child or young person: an authority and
/// a date of birth on record, and no role but young person.
pub async fn child(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Child>> {
    let rows = query(
        db,
        "SELECT p.id, p.local_authority_id, p.date_of_birth FROM people p \
         WHERE p.id = $1 AND p.local_authority_id IS NOT NULL AND p.date_of_birth IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM accounts a JOIN role_grants g ON g.account_id = a.id \
                         WHERE a.person_id = p.id AND g.role <> $2)",
        vec![id.into(), Role::YoungPerson.as_str().into()],
    )
    .await?;
    first(rows, child_row)
}

/// A child to record, checked by the caller (`text::name`, the age rules
/// of the domain that records them).
pub struct NewChild<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub date_of_birth: NaiveDate,
    pub local_authority_id: Uuid,
}

/// Records a child without an account, in the caller's transaction.
pub async fn create_child(db: &impl ConnectionTrait, new: NewChild<'_>) -> AppResult<Child> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO people (id, given_name, family_name, date_of_birth, local_authority_id, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        vec![
            id.into(),
            new.given_name.into(),
            new.family_name.into(),
            new.date_of_birth.into(),
            new.local_authority_id.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(Child {
        id,
        local_authority_id: new.local_authority_id,
        date_of_birth: new.date_of_birth,
    })
}
