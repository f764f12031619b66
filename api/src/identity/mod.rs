//! Identity: people, accounts and their roles in organisations, signing in
//! and sessions (refresh-token families), young people's profiles as case
//! records (`people/`), and the look-ups other domains need (`directory`).
//! Identity owns the `people`, `accounts`, `role_grants`, `organisations`
//! and `commissions` tables.

pub mod account;
pub mod codes;
pub mod directory;
pub mod graphql;
pub mod invitations;
pub mod model;
pub mod onboarding;
pub mod organisations;
pub mod password;
pub mod passwords;
pub mod people;
pub mod schema;
pub mod second_factor;
pub mod sessions;
pub mod sso;
pub mod staff;
pub mod store;

use std::sync::Arc;

use crate::{config::AccountSettings, secrets::SecretBox};

/// What account administration needs beyond the database, built once at
/// start-up and given to the schema (`ctx.data::<Arc<AccountServices>>()`)
/// and to the single sign-on routes.
#[derive(Debug)]
pub struct AccountServices {
    /// Seals TOTP seeds, SSO client secrets and PKCE verifiers at rest.
    pub secrets: SecretBox,
    /// Public address for links in emails and the SSO callback.
    pub public_url: String,
    /// Where a single sign-on may return to.
    pub sso_return_urls: Vec<String>,
    /// The development profile (an `http://` loopback issuer is accepted).
    pub development: bool,
}

impl AccountServices {
    pub fn new(settings: &AccountSettings) -> Arc<Self> {
        Arc::new(AccountServices {
            secrets: SecretBox::new(settings.secrets_key.expose()),
            public_url: settings.public_url.clone(),
            sso_return_urls: settings.sso_return_urls.clone(),
            development: settings.development,
        })
    }
}
