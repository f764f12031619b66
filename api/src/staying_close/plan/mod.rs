//! Plans: starting, updating and ending them, their versions and
//! snapshots, caseloads, the young person's own plan (the app's home and
//! delta sync), and the plan access every change to a plan goes through.

pub(super) mod access;
pub(super) mod graphql;
pub(super) mod history;
pub(super) mod model;
pub(super) mod object;
pub(super) mod reads;
pub(super) mod service;
pub(super) mod store;
pub(super) mod versions;
