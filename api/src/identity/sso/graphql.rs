//! GraphQL for single sign-on: configuring an organisation's provider (its
//! administrators), what the sign-in screen may know, and exchanging a
//! sign-in's one-time result for a session.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{flow, model, service, store::ProviderRow};
use crate::{
    auth::tokens::TokenService,
    graphql::{
        context::RequestCtx,
        relay::{decode_typed_id, encode_id},
    },
    identity::{
        AccountServices,
        graphql::{SessionPayload, session_payload},
        model::Role,
    },
};

/// An organisation's identity provider, as its administrators see it (the
/// client secret is never shown: only whether one is stored).
#[derive(SimpleObject)]
pub struct SingleSignOnConfiguration {
    /// The `Organisation`.
    pub organisation_id: ID,
    pub issuer: String,
    pub client_id: String,
    pub has_client_secret: bool,
    /// Domains whose verified emails may be matched at first sign-in.
    pub email_domains: Vec<String>,
    /// Roles an account created at first sign-in by the domain rule gets
    /// (none: only invited staff and existing accounts sign in).
    pub new_account_roles: Vec<Role>,
    pub enabled: bool,
    /// Where a sign-in starts (add `?return_to=`).
    pub start_url: String,
    /// Where the provider must send people back (register it there).
    pub callback_url: String,
    pub updated_at: DateTime<Utc>,
}

fn shown(services: &AccountServices, row: ProviderRow) -> SingleSignOnConfiguration {
    SingleSignOnConfiguration {
        organisation_id: encode_id("Organisation", row.organisation_id),
        start_url: service::start_url(services, row.organisation_id),
        callback_url: flow::callback_url(services),
        issuer: row.issuer,
        client_id: row.client_id,
        has_client_secret: row.client_secret_ciphertext.is_some(),
        email_domains: model::split(&row.email_domains),
        new_account_roles: model::split(&row.new_account_roles)
            .iter()
            .filter_map(|r| Role::parse(r).ok())
            .collect(),
        enabled: row.enabled,
        updated_at: row.updated_at,
    }
}

/// Whether an email signs in through its organisation's provider.
#[derive(SimpleObject)]
pub struct SingleSignOnAvailability {
    pub available: bool,
    /// Where to send the browser (add `?return_to=`), when available.
    pub start_url: Option<String>,
}

#[derive(Default)]
pub struct SsoQuery;

#[Object]
impl SsoQuery {
    /// For the sign-in screen (anyone): whether this email's domain signs in
    /// through its organisation's own identity provider, and where to start.
    async fn single_sign_on_for(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<SingleSignOnAvailability> {
        let request = RequestCtx::get(ctx)?;
        let services = RequestCtx::service::<Arc<AccountServices>>(ctx)?;
        let start_url = service::start_url_for(&request.db, services, &email).await?;
        Ok(SingleSignOnAvailability {
            available: start_url.is_some(),
            start_url,
        })
    }

    /// An organisation's single sign-on set-up (its administrators and
    /// platform administrators); null when none is configured.
    async fn single_sign_on_configuration(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> async_graphql::Result<Option<SingleSignOnConfiguration>> {
        let request = RequestCtx::get(ctx)?;
        let services = RequestCtx::service::<Arc<AccountServices>>(ctx)?;
        let org = decode_typed_id("organisationId", &organisation_id, "Organisation")?;
        Ok(service::configuration(&request.db, &request.viewer, org)
            .await?
            .map(|row| shown(services, row)))
    }
}

#[derive(InputObject)]
pub struct ConfigureSingleSignOnInput {
    pub client_mutation_id: Option<String>,
    /// The `Organisation`.
    pub organisation_id: ID,
    /// The provider's issuer (`https://`), as its discovery document says.
    pub issuer: String,
    pub client_id: String,
    /// Stored encrypted, never shown again; leave out to keep the stored one.
    #[graphql(secret)]
    pub client_secret: Option<String>,
    #[graphql(default)]
    pub email_domains: Vec<String>,
    #[graphql(default)]
    pub new_account_roles: Vec<Role>,
    #[graphql(default = true)]
    pub enabled: bool,
}

#[derive(SimpleObject)]
pub struct ConfigureSingleSignOnPayload {
    pub client_mutation_id: Option<String>,
    pub configuration: Option<SingleSignOnConfiguration>,
}

#[derive(InputObject)]
pub struct CompleteSingleSignOnInput {
    /// The one-time result the sign-in returned with (`#code=`).
    #[graphql(secret)]
    pub code: String,
}

#[derive(Default)]
pub struct SsoMutation;

#[Object]
impl SsoMutation {
    /// Sets up or changes an organisation's own identity provider
    /// (OpenID Connect): its administrators and platform administrators.
    async fn configure_single_sign_on(
        &self,
        ctx: &Context<'_>,
        input: ConfigureSingleSignOnInput,
    ) -> async_graphql::Result<ConfigureSingleSignOnPayload> {
        let request = RequestCtx::get(ctx)?;
        let services = RequestCtx::service::<Arc<AccountServices>>(ctx)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let organisation_id = decode_typed_id(
            "input.organisationId",
            &input.organisation_id,
            "Organisation",
        )?;
        let done = service::configure(
            &call,
            services,
            service::Configure {
                organisation_id,
                issuer: input.issuer,
                client_id: input.client_id,
                client_secret: input.client_secret,
                email_domains: input.email_domains,
                new_account_roles: input.new_account_roles,
                enabled: input.enabled,
            },
        )
        .await?;
        let configuration =
            service::configuration(&request.db, &request.viewer, done.organisation_id)
                .await?
                .map(|row| shown(services, row));
        Ok(ConfigureSingleSignOnPayload {
            client_mutation_id: input.client_mutation_id,
            configuration,
        })
    }

    /// Exchanges a single sign-on's one-time result for a session (once,
    /// within 2 minutes; otherwise UNAUTHENTICATED).
    async fn complete_single_sign_on(
        &self,
        ctx: &Context<'_>,
        input: CompleteSingleSignOnInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<crate::ratelimit::RateLimits>(ctx)?
            .sign_in_step(request.client_ip)?;
        let session = flow::complete(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &input.code,
            &request.request_id,
        )
        .await?;
        Ok(session_payload(request, session).await?)
    }
}
