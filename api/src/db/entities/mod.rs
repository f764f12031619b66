//! sea-orm entities, one file per table, mirroring the migrations. Entities
//! are storage types only: GraphQL types are written separately for the
//! contract, and rules live in each domain's `model`.

pub mod accounts;
pub mod local_authorities;
pub mod organisations;
pub mod people;
pub mod refresh_tokens;
pub mod regions;
pub mod role_grants;
