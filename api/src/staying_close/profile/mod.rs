//! Care-leaver profiles (child reference, category, when they left care
//! and from which home) and the authority's Staying Close settings.

pub(super) mod graphql;
pub(super) mod model;
mod service;
pub(super) mod store;
