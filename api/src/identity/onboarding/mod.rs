//! Onboarding young people and kinship carers: a worker adds them (a
//! pending passwordless account in the authority's team) and gives them an
//! activation code, read out; the person activates their account with it
//! and signs in with emailed codes from then on.

pub mod graphql;
pub mod mail;
pub mod model;
pub(crate) mod service;
pub(crate) mod store;
