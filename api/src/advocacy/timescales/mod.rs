//! Timescales: what each authority's contract with its provider sets
//! (allocation, first contact, closure review; per request kind and
//! urgency; in working days, working hours or clock hours), each request's
//! clocks and their states (pending, at risk, met, breached, stopped), and
//! the watcher that tells managers and advocates once.

pub mod graphql;
pub mod model;
pub mod service;
pub mod store;
pub mod terms;
pub mod watch;
