//! What an advocate records on a request: non-instructed visits and
//! observations, contacts with a young person who instructs, the
//! representations made for them, meetings attended and outcomes. Records
//! are added, never changed; each is one change with its timeline entry
//! (no content) and audit record. Who reads them: [`graphql`] asks
//! `access::reach` (content for the advocate and the provider's managers,
//! the young person's own view without the people consulted).

pub(super) mod graphql;
pub mod model;
#[cfg(test)]
mod model_tests;
pub(super) mod service;
pub mod store;
