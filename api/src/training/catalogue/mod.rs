//! The catalogue: a provider's courses and the sessions scheduled for
//! them, and the upcoming sessions people may book.

pub mod graphql;
pub mod model;
pub mod series;
pub(in crate::training) mod service;
pub mod store;
