//! A young person's or carer's own account: their sign-in address
//! (changed with a code sent to the new one), their live sessions and push
//! devices, and ending any of them. Also `account_tokens`, the single-use
//! codes given to an account's holder (`tokens`).

pub mod graphql;
pub mod mail;
pub(crate) mod service;
pub(crate) mod store;
pub(crate) mod tokens;
