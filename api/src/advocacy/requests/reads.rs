//! Reading requests: the young person's own, a referrer's referrals, an
//! advocate's caseload, a provider's queue, an authority's list, one by
//! id. Each list is filtered in SQL by what the viewer may reach, and
//! each row comes with the viewer's [`Reach`] (the one rule for how much
//! of it they see).

use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::{
    model::AdvocacyKind,
    store::{self, ListFilter, RequestRow},
};
use crate::advocacy::{
    access::{Reach, reach},
    lifecycle::model::AdvocacyState,
    timescales::model::TimescaleState,
};
use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
    paging::PageRequest,
    policy::{self, Action, ScopeColumns, Target},
};

/// Which list.
#[derive(Debug, Clone, Copy)]
pub(in crate::advocacy) enum List {
    /// The signed-in young person's own requests, newest first.
    Own,
    /// The requests the viewer made for others, newest first.
    Referrals,
    /// The requests assigned to the signed-in advocate, oldest first.
    Caseload,
    /// The requests the viewer's provider holds (optionally for one
    /// authority), oldest first: the manager's queue.
    Queue(Option<Uuid>),
    /// An authority's requests, newest first: status only.
    Authority(Uuid),
}

/// Narrowing a list.
#[derive(Debug, Clone, Default)]
pub(in crate::advocacy) struct Filter {
    pub states: Vec<AdvocacyState>,
    pub kind: Option<AdvocacyKind>,
    pub unassigned: bool,
    pub timescale_states: Vec<TimescaleState>,
}

const COLUMNS: ScopeColumns<'static> = ScopeColumns {
    person: "r.person_id",
    authority: "r.local_authority_id",
    workers: Some(["r.advocate_person_id", "r.advocate_person_id"]),
    provider: Some("r.provider_id"),
};

/// A page of `list`, each request with how much of it the viewer sees.
pub(in crate::advocacy) async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    list: List,
    filter: Filter,
    page: &PageRequest,
) -> AppResult<Vec<(RequestRow, Reach)>> {
    let me = viewer.account_viewer()?.person_id;
    let mut params: Vec<Value> = Vec::new();
    let (within, newest_first, local_authority) = match list {
        List::Own => {
            params.push(me.into());
            ("r.person_id = $1".to_string(), true, None)
        }
        List::Referrals => {
            params.push(me.into());
            ("r.referrer_person_id = $1".to_string(), true, None)
        }
        List::Caseload => {
            let scope = policy::scope(viewer, Action::WorkAdvocacy);
            let Some(within) = scope.sql_for(COLUMNS, &mut params) else {
                return Ok(Vec::new());
            };
            params.push(me.into());
            let me = params.len();
            (
                format!("{within} AND r.advocate_person_id = ${me}"),
                false,
                None,
            )
        }
        List::Queue(la) => {
            let scope = policy::scope(viewer, Action::ManageAdvocacy);
            let Some(within) = scope.sql_for(COLUMNS, &mut params) else {
                return Ok(Vec::new());
            };
            (within, false, la)
        }
        List::Authority(la) => {
            policy::authorize(
                viewer,
                Action::ReadAdvocacyStatus,
                &Target::local_authority(la),
            )?;
            params.push(la.into());
            ("r.local_authority_id = $1".to_string(), true, None)
        }
    };
    let rows = store::page(
        db,
        ListFilter {
            within,
            params,
            states: filter.states,
            kind: filter.kind,
            local_authority,
            unassigned: filter.unassigned,
            timescale_states: filter.timescale_states,
            newest_first,
        },
        page,
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            let seen = reach(viewer, &row).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "advocacy list returned request {} outside the viewer's reach",
                    row.id
                ))
            })?;
            Ok((row, seen))
        })
        .collect()
}

/// One request, if the viewer may know it exists.
pub(in crate::advocacy) async fn one(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<(RequestRow, Reach)>> {
    let Some(row) = store::request(db, id).await? else {
        return Ok(None);
    };
    Ok(reach(viewer, &row).map(|seen| (row, seen)))
}
