//! Paging: what a list request asks for (`first`, `after`) and the opaque
//! cursors that carry a list's sort key. Stores page with these; the GraphQL
//! layer turns a page of rows into a connection (`graphql::relay`).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{AppError, AppResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Largest `first` accepted.
pub const MAX_PAGE_SIZE: i32 = 100;

/// Forward pagination arguments, validated: `first` in 0..=100 and an
/// opaque `after` cursor holding the sort key of the last row seen.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(0..=MAX_PAGE_SIZE).contains(&first) {
            return Err(AppError::bad_input(
                "first",
                format!("must be between 0 and {MAX_PAGE_SIZE}"),
            ));
        }
        let after = after.map(|c| decode_cursor(&c)).transpose()?;
        Ok(PageRequest {
            first: u64::try_from(first).unwrap_or(0),
            after,
        })
    }

    /// The `after` key parsed as the list's key type (a UUID, a number);
    /// a key that does not parse is a cursor from some other list.
    pub fn after_key<K: std::str::FromStr>(&self) -> AppResult<Option<K>> {
        self.after
            .as_deref()
            .map(str::parse::<K>)
            .transpose()
            .map_err(|_| AppError::bad_input("after", "is not a cursor from this list"))
    }

    /// The rows of `rows` (fetched with [`PageRequest::fetch_limit`]) that
    /// the page shows: the one fetched past it only tells there is more.
    pub fn shown<'r, R>(&self, rows: &'r [R]) -> &'r [R] {
        let limit = usize::try_from(self.first).unwrap_or(usize::MAX);
        &rows[..rows.len().min(limit)]
    }

    /// Rows to fetch: one more than the page, to know if there is a next page.
    pub fn fetch_limit(&self) -> u64 {
        self.first + 1
    }

    /// [`PageRequest::fetch_limit`] as an SQL `LIMIT` parameter.
    pub fn sql_limit(&self) -> i64 {
        i64::try_from(self.fetch_limit()).unwrap_or(i64::MAX)
    }
}

/// The key of a list sorted by a date, then id (check-ins by due date,
/// records by the day they record): `YYYY-MM-DD|uuid` inside the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedKey {
    pub on: chrono::NaiveDate,
    pub id: uuid::Uuid,
}

impl std::fmt::Display for DatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}|{}", self.on, self.id)
    }
}

impl std::str::FromStr for DatedKey {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (on, id) = s.split_once('|').ok_or(())?;
        Ok(DatedKey {
            on: on.parse().map_err(|_| ())?,
            id: id.parse().map_err(|_| ())?,
        })
    }
}

const CURSOR_PREFIX: &str = "k1:";

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{key}"))
}

fn decode_cursor(cursor: &str) -> AppResult<String> {
    let bad = || AppError::bad_input("after", "is not a cursor from this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix(CURSOR_PREFIX)
        .map(str::to_string)
        .ok_or_else(bad)
}
