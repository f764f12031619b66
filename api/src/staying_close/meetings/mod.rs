//! Check-ins and reviews: scheduling, logging, the young person's review
//! requests, and the reminders that follow a plan's due dates.

pub(super) mod graphql;
pub(super) mod model;
pub(super) mod service;
pub(super) mod store;
