//! Single sign-on for an organisation's staff through its own identity
//! provider (OpenID Connect, authorisation code flow with PKCE): the
//! configuration (`identity_providers`), the browser's round trip
//! (`http.rs`, `sso_logins`), matching the person to an account
//! (`external_identities`), and the one-time result the app exchanges for a
//! session (`account_tokens`, purpose `sso_result`).

pub mod flow;
pub mod graphql;
pub mod http;
pub mod model;
pub mod oidc;
pub mod service;
pub mod store;
