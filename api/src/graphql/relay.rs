//! Opaque global ids (`base64url("Type:uuid")`) and keyset connections.

use async_graphql::{
    ID,
    connection::{Connection, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest, encode_cursor},
};

pub fn encode_id(type_name: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Decodes a global id into its type name and row id.
pub fn decode_id(field: &str, id: &ID) -> AppResult<(String, Uuid)> {
    let bad = || AppError::bad_input(field, "is not a valid id");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (type_name, raw) = text.split_once(':').ok_or_else(bad)?;
    let uuid = Uuid::parse_str(raw).map_err(|_| bad())?;
    Ok((type_name.to_string(), uuid))
}

/// Decodes a global id that must be of `expected` type.
pub fn decode_typed_id(field: &str, id: &ID, expected: &str) -> AppResult<Uuid> {
    let (type_name, uuid) = decode_id(field, id)?;
    if type_name != expected {
        return Err(AppError::bad_input(
            field,
            format!("is not the id of a {expected}"),
        ));
    }
    Ok(uuid)
}

/// Complexity of a connection field: its page size times the cost of a node.
pub fn connection_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let size = first.unwrap_or(DEFAULT_PAGE_SIZE).clamp(0, MAX_PAGE_SIZE);
    usize::try_from(size)
        .unwrap_or(0)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// Builds a connection from rows fetched with [`PageRequest::fetch_limit`].
pub fn connection<R, N>(
    page: &PageRequest,
    mut rows: Vec<R>,
    key: impl Fn(&R) -> String,
    node: impl Fn(R) -> N,
) -> Connection<String, N>
where
    N: async_graphql::OutputType,
{
    let limit = usize::try_from(page.first).unwrap_or(usize::MAX);
    let has_next = rows.len() > limit;
    rows.truncate(limit);
    let mut connection = Connection::new(page.after.is_some(), has_next);
    connection.edges.extend(rows.into_iter().map(|row| {
        let cursor = encode_cursor(&key(&row));
        Edge::new(cursor, node(row))
    }));
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_typed() {
        let uuid = Uuid::now_v7();
        let id = encode_id("Region", uuid);
        assert_eq!(decode_typed_id("id", &id, "Region").unwrap(), uuid);
        assert!(decode_typed_id("id", &id, "LocalAuthority").is_err());
        assert!(decode_id("id", &ID("not-base64!".into())).is_err());
        assert!(decode_id("id", &ID(URL_SAFE_NO_PAD.encode("Region:nope"))).is_err());
    }

    #[test]
    fn page_sizes_are_capped() {
        assert_eq!(PageRequest::new(None, None).unwrap().first, 20);
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(-1), None).is_err());
        assert!(PageRequest::new(Some(5), Some("garbage".into())).is_err());
        let cursor = encode_cursor("E06000001");
        assert_eq!(
            PageRequest::new(Some(5), Some(cursor))
                .unwrap()
                .after
                .as_deref(),
            Some("E06000001")
        );
    }

    #[test]
    fn connection_cost_scales_with_page_size() {
        assert_eq!(connection_cost(Some(10), 3), 31);
        assert_eq!(connection_cost(Some(10_000), 1), 101);
        assert_eq!(connection_cost(None, 1), 21);
    }
}
