//! Bookings: a place or a waiting-list position on a session, offers of
//! freed places and their expiry, cancelling, and a session's register.

pub mod graphql;
pub mod model;
pub(crate) mod offers;
pub(in crate::training) mod service;
pub mod store;
