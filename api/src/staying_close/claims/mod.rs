//! Setting-up-home allowance and apprenticeship bursary claims: caps,
//! entitlements, claiming and deciding.

pub(super) mod graphql;
pub(super) mod model;
mod service;
pub(super) mod store;
