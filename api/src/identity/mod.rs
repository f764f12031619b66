//! Identity: people, accounts and their roles in organisations, signing in
//! and sessions (refresh-token families), young people's profiles as case
//! records (`people/`), and the look-ups other domains need (`directory`).
//! Identity owns the `people`, `accounts`, `role_grants`, `organisations`
//! and `commissions` tables.

pub mod codes;
pub mod directory;
pub mod graphql;
pub mod model;
pub mod password;
pub mod people;
pub mod schema;
pub mod sessions;
pub mod store;
