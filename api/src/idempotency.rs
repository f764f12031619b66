//! Idempotency keys (`clientMutationId`). Inside the mutation's transaction:
//!
//! 1. [`check`] — a stored result for the same key and the same input is
//!    replayed; the same key with a different input is `CONFLICT`.
//! 2. do the change;
//! 3. [`record`] — store the input hash and the result in the same
//!    transaction, so the key exists exactly when the change does. A
//!    concurrent request with the same key fails on the primary key and gets
//!    `CONFLICT` instead of applying the change twice.
//!
//! Keys are scoped to the caller (an account or API client) and kept 24 hours.

use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::{AppError, AppResult, is_unique_violation},
};
use sea_orm::{ConnectionTrait, DbErr};

/// How long a key is remembered.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);
const MAX_KEY_LEN: usize = 128;

/// A validated key with the hash of the input it came with.
#[derive(Debug, Clone)]
pub struct Key {
    scope: String,
    key: String,
    operation: &'static str,
    input_hash: String,
}

impl Key {
    /// `None` when the client sent no key. `scope` identifies the caller.
    pub fn new(
        scope: &str,
        client_mutation_id: Option<&str>,
        operation: &'static str,
        input: &impl Serialize,
    ) -> AppResult<Option<Key>> {
        let Some(key) = client_mutation_id else {
            return Ok(None);
        };
        if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(char::is_control) {
            return Err(AppError::bad_input(
                "clientMutationId",
                format!("must be 1 to {MAX_KEY_LEN} printable characters"),
            ));
        }
        let canonical = serde_json::to_vec(input).map_err(AppError::internal)?;
        let input_hash = format!("{:x}", Sha256::digest(&canonical));
        Ok(Some(Key {
            scope: scope.to_string(),
            key: key.to_string(),
            operation,
            input_hash,
        }))
    }
}

/// Returns the stored result when this key was used before with the same
/// input; `CONFLICT` when it was used with a different input or operation.
pub async fn check<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    key: &Key,
) -> AppResult<Option<T>> {
    let rows = query(
        db,
        "SELECT operation, request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
        vec![key.scope.clone().into(), key.key.clone().into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let operation: String = get(row, "operation")?;
    let hash: String = get(row, "request_hash")?;
    if operation != key.operation || hash != key.input_hash {
        return Err(AppError::Conflict {
            message: "This clientMutationId was already used with a different input.".into(),
            details: None,
        });
    }
    let response: String = get(row, "response")?;
    serde_json::from_str(&response)
        .map(Some)
        .map_err(AppError::internal)
}

/// Stores the result under the key. Call in the same transaction as the change.
pub async fn record(
    db: &impl ConnectionTrait,
    key: &Key,
    result: &impl Serialize,
) -> AppResult<()> {
    let response = serde_json::to_string(result).map_err(AppError::internal)?;
    let inserted = exec(
        db,
        "INSERT INTO idempotency_keys (scope, key, operation, request_hash, response, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            key.scope.clone().into(),
            key.key.clone().into(),
            key.operation.into(),
            key.input_hash.clone().into(),
            response.into(),
            chrono::Utc::now().into(),
        ],
    )
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(err) if is_unique_violation(&err) => Err(AppError::conflict(
            "Another request with this clientMutationId is being processed.",
        )),
        Err(err) => Err(err.into()),
    }
}

/// Deletes keys older than [`KEEP_FOR`].
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(KEEP_FOR).unwrap_or(chrono::Duration::days(1));
    let result = exec(
        db,
        "DELETE FROM idempotency_keys WHERE created_at < $1",
        vec![cutoff.into()],
    )
    .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_no_idempotency() {
        assert!(Key::new("a", None, "op", &1).unwrap().is_none());
    }

    #[test]
    fn bad_keys_are_refused_with_the_field() {
        for bad in ["", "a\nb", &"x".repeat(129)] {
            match Key::new("a", Some(bad), "op", &1) {
                Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "clientMutationId"),
                other => panic!("expected BAD_USER_INPUT, got {other:?}"),
            }
        }
    }

    #[test]
    fn same_input_same_hash() {
        let a = Key::new("s", Some("k"), "op", &serde_json::json!({"a": 1}))
            .unwrap()
            .unwrap();
        let b = Key::new("s", Some("k"), "op", &serde_json::json!({"a": 1}))
            .unwrap()
            .unwrap();
        let c = Key::new("s", Some("k"), "op", &serde_json::json!({"a": 2}))
            .unwrap()
            .unwrap();
        assert_eq!(a.input_hash, b.input_hash);
        assert_ne!(a.input_hash, c.input_hash);
    }
}
