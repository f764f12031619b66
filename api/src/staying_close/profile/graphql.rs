//! GraphQL for care-leaver profiles: the profile, the children's homes to
//! name, and saving a profile.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{model::CareLeaverCategory, service, store};
use crate::identity::{directory, people};
use crate::staying_close::inputs::{id_of, managed_authority};
use crate::{
    graphql::{context::RequestCtx, relay::encode_id},
    policy::Target,
};

/// The young person's care-leaver profile.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub(in crate::staying_close) struct CareLeaverProfile {
    /// The young person's global id (a `YoungPerson`).
    pub young_person_id: ID,
    pub given_name: String,
    pub family_name: String,
    /// The SSDA903 child identifier.
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    /// The children's home they left.
    pub childrens_home: Option<String>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    target: Target,
    #[graphql(skip)]
    born: Option<NaiveDate>,
}

#[ComplexObject]
impl CareLeaverProfile {
    /// Date of birth: FORBIDDEN for key workers (as on the profile).
    async fn date_of_birth(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NaiveDate>> {
        Ok(people::graphql::date_of_birth(
            ctx,
            &self.target,
            self.born,
        )?)
    }
}

impl CareLeaverProfile {
    /// The profile from its row and the name of the children's home it
    /// names (read by the caller, batched or not).
    pub(in crate::staying_close) fn from_row(
        c: store::CareLeaverRow,
        childrens_home: Option<String>,
    ) -> Self {
        CareLeaverProfile {
            young_person_id: encode_id("YoungPerson", c.person_id),
            given_name: c.given_name,
            family_name: c.family_name,
            child_ref: c.child_ref,
            category: c.category,
            left_care_on: c.left_care_on,
            childrens_home,
            updated_at: c.updated_at,
            target: Target::person(c.person_id, Some(c.local_authority_id)),
            born: c.date_of_birth,
        }
    }
}

/// A children's home that young people leave care from.
#[derive(SimpleObject)]
struct ChildrensHome {
    /// Global id (an `Organisation`), as used in `childrensHomeId`.
    pub id: ID,
    pub name: String,
}

#[derive(Default)]
pub(in crate::staying_close) struct ProfileQuery;

#[Object]
impl ProfileQuery {
    /// The children's homes of an authority (to name the home a young
    /// person left).
    async fn childrens_homes(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
    ) -> async_graphql::Result<Vec<ChildrensHome>> {
        let request = RequestCtx::get(ctx)?;
        let la = managed_authority(request, &local_authority_id)?;
        Ok(directory::childrens_homes(&request.db, la)
            .await?
            .into_iter()
            .map(|(id, name)| ChildrensHome {
                id: encode_id("Organisation", id),
                name,
            })
            .collect())
    }
}

#[derive(InputObject)]
struct SaveCareLeaverProfileInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
    /// The SSDA903 child identifier (1-10 letters or digits).
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    /// The children's home they left (an organisation id).
    pub childrens_home_id: Option<ID>,
}

#[derive(SimpleObject)]
struct CareLeaverProfilePayload {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
}

#[derive(Default)]
pub(in crate::staying_close) struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Sets up or corrects a young person's care-leaver profile
    /// (personal advisers and managers of their authority).
    async fn save_care_leaver_profile(
        &self,
        ctx: &Context<'_>,
        input: SaveCareLeaverProfileInput,
    ) -> async_graphql::Result<CareLeaverProfilePayload> {
        let request = RequestCtx::get(ctx)?;
        let person = id_of("youngPersonId", &input.young_person_id, "YoungPerson")?;
        service::save_profile(
            &request.call(input.client_mutation_id.as_deref()),
            service::ProfileInput {
                person,
                child_ref: input.child_ref,
                category: input.category,
                left_care_on: input.left_care_on,
                childrens_home: input
                    .childrens_home_id
                    .map(|id| id_of("childrensHomeId", &id, "Organisation"))
                    .transpose()?,
            },
        )
        .await?;
        Ok(CareLeaverProfilePayload {
            client_mutation_id: input.client_mutation_id,
            young_person_id: encode_id("YoungPerson", person),
        })
    }
}
