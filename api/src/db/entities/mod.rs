//! sea-orm entities, one file per table, mirroring the migrations. Entities
//! are storage types only: GraphQL types are written separately for the
//! contract, and rules live in each domain's `model`.

pub mod local_authorities;
pub mod regions;
