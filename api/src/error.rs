//! The one error type. Every error a client can see carries an
//! `extensions.code` from [`ErrorCode`]; internal causes are logged (with the
//! request id of the span they happen in) and never sent to the client.

use std::time::Duration;

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// The fixed, documented set of error codes (see `docs/errors.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    QueryTooComplex,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    BadRequest,
    ServiceUnavailable,
    InternalServerError,
    /// The password was right and the account has a second factor: finish
    /// signing in with `completeSignIn`, giving `extensions.details.challenge`
    /// and a code from the authenticator app (or a recovery code).
    SecondFactorRequired,
    /// The password was right and the organisation requires a second factor
    /// the account has not set up: set one up with
    /// `startSecondFactorEnrolment` / `confirmSecondFactorEnrolment`, giving
    /// `extensions.details.challenge`; confirming signs in.
    SecondFactorEnrolmentRequired,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::BadUserInput,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::QueryTooComplex,
        ErrorCode::GraphqlParseFailed,
        ErrorCode::GraphqlValidationFailed,
        ErrorCode::BadRequest,
        ErrorCode::ServiceUnavailable,
        ErrorCode::InternalServerError,
        ErrorCode::SecondFactorRequired,
        ErrorCode::SecondFactorEnrolmentRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            ErrorCode::InternalServerError => "INTERNAL_SERVER_ERROR",
            ErrorCode::SecondFactorRequired => "SECOND_FACTOR_REQUIRED",
            ErrorCode::SecondFactorEnrolmentRequired => "SECOND_FACTOR_ENROLMENT_REQUIRED",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Message sent in place of any internal error.
pub const INTERNAL_MESSAGE: &str = "Something went wrong on our side. It has been logged.";
/// Message sent when the database (or another dependency) is unreachable.
pub const UNAVAILABLE_MESSAGE: &str = "The service is temporarily unavailable. Try again shortly.";

/// The one error type. Deliberately not `Display`: async-graphql converts any
/// `Display` type into an error without a code, so conversion goes through
/// our `From` impl below, which always sets one.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    Forbidden,
    NotFound {
        entity: &'static str,
    },
    BadUserInput {
        field: String,
        message: String,
    },
    /// Several input fields refused together (each named, so the client
    /// can mark them all at once): `extensions.field` is the first,
    /// `extensions.fields` all of them.
    BadUserInputs {
        fields: Vec<String>,
        message: String,
    },
    Conflict {
        message: String,
        details: Option<serde_json::Value>,
    },
    RateLimited {
        retry_after: Duration,
    },
    QueryTooComplex(String),
    /// A dependency (the database) is unreachable; the cause is logged.
    Unavailable(anyhow::Error),
    /// A bug or unexpected failure; the cause is logged, never sent.
    Internal(anyhow::Error),
    /// A right password, and a second factor to give (or, `enrol`, to set
    /// up) before the session starts: `extensions.details` carries the
    /// single-use `challenge` and when it expires.
    SecondFactor {
        enrol: bool,
        challenge: String,
        expires_at: chrono::DateTime<chrono::Utc>,
    },
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// BAD_USER_INPUT naming every field in `fields` ("`a`, `b` and `c`
    /// {message}"); one field is [`AppError::bad_input`].
    pub fn bad_inputs(fields: Vec<String>, message: impl Into<String>) -> Self {
        match <[String; 1]>::try_from(fields) {
            Ok([field]) => AppError::bad_input(field, message),
            Err(fields) => AppError::BadUserInputs {
                fields,
                message: message.into(),
            },
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
            details: None,
        }
    }

    /// CONFLICT for a change made against an older version of a record
    /// (`record`: "plan", "request"), with the current version in `details`.
    pub fn stale(record: &str, current: i32) -> Self {
        AppError::Conflict {
            message: format!(
                "This {record} has changed since you loaded it: it is now at version {current}. \
                 Reload it and make your change again."
            ),
            details: Some(serde_json::json!({ "currentVersion": current })),
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "You need to sign in to do this.".into(),
            AppError::Forbidden => "You are not allowed to do this.".into(),
            AppError::NotFound { entity } => format!("{entity} not found."),
            AppError::BadUserInput { field, message } => format!("`{field}` {message}"),
            AppError::BadUserInputs { fields, message } => {
                let named: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
                match named.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} and {last} {message}", rest.join(", "))
                    }
                    _ => format!("{} {message}", named.join("")),
                }
            }
            AppError::Conflict { message, .. } => message.clone(),
            AppError::RateLimited { retry_after } => format!(
                "Too many requests. Try again in {} seconds.",
                retry_after.as_secs().max(1)
            ),
            AppError::QueryTooComplex(message) => message.clone(),
            AppError::Unavailable(_) => UNAVAILABLE_MESSAGE.into(),
            AppError::Internal(_) => INTERNAL_MESSAGE.into(),
            AppError::SecondFactor { enrol: false, .. } => {
                "Enter the 6-digit code from your authenticator app, or a recovery code, to \
                 finish signing in."
                    .into()
            }
            AppError::SecondFactor { enrol: true, .. } => {
                "Your organisation asks you to set up an authenticator app before you sign in."
                    .into()
            }
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::BadUserInput { .. } | AppError::BadUserInputs { .. } => {
                ErrorCode::BadUserInput
            }
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::QueryTooComplex(_) => ErrorCode::QueryTooComplex,
            AppError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            AppError::Internal(_) => ErrorCode::InternalServerError,
            AppError::SecondFactor { enrol: false, .. } => ErrorCode::SecondFactorRequired,
            AppError::SecondFactor { enrol: true, .. } => ErrorCode::SecondFactorEnrolmentRequired,
        }
    }

    /// Logs internal causes (within the caller's request span); the
    /// client only ever sees [`AppError::message`].
    pub fn log(&self) {
        match self {
            // Display, not Debug: a database error's Debug form can carry row
            // values (PostgreSQL's DETAIL), which are personal data here.
            AppError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "internal error")
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "dependency unavailable")
            }
            _ => {}
        }
    }
}

/// True when a database error means "could not reach the database" rather
/// than "the statement failed": any failure to connect, pool timeouts, I/O,
/// TLS and protocol failures (a connection cut or answered by something that
/// is not the database), and the server refusing or dropping connections
/// (SQLSTATE class 08, 57P01-57P03, 53300, or a database closed to
/// connections).
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite: SQLITE_BUSY (5) and its extended codes, e.g. 517
            // BUSY_SNAPSHOT: another writer held the database too long.
            let sqlite_busy = code.len() <= 4 && code.parse::<i32>().is_ok_and(|c| c & 0xff == 5);
            sqlite_busy
                || code.starts_with("08")
                || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
                || db.message().contains("not currently accepting connections")
        }
        _ => false,
    }
}

/// True when a database error is a unique-constraint violation (both backends).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            AppError::Unavailable(err.into())
        } else {
            AppError::Internal(err.into())
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.log();
        let code = err.code();
        let message = err.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            match &err {
                AppError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                AppError::BadUserInputs { fields, .. } => {
                    if let Some(first) = fields.first() {
                        ext.set("field", first.as_str());
                    }
                    ext.set(
                        "fields",
                        async_graphql::Value::List(
                            fields
                                .iter()
                                .map(|f| async_graphql::Value::from(f.as_str()))
                                .collect(),
                        ),
                    );
                }
                AppError::Conflict {
                    details: Some(details),
                    ..
                } => {
                    if let Ok(value) = async_graphql::Value::from_json(details.clone()) {
                        ext.set("details", value);
                    }
                }
                AppError::RateLimited { retry_after } => {
                    ext.set("retryAfterSeconds", retry_after.as_secs().max(1))
                }
                AppError::SecondFactor {
                    challenge,
                    expires_at,
                    ..
                } => {
                    let details = serde_json::json!({
                        "challenge": challenge,
                        "expiresAt": expires_at.to_rfc3339(),
                    });
                    if let Ok(value) = async_graphql::Value::from_json(details) {
                        ext.set("details", value);
                    }
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
            );
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err: async_graphql::Error =
            AppError::internal(anyhow::anyhow!("relation \"secret_table\" does not exist")).into();
        assert_eq!(err.message, INTERNAL_MESSAGE);
        let ext = format!("{:?}", err.extensions);
        assert!(ext.contains("INTERNAL_SERVER_ERROR"));
        assert!(!ext.contains("secret_table"));
    }

    #[test]
    fn bad_inputs_name_every_field() {
        let err = AppError::bad_inputs(vec!["a".into(), "b".into(), "c".into()], "are needed");
        assert_eq!(err.message(), "`a`, `b` and `c` are needed");
        let err: async_graphql::Error = err.into();
        let ext = format!("{:?}", err.extensions);
        assert!(
            ext.contains("BAD_USER_INPUT") && ext.contains("fields"),
            "{ext}"
        );
        let one = AppError::bad_inputs(vec!["a".into()], "is needed");
        assert!(matches!(one, AppError::BadUserInput { ref field, .. } if field == "a"));
    }

    #[test]
    fn bad_input_names_the_field() {
        let err: async_graphql::Error = AppError::bad_input("first", "must be positive").into();
        let ext = format!("{:?}", err.extensions);
        assert!(ext.contains("BAD_USER_INPUT") && ext.contains("first"));
    }
}
