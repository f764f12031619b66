//! Per-request batching of what a request shows besides its own columns
//! (its details, its timeline, its timescales, the names of the people and provider on
//! it): a page of requests costs one statement per list, not one per
//! request. The requests were authorised, and their reads audited, before
//! these are asked for; the object decides what of it to show
//! (`access::reach`).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    requests::store::{self, DetailsRow, EventRow},
    timescales::{model::Clock, store as clocks},
};
use crate::{graphql::context::RequestLoader, identity::directory};

/// A request's details (its content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct DetailsOf(pub(super) Uuid);

/// A request's timeline, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct EventsOf(pub(super) Uuid);

/// A request's timescales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ClocksOf(pub(super) Uuid);

/// A person's names (an advocate, a referrer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct NameOf(pub(super) Uuid);

/// An organisation's name (a provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct OrganisationOf(pub(super) Uuid);

pub struct AdvocacyLoader {
    db: DatabaseConnection,
}

impl RequestLoader for AdvocacyLoader {
    fn new(db: &DatabaseConnection) -> Self {
        AdvocacyLoader { db: db.clone() }
    }
}

impl Loader<DetailsOf> for AdvocacyLoader {
    type Value = DetailsRow;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[DetailsOf],
    ) -> Result<HashMap<DetailsOf, DetailsRow>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = store::details(&self.db, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, d)| (DetailsOf(id), d))
            .collect())
    }
}

impl Loader<EventsOf> for AdvocacyLoader {
    type Value = Vec<EventRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[EventsOf],
    ) -> Result<HashMap<EventsOf, Vec<EventRow>>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = store::events(&self.db, &ids).await?;
        Ok(found.into_iter().map(|(id, e)| (EventsOf(id), e)).collect())
    }
}

impl Loader<ClocksOf> for AdvocacyLoader {
    type Value = Vec<Clock>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ClocksOf]) -> Result<HashMap<ClocksOf, Vec<Clock>>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = clocks::clocks_of(&self.db, &ids).await?;
        Ok(found.into_iter().map(|(id, c)| (ClocksOf(id), c)).collect())
    }
}

impl Loader<NameOf> for AdvocacyLoader {
    type Value = (String, String);
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[NameOf],
    ) -> Result<HashMap<NameOf, (String, String)>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = directory::workers(&self.db, &ids).await?;
        Ok(found
            .into_iter()
            .map(|w| (NameOf(w.person_id), (w.given_name, w.family_name)))
            .collect())
    }
}

impl Loader<OrganisationOf> for AdvocacyLoader {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[OrganisationOf],
    ) -> Result<HashMap<OrganisationOf, String>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = directory::organisation_names(&self.db, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, name)| (OrganisationOf(id), name))
            .collect())
    }
}
