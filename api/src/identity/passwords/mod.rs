//! Staff passwords: the policy every new password meets ([`policy`]),
//! reset by an emailed link (`requestPasswordReset`, `resetPassword`) and
//! change while signed in (`changePassword`). Every change of password
//! ends every session of the account in the same transaction. The links
//! (and invitation links, see `identity::invitations`) are single-use
//! random tokens stored only as SHA-256 hashes ([`links`]).

pub mod email;
pub mod graphql;
pub mod links;
pub mod policy;
pub mod service;
pub mod store;
