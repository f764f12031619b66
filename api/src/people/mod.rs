//! People as case records: young people's profiles, read within the
//! viewer's scope, with field-level guards and every read audited.
//! (Accounts and signing in are in `identity`.)

pub mod graphql;
pub mod schema;
pub mod store;
