//! Third-party API clients: OAuth2 client credentials (`POST /oauth/token`),
//! scopes and commissioning authorities, and their administration by
//! platform admins (create, rotate, revoke).

pub mod graphql;
pub mod model;
pub mod schema;
pub mod service;
pub mod store;
