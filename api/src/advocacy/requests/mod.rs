//! Requests: asking for an advocate (instructed) or referring a child for
//! non-instructed advocacy, what a request says, and reading requests.

pub(super) mod graphql;
pub mod model;
pub(super) mod object;
pub(super) mod reads;
pub(super) mod service;
pub mod store;
