//! Comments on a plan, sharing a version with the young person, and their
//! response in their own words.

pub(super) mod graphql;
mod notices;
mod service;
pub(super) mod store;
