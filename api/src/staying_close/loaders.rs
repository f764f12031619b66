//! Per-request batching of what a plan shows besides its own columns: a
//! caseload page that selects goals, their progress, the next check-in or
//! review and claims costs one statement per list, not one per plan.
//! Built per request (see `graphql::context::Loaders`), so nothing is
//! shared between viewers; the plans themselves were authorised (and their
//! reads audited) before these are asked for.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::store::{self, ClaimRow, GoalRow, Meeting, MeetingRow, ProgressRow};

/// A plan's goals (not removed), in the order they were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoalsOf(pub Uuid);

/// A goal's progress updates, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProgressOf(pub Uuid);

/// A plan's next planned check-in or review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NextMeeting(pub Meeting, pub Uuid);

/// A plan's check-ins or reviews, planned and held, by due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeetingsOf(pub Meeting, pub Uuid);

/// A young person's claims, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimsOf(pub Uuid);

pub struct PlanLoader {
    pub db: DatabaseConnection,
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
        let found = store::goals_of_plans(&self.db, &ids(keys, |k| k.0)).await?;
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
        let found = store::progress_of_goals(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}

/// Loads meeting keys kind by kind: `load` gets one kind's plans.
async fn per_kind<K, V, F, Fut>(
    keys: &[K],
    split: fn(&K) -> (Meeting, Uuid),
    key: fn(Meeting, Uuid) -> K,
    load: F,
) -> Result<HashMap<K, V>, async_graphql::Error>
where
    K: Eq + std::hash::Hash,
    F: Fn(Meeting, Vec<Uuid>) -> Fut,
    Fut: std::future::Future<Output = crate::error::AppResult<HashMap<Uuid, V>>>,
{
    let mut out = HashMap::new();
    for kind in [Meeting::CheckIn, Meeting::Review] {
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
            keys,
            |k| (k.0, k.1),
            NextMeeting,
            |kind, plans| async move { store::planned_meetings(&self.db, kind, &plans).await },
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
        per_kind(keys, |k| (k.0, k.1), MeetingsOf, |kind, plans| async move {
            store::meetings_of_plans(&self.db, kind, &plans, false).await
        })
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
        let found = store::claims_of_people(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(for_each(keys, |k| k.0, found))
    }
}
