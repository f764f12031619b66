//! Identity: people, accounts and their roles in organisations, signing in
//! and sessions (refresh-token families).

pub mod codes;
pub mod directory;
pub mod graphql;
pub mod model;
pub mod password;
pub mod schema;
pub mod sessions;
pub mod store;
