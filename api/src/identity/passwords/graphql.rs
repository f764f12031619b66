//! GraphQL for passwords: `requestPasswordReset`, `resetPassword` (public,
//! with the emailed link) and `changePassword` (signed-in staff). Like
//! sign-in, these take no `clientMutationId`: a replay would have to store
//! tokens, and repeating one is harmless or refused.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::service;
use crate::{
    auth::tokens::TokenService,
    graphql::context::RequestCtx,
    identity::graphql::{SessionPayload, session_payload},
    ratelimit::RateLimits,
};

#[derive(InputObject)]
pub struct RequestPasswordResetInput {
    pub email: String,
}

/// The same reply whether or not the address has an account.
#[derive(SimpleObject)]
pub struct RequestPasswordResetPayload {
    /// What to tell the person, in plain words.
    pub message: String,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The `token` of the emailed link.
    #[graphql(secret)]
    pub token: String,
    #[graphql(secret)]
    pub new_password: String,
}

#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// What to tell the person: every device was signed out; sign in with
    /// the new password.
    pub message: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    #[graphql(secret)]
    pub current_password: String,
    #[graphql(secret)]
    pub new_password: String,
}

#[derive(Default)]
pub struct PasswordsMutation;

#[Object]
impl PasswordsMutation {
    /// Staff: email me a link to choose a new password (it works once, for
    /// an hour). The reply is the same whether or not the address has an
    /// account; at most a few requests per address in 10 minutes (then
    /// RATE_LIMITED).
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        input: RequestPasswordResetInput,
    ) -> async_graphql::Result<RequestPasswordResetPayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<RateLimits>(ctx)?.code_request(request.client_ip, &input.email)?;
        service::request_reset(&request.db, &input.email, &request.request_id).await?;
        Ok(RequestPasswordResetPayload {
            message: "If that email address has a Closeknit staff account, we have sent it a link to choose a new password. It works for 1 hour.".into(),
        })
    }

    /// Sets a new password with the emailed link (at least 12 characters,
    /// not easy to guess: else BAD_USER_INPUT on `newPassword` saying why).
    /// Signs the account out everywhere. A used or expired link:
    /// BAD_USER_INPUT on `token`.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> async_graphql::Result<ResetPasswordPayload> {
        let request = RequestCtx::get(ctx)?;
        service::reset(
            &request.db,
            &input.token,
            input.new_password,
            &request.request_id,
        )
        .await?;
        Ok(ResetPasswordPayload {
            message: "Your password has been changed and every device has been signed out. Sign in with your new password.".into(),
        })
    }

    /// A signed-in staff member changes their password: every session
    /// ends (on every device) and this one gets new tokens. A wrong
    /// current password: BAD_USER_INPUT on `currentPassword` (and counts
    /// as a failed sign-in).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        let (account_id, _) = request.viewer.account()?;
        RequestCtx::service::<RateLimits>(ctx)?
            .sign_in(request.client_ip, &account_id.to_string())?;
        let session = service::change(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            account_id,
            input.current_password,
            input.new_password,
            &request.request_id,
        )
        .await?;
        Ok(session_payload(request, session).await?)
    }
}
