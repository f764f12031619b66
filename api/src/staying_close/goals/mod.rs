//! A plan's goals, under the pathway plan items, and progress on them.

pub(super) mod graphql;
pub(super) mod model;
mod service;
pub(super) mod store;
