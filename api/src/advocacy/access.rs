//! The one place that decides how much of an advocacy request a viewer
//! sees. Advocacy is confidential to the child: what they said and the
//! advocate's notes are for the advocate assigned and their provider's
//! managers (and the young person themselves); the authority, and a
//! referrer the young person agreed may follow it, see that a request
//! exists, its kind, status and timescales; a referrer without that
//! agreement sees only that it was received. Every path a request leaves
//! by (queries, `node`, notifications) asks [`reach`] first.

use serde::Serialize;
use uuid::Uuid;

use super::requests::store::RequestRow;
use crate::{
    auth::viewer::Viewer,
    change::Change,
    error::{AppError, AppResult},
    policy::{self, Action},
};

/// How much of a request the viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, async_graphql::Enum)]
#[graphql(name = "AdvocacyAccess")]
pub enum Reach {
    /// That it was received, and when: a referrer whom the young person
    /// has not agreed may follow its progress.
    Received,
    /// Kind, status, dates and timescales; never what it says.
    Status,
    /// The young person's own request: what they said and what was
    /// recorded with them.
    Own,
    /// Everything (the advocate assigned, the provider's managers).
    Content,
}

impl Reach {
    /// Whether what the request says is shown.
    pub fn content(self) -> bool {
        matches!(self, Reach::Own | Reach::Content)
    }

    /// Whether its status and progress are shown.
    pub fn status(self) -> bool {
        self >= Reach::Status
    }
}

/// How much of `request` the viewer sees; `None` when they may not know
/// it exists.
pub fn reach(viewer: &Viewer, request: &RequestRow) -> Option<Reach> {
    let target = request.target();
    if policy::allows(viewer, Action::ReadAdvocacyContent, &target) {
        return Some(Reach::Content);
    }
    if policy::allows(viewer, Action::ReadOwnAdvocacy, &target) {
        return Some(Reach::Own);
    }
    if policy::allows(viewer, Action::ReadAdvocacyStatus, &target) {
        return Some(Reach::Status);
    }
    let me = viewer.account_viewer().ok().map(|a| a.person_id);
    if me == Some(request.referrer_person_id) {
        return Some(if request.referrer_follows() {
            Reach::Status
        } else {
            Reach::Received
        });
    }
    None
}

/// Which request a change is to, at which version (the one the client
/// last saw, when it says).
#[derive(Debug, Serialize)]
pub(super) struct At {
    pub request: Uuid,
    pub expected_version: Option<i32>,
}

/// Advocacy's look-ups inside a change.
pub(super) trait RequestChange {
    /// The request at `at`, if the viewer may do one of `actions` to it:
    /// one they may not know about is NOT_FOUND, one they see but may not
    /// change FORBIDDEN, an older version than the one stored CONFLICT.
    async fn request_at(&self, at: &At, actions: &[Action]) -> AppResult<RequestRow>;

    /// [`RequestChange::request_at`], also allowing a viewer for whom
    /// `related(request, their person id)` holds: a relation to the
    /// request the policy's roles do not know (its referrer).
    async fn request_at_or(
        &self,
        at: &At,
        actions: &[Action],
        related: fn(&RequestRow, Uuid) -> bool,
    ) -> AppResult<RequestRow>;
}

impl RequestChange for Change<'_> {
    async fn request_at(&self, at: &At, actions: &[Action]) -> AppResult<RequestRow> {
        self.request_at_or(at, actions, |_, _| false).await
    }

    async fn request_at_or(
        &self,
        at: &At,
        actions: &[Action],
        related: fn(&RequestRow, Uuid) -> bool,
    ) -> AppResult<RequestRow> {
        let request = super::requests::store::request(&self.txn, at.request)
            .await?
            .ok_or(AppError::NotFound {
                entity: "AdvocacyRequest",
            })?;
        let target = request.target();
        let allowed = actions
            .iter()
            .any(|a| policy::allows(self.call.viewer, *a, &target))
            || related(&request, self.actor.person_id);
        if !allowed {
            return Err(match reach(self.call.viewer, &request) {
                None => AppError::NotFound {
                    entity: "AdvocacyRequest",
                },
                Some(_) => AppError::Forbidden,
            });
        }
        if let Some(expected) = at.expected_version
            && expected != request.version
        {
            return Err(stale(request.version));
        }
        Ok(request)
    }
}

/// CONFLICT for a change made against an older version.
pub(super) fn stale(current: i32) -> AppError {
    AppError::stale("request", current)
}
