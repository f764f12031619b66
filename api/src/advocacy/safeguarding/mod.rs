//! The safeguarding share: when a child may be at risk of harm, the
//! advocate or the provider's managers share a concern with the local
//! authority, breaking the usual confidentiality. The share is recorded
//! (why, what, with whom, when) and audited; the authority's managers see
//! the share itself (it is what they were meant to receive) and nothing
//! else of the request. A young person who instructs is told, unless
//! telling them would put them at risk: then they do not see the share
//! until a provider manager records that the risk has passed.

pub(super) mod graphql;
pub mod model;
pub(super) mod service;
pub mod store;
