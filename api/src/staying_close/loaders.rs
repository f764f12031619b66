//! Per-request batching of what a plan shows besides its own columns: a
//! caseload page that selects goals, their progress, check-ins, reviews,
//! claims, entitlements, comments, responses or SSDA903 records costs one
//! statement per list, not one per plan.
//! Made per request on first use (`RequestCtx::loaders.get::<PlanLoader>()`,
//! see `graphql::context::Loaders`), so nothing is
//! shared between viewers; the plans themselves were authorised (and their
//! reads audited) before these are asked for.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::graphql::context::RequestLoader;
use crate::staying_close::{
    agreement::{
        self,
        store::{CommentRow, ResponseRow},
    },
    claims::{self, model::ClaimKind, store::ClaimRow},
    goals::{
        self,
        store::{GoalRow, ProgressRow},
    },
    meetings::{
        self,
        store::{Meeting, MeetingRow},
    },
    profile::{self, graphql::CareLeaverProfile},
    records::{
        self,
        store::{RecordKind, RecordRow},
    },
};

/// A plan's goals (not removed), in the order they were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct GoalsOf(pub(super) Uuid);

/// A goal's progress updates, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ProgressOf(pub(super) Uuid);

/// A plan's next planned check-in or review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct NextMeeting(pub(super) Meeting, pub(super) Uuid);

/// A plan's check-ins or reviews, planned and held, by due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct MeetingsOf(pub(super) Meeting, pub(super) Uuid);

/// A young person's claims, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ClaimsOf(pub(super) Uuid);

/// What is left of each allowance and bursary for a young person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct EntitlementsOf(pub(super) Uuid);

/// The comments on a plan, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct CommentsOf(pub(super) Uuid);

/// The young person's answers to a plan's shared versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ResponsesOf(pub(super) Uuid);

/// A young person's SSDA903 records of one kind, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct RecordsOf(pub(super) RecordKind, pub(super) Uuid);

/// A young person's care-leaver profile (with the children's home it names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ProfileOf(pub(super) Uuid);

pub(super) struct PlanLoader {
    db: DatabaseConnection,
}

impl RequestLoader for PlanLoader {
    fn new(db: &DatabaseConnection) -> Self {
        PlanLoader { db: db.clone() }
    }
}

/// Every key answered (an empty list when there is nothing).
fn for_each<K: Copy + Eq + std::hash::Hash, V: Default>(
    keys: &[K],
    id: fn(&K) -> Uuid,
    mut found: HashMap<Uuid, V>,
) -> HashMap<K, V> {
    keys.iter()
        .map(|k| (*k, found.remove(&id(k)).unwrap_or_default()))
        .collect()
}

fn ids<K>(keys: &[K], id: fn(&K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(id).collect()
}

impl Loader<GoalsOf> for PlanLoader {
    type Value = Vec<GoalRow>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[GoalsOf]) -> Result<HashMap<GoalsOf, Vec<GoalRow>>, Self::Error> {
        let found = goals::store::goals_of_plans(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}

impl Loader<ProgressOf> for PlanLoader {
    type Value = Vec<ProgressRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ProgressOf],
    ) -> Result<HashMap<ProgressOf, Vec<ProgressRow>>, Self::Error> {
        let found = goals::store::progress_of_goals(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}

const MEETINGS: [Meeting; 2] = [Meeting::CheckIn, Meeting::Review];

/// Loads keys that name a kind (of meeting, of record) kind by kind: `load`
/// gets one kind's ids.
async fn per_kind<Kind, K, V, F, Fut>(
    kinds: &[Kind],
    keys: &[K],
    split: fn(&K) -> (Kind, Uuid),
    key: fn(Kind, Uuid) -> K,
    load: F,
) -> Result<HashMap<K, V>, async_graphql::Error>
where
    Kind: Copy + Eq,
    K: Eq + std::hash::Hash,
    F: Fn(Kind, Vec<Uuid>) -> Fut,
    Fut: std::future::Future<Output = crate::error::AppResult<HashMap<Uuid, V>>>,
{
    let mut out = HashMap::new();
    for &kind in kinds {
        let plans: Vec<Uuid> = keys
            .iter()
            .map(split)
            .filter(|(k, _)| *k == kind)
            .map(|(_, plan)| plan)
            .collect();
        if plans.is_empty() {
            continue;
        }
        let found = load(kind, plans).await?;
        out.extend(found.into_iter().map(|(plan, v)| (key(kind, plan), v)));
    }
    Ok(out)
}

impl Loader<NextMeeting> for PlanLoader {
    type Value = MeetingRow;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[NextMeeting],
    ) -> Result<HashMap<NextMeeting, MeetingRow>, Self::Error> {
        per_kind(
            &MEETINGS,
            keys,
            |k| (k.0, k.1),
            NextMeeting,
            |kind, plans| async move { meetings::store::planned_meetings(&self.db, kind, &plans).await },
        )
        .await
    }
}

impl Loader<MeetingsOf> for PlanLoader {
    type Value = Vec<MeetingRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[MeetingsOf],
    ) -> Result<HashMap<MeetingsOf, Vec<MeetingRow>>, Self::Error> {
        per_kind(
            &MEETINGS,
            keys,
            |k| (k.0, k.1),
            MeetingsOf,
            |kind, plans| async move {
                meetings::store::meetings_of_plans(&self.db, kind, &plans, false).await
            },
        )
        .await
    }
}

impl Loader<ClaimsOf> for PlanLoader {
    type Value = Vec<ClaimRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ClaimsOf],
    ) -> Result<HashMap<ClaimsOf, Vec<ClaimRow>>, Self::Error> {
        let found = claims::store::claims_of_people(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}

impl Loader<EntitlementsOf> for PlanLoader {
    type Value = Vec<claims::model::Entitlement>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[EntitlementsOf],
    ) -> Result<HashMap<EntitlementsOf, Vec<claims::model::Entitlement>>, Self::Error> {
        let caps = claims::store::caps(&self.db).await?;
        let mut claimed = claims::store::claimed_by_people(&self.db, &ids(keys, |k| k.0)).await?;
        let today = crate::clock::today();
        Ok(keys
            .iter()
            .map(|key| {
                let so_far = claimed.remove(&key.0).unwrap_or_default();
                let entitlements = ClaimKind::ALL
                    .iter()
                    .map(|&kind| {
                        let of_kind = so_far.get(&kind).copied().unwrap_or_default();
                        let caps = caps.get(&kind).map(Vec::as_slice).unwrap_or_default();
                        claims::model::entitlement(kind, caps, of_kind, today)
                    })
                    .collect();
                (*key, entitlements)
            })
            .collect())
    }
}

impl Loader<CommentsOf> for PlanLoader {
    type Value = Vec<CommentRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[CommentsOf],
    ) -> Result<HashMap<CommentsOf, Vec<CommentRow>>, Self::Error> {
        let found = agreement::store::comments_on_plans(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}

impl Loader<ResponsesOf> for PlanLoader {
    type Value = Vec<ResponseRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ResponsesOf],
    ) -> Result<HashMap<ResponsesOf, Vec<ResponseRow>>, Self::Error> {
        let found = agreement::store::responses_to_plans(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}

impl Loader<RecordsOf> for PlanLoader {
    type Value = Vec<RecordRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[RecordsOf],
    ) -> Result<HashMap<RecordsOf, Vec<RecordRow>>, Self::Error> {
        let kinds = [
            RecordKind::Accommodation,
            RecordKind::InTouch,
            RecordKind::Activity,
        ];
        per_kind(
            &kinds,
            keys,
            |k| (k.0, k.1),
            RecordsOf,
            |kind, people| async move {
                records::store::records_of_people(&self.db, kind, &people).await
            },
        )
        .await
    }
}

impl Loader<ProfileOf> for PlanLoader {
    type Value = CareLeaverProfile;
    type Error = async_graphql::Error;

    /// Two statements for any number of people: their profiles, then the
    /// children's homes those name.
    async fn load(
        &self,
        keys: &[ProfileOf],
    ) -> Result<HashMap<ProfileOf, CareLeaverProfile>, Self::Error> {
        let found = profile::store::care_leavers_by_ids(&self.db, &ids(keys, |k| k.0)).await?;
        let mut homes: Vec<Uuid> = found.values().filter_map(|c| c.childrens_home_id).collect();
        homes.sort_unstable();
        homes.dedup();
        let names = crate::identity::directory::organisation_names(&self.db, &homes).await?;
        Ok(found
            .into_iter()
            .map(|(person, c)| {
                let home = c.childrens_home_id.and_then(|h| names.get(&h).cloned());
                (ProfileOf(person), CareLeaverProfile::from_row(c, home))
            })
            .collect())
    }
}
