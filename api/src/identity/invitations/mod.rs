//! Staff invitations: an organisation's administrators invite a member of
//! staff by email with the roles they will hold there; the email carries a
//! single-use link (its token stored only as a SHA-256 hash, made when the
//! email is sent: see [`email`]) that works for 7 days. Accepting it
//! creates the account (setting a password) or, for someone who already
//! has a staff account, adds the roles to it; either way it signs them in.

pub mod email;
pub mod graphql;
pub mod model;
pub mod service;
mod store;
