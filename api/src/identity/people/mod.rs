//! People as case records: young people's profiles, read within the
//! viewer's scope, with field-level guards and every read audited.

pub mod children;
pub mod graphql;
pub(crate) mod store;
