//! From GraphQL inputs to service calls: typed ids and fields that may be
//! left out, set or cleared.

use async_graphql::{ID, MaybeUndefined};
use uuid::Uuid;

use crate::{
    error::AppResult,
    graphql::{context::RequestCtx, relay::decode_typed_id},
    policy::{self, Action, Target},
};

pub(super) fn id_of(field: &str, id: &ID, type_name: &str) -> AppResult<Uuid> {
    decode_typed_id(field, id, type_name)
}

/// The authority a picker (workers, children's homes) is asked for, once
/// the viewer may set up care leavers there.
pub(super) fn managed_authority(request: &RequestCtx, id: &ID) -> AppResult<Uuid> {
    let la = id_of("localAuthorityId", id, "LocalAuthority")?;
    policy::authorize(
        &request.viewer,
        Action::ManageCareLeavers,
        &Target::local_authority(la),
    )?;
    Ok(la)
}

pub(super) fn maybe<T: Clone>(value: &MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

pub(super) fn maybe_id(
    field: &str,
    value: &MaybeUndefined<ID>,
    type_name: &str,
) -> AppResult<Option<Option<Uuid>>> {
    maybe(value)
        .map(|v| v.map(|id| id_of(field, &id, type_name)).transpose())
        .transpose()
}
