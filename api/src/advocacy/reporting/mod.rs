//! The commissioner's report: per authority and period, what the
//! advocacy service did (GraphQL for the authority's and the provider's
//! managers; `closeknit export advocacy` as CSV).

pub(super) mod graphql;
pub mod model;
pub mod service;
