//! Check-ins and reviews: scheduling, logging, the young person's review
//! requests, and the reminders that follow a plan's due dates (their
//! timing and words in `notices`).

pub(super) mod graphql;
pub(super) mod model;
mod notices;
pub(super) mod service;
pub(super) mod store;
