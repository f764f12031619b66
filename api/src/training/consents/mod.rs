//! A carer's consent for a third-party app (an API client with the
//! `training:book` scope) to book training places for them: granted and
//! revoked per client by the carer, history kept (revoking sets
//! `revoked_at`; granting again adds a row; at most one live consent per
//! carer and client). Booking through an app checks it ([`store::live`]).

pub mod graphql;
pub(in crate::training) mod service;
pub mod store;
