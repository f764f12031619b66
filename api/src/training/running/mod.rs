//! Running sessions: what a provider's coordinators (and, for attendance,
//! a session's facilitator) do once a session is in the catalogue:
//! change its time or place, cancel it, change its capacity, move people
//! on its waiting list or to another session, mark attendance, and export
//! its register.

mod attendance;
pub mod graphql;
mod moves;
mod register;
mod service;
pub mod store;
