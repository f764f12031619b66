//! The lifecycle of a request: its states and the steps between them.

pub(super) mod graphql;
pub mod model;
pub(super) mod service;
