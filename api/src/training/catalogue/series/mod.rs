//! Peer-group series: a recurrence rule (RFC 5545 `RRULE`) from a first
//! start in a time zone that generates one session per occurrence, in one
//! transaction. Each generated session is a normal session (booked,
//! changed or cancelled on its own) that keeps its series and its
//! occurrence's original start (`occurrence_starts_at`).

pub mod graphql;
pub mod model;
pub mod rule;
pub(in crate::training) mod service;
pub mod store;
