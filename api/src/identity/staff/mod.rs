//! An organisation's people, administered by its organisation
//! administrators (`ManageStaff` on `Target::organisation`) and platform
//! administrators: granting and removing roles, disabling and re-enabling
//! accounts, and the staff list and sign-in history (audited reads).
//!
//! Roles are read afresh on every request (`store::principal`), so a grant
//! or removal takes effect on the caller's next request; disabling ends
//! every session of the account in the same transaction.

pub mod graphql;
pub mod model;
pub(in crate::identity) mod service;
pub mod store;
