//! GraphQL contract for young people's profiles. Lists and look-ups are
//! scoped in the data layer; `dateOfBirth` has its own field-level guard;
//! every profile returned is audited (with the fields released) before the
//! response is sent.

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::store;
use crate::audit::AuditAction;
use crate::graphql::reads::{self, Read};
use crate::paging::PageRequest;
use crate::{
    db::entities::people,
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    policy::{self, Action, Target},
    reference::{graphql::LocalAuthority, store as reference},
};

/// A young person's date of birth as released to the viewer: the field
/// guard every type showing it uses (FORBIDDEN for those who may open the
/// profile but not see the date, such as key workers).
pub(crate) fn date_of_birth(
    ctx: &Context<'_>,
    person: &Target,
    born: Option<NaiveDate>,
) -> AppResult<Option<NaiveDate>> {
    let request = RequestCtx::get(ctx)?;
    policy::authorize(&request.viewer, Action::ReadYoungPersonDateOfBirth, person)?;
    Ok(born)
}

/// A young person's profile.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct YoungPerson {
    /// Global id.
    pub id: ID,
    pub given_name: String,
    pub family_name: String,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub target: Target,
    #[graphql(skip)]
    pub birth_date: Option<NaiveDate>,
}

impl From<people::Model> for YoungPerson {
    fn from(row: people::Model) -> Self {
        YoungPerson {
            id: encode_id("YoungPerson", row.id),
            given_name: row.given_name,
            family_name: row.family_name,
            updated_at: row.updated_at,
            target: Target::person(row.id, row.local_authority_id),
            birth_date: row.date_of_birth,
        }
    }
}

#[ComplexObject]
impl YoungPerson {
    /// Date of birth. Personal advisers, the authority's managers and the
    /// young person see it; others who may open the profile (key workers,
    /// social workers) get FORBIDDEN for this field.
    async fn date_of_birth(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NaiveDate>> {
        Ok(date_of_birth(ctx, &self.target, self.birth_date)?)
    }

    /// The local authority responsible for the young person.
    async fn local_authority(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LocalAuthority>> {
        let Some(id) = self.target.local_authority else {
            return Ok(None);
        };
        let db = &RequestCtx::get(ctx)?.db;
        Ok(reference::local_authority(db, id).await?.map(Into::into))
    }
}

/// Records the reads of these profiles, with the fields each released
/// (the date of birth only to those who may see it).
async fn audit_reads(
    ctx: &Context<'_>,
    rows: &[people::Model],
    requested: &[String],
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let request = RequestCtx::get(ctx)?;
    let released: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| {
            let target = Target::person(row.id, row.local_authority_id);
            let dob = policy::allows(&request.viewer, Action::ReadYoungPersonDateOfBirth, &target);
            requested
                .iter()
                .map(String::as_str)
                .filter(|f| dob || *f != "dateOfBirth")
                .collect()
        })
        .collect();
    reads::record(
        request,
        AuditAction::YoungPersonRead,
        "YoungPerson",
        rows.iter().zip(&released).map(|(row, fields)| Read {
            id: row.id,
            person: Some(row.id),
            local_authority: row.local_authority_id,
            fields,
        }),
    )
    .await
}

/// Resolves a `YoungPerson` node within the viewer's scope, audited.
pub async fn node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<YoungPerson>> {
    let request = RequestCtx::get(ctx)?;
    let scope = policy::scope(&request.viewer, Action::ReadYoungPerson);
    let Some(row) = store::young_person(&request.db, &scope, id).await? else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    reads::selected(ctx.field(), &[], &mut fields);
    audit_reads(ctx, std::slice::from_ref(&row), &fields).await?;
    Ok(Some(row.into()))
}

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// Young people the viewer may see (their own profile for a young
    /// person; their authority's young people for its workers and
    /// managers), by id. Each profile returned is audited.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn young_people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only young people of this authority (a LocalAuthority id).")]
        local_authority_id: Option<ID>,
    ) -> async_graphql::Result<Connection<String, YoungPerson>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let authority = local_authority_id
            .map(|id| decode_typed_id("localAuthorityId", &id, "LocalAuthority"))
            .transpose()?;
        let scope = policy::list_scope(&request.viewer, Action::ReadYoungPerson)?;
        let rows = store::young_people_page(&request.db, &scope, &page, authority).await?;
        let mut fields = Vec::new();
        reads::selected(ctx.field(), &["edges", "node"], &mut fields);
        reads::selected(ctx.field(), &["nodes"], &mut fields);
        // Only the page that is returned is read (not the look-ahead row).
        audit_reads(ctx, page.shown(&rows), &fields).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            YoungPerson::from,
        ))
    }
}
