//! Second factor for staff: an authenticator app (TOTP, RFC 6238) with
//! recovery codes, asked for after a right password when the account has
//! one, and required (set up at the next sign-in) for roles that read case
//! records where the organisation says so. Owns `second_factors`,
//! `recovery_codes` and `sign_in_challenges`.
//!
//! - `model`: the rules (codes, steps, recovery codes, challenges), tested;
//! - `store`: SQL;
//! - `service`: a signed-in person's changes to their own factor, an
//!   administrator's reset, the organisation's requirement;
//! - `sign_in`: the step between the password and the session;
//! - `graphql`: the thin resolvers.

pub mod graphql;
pub mod model;
pub mod service;
pub mod sign_in;
pub mod store;
