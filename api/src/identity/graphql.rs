//! GraphQL contract for identity: `me`, signing in and sessions.
//! Sign-in mutations take no `clientMutationId`: replaying them would mean
//! storing tokens, and a retried sign-in is harmless.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::{
    model::{Role, may_see_organisation},
    sessions, store,
};
use crate::{
    auth::tokens::TokenService,
    db::entities::organisations,
    error::{AppError, AppResult},
    graphql::{context::RequestCtx, relay::encode_id},
    ratelimit::RateLimits,
};

/// The signed-in account.
#[derive(SimpleObject)]
pub struct Me {
    /// Global id of the account.
    pub id: ID,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    /// Roles held, each within an organisation.
    pub roles: Vec<RoleGrant>,
    pub updated_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct RoleGrant {
    pub role: Role,
    pub organisation: OrganisationSummary,
}

#[derive(SimpleObject)]
pub struct OrganisationSummary {
    pub id: ID,
    pub name: String,
    /// local_authority_team, childrens_home, advocacy_provider,
    /// training_provider or charity.
    pub kind: String,
    pub updated_at: DateTime<Utc>,
}

impl From<organisations::Model> for OrganisationSummary {
    fn from(org: organisations::Model) -> Self {
        OrganisationSummary {
            id: encode_id("Organisation", org.id),
            name: org.name,
            kind: org.kind,
            updated_at: org.updated_at,
        }
    }
}

/// Tokens for a session. Keep the refresh token in the device's secure store.
#[derive(SimpleObject)]
pub struct SessionPayload {
    /// Bearer token for `Authorization`, valid until `accessTokenExpiresAt`.
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    /// Single use: `refreshSession` returns a new one each time.
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub me: Me,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// How many sessions were ended.
    pub sessions_ended: i32,
}

#[derive(InputObject)]
pub struct SignInInput {
    pub email: String,
    #[graphql(secret)]
    pub password: String,
}

#[derive(InputObject)]
pub struct RequestSignInCodeInput {
    pub email: String,
}

/// The same reply whether or not the address has an account.
#[derive(SimpleObject)]
pub struct RequestSignInCodePayload {
    /// What to tell the person, in plain words.
    pub message: String,
}

#[derive(InputObject)]
pub struct SignInWithCodeInput {
    pub email: String,
    /// The 6-digit code from the email.
    #[graphql(secret)]
    pub code: String,
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    #[graphql(secret)]
    pub refresh_token: String,
}

async fn load_me(ctx: &RequestCtx, account_id: Uuid) -> AppResult<Me> {
    let account = store::account(&ctx.db, account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let person = store::person(&ctx.db, account.person_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let roles = store::roles(&ctx.db, account_id)
        .await?
        .into_iter()
        .map(|(role, org)| RoleGrant {
            role,
            organisation: org.into(),
        })
        .collect();
    Ok(Me {
        id: encode_id("Account", account.id),
        email: account.email,
        given_name: person.given_name,
        family_name: person.family_name,
        roles,
        updated_at: account.updated_at.max(person.updated_at),
    })
}

/// `node` of an `Account` id: the viewer's own account only (anyone
/// else's, and any for an API client, is null). Like `me`, not audited.
pub async fn me_node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Me>> {
    let request = RequestCtx::get(ctx)?;
    match request.viewer.account() {
        Ok((account_id, _)) if account_id == id => Ok(Some(load_me(request, account_id).await?)),
        _ => Ok(None),
    }
}

/// `node` of an `Organisation` id, when the viewer may see it
/// ([`may_see_organisation`]). Organisations are not case records: like
/// `me.roles` and `childrensHomes`, not audited.
pub async fn organisation_node(
    ctx: &Context<'_>,
    id: Uuid,
) -> AppResult<Option<OrganisationSummary>> {
    let request = RequestCtx::get(ctx)?;
    Ok(store::organisation(&request.db, id)
        .await?
        .filter(|org| may_see_organisation(&request.viewer, org))
        .map(Into::into))
}

pub(crate) async fn payload(
    request: &RequestCtx,
    session: sessions::Session,
) -> AppResult<SessionPayload> {
    let me = load_me(request, session.account_id).await?;
    Ok(SessionPayload {
        access_token: session.access_token,
        access_token_expires_at: session.access_expires_at,
        refresh_token: session.refresh_token,
        refresh_token_expires_at: session.refresh_expires_at,
        me,
    })
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in account with its roles and organisations; null when
    /// not signed in.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Me>> {
        let request = RequestCtx::get(ctx)?;
        match request.viewer.account() {
            Ok((account_id, _)) => Ok(Some(load_me(request, account_id).await?)),
            Err(_) => Ok(None),
        }
    }
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Staff sign-in with email and password. Any failure is the same
    /// UNAUTHENTICATED error; five failures in a row lock the account for
    /// 15 minutes. Too many attempts for one address or from one network
    /// address: RATE_LIMITED with `retryAfterSeconds`.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<RateLimits>(ctx)?.sign_in(request.client_ip, &input.email)?;
        let session = sessions::sign_in_with_password(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &input.email,
            input.password,
            &request.request_id,
        )
        .await?;
        Ok(payload(request, session).await?)
    }

    /// Young people and kinship carers: email me a sign-in code. The reply
    /// is the same whether or not the address has an account. At most a few
    /// codes per address in 10 minutes (then RATE_LIMITED).
    async fn request_sign_in_code(
        &self,
        ctx: &Context<'_>,
        input: RequestSignInCodeInput,
    ) -> async_graphql::Result<RequestSignInCodePayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<RateLimits>(ctx)?.code_request(request.client_ip, &input.email)?;
        super::codes::request_code(&request.db, &input.email, &request.request_id).await?;
        Ok(RequestSignInCodePayload {
            message: "If that email address has a Closeknit account, we have sent it a sign-in code. It works for 10 minutes.".into(),
        })
    }

    /// Signs in with the emailed code (at most 5 tries per code; attempts
    /// are budgeted like `signIn`).
    async fn sign_in_with_code(
        &self,
        ctx: &Context<'_>,
        input: SignInWithCodeInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<RateLimits>(ctx)?.sign_in(request.client_ip, &input.email)?;
        let session = super::codes::sign_in_with_code(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &input.email,
            &input.code,
            &request.request_id,
        )
        .await?;
        Ok(payload(request, session).await?)
    }

    /// Exchanges a refresh token for new tokens (the old one stops working).
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        let session = sessions::refresh(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &input.refresh_token,
            &request.request_id,
        )
        .await?;
        Ok(payload(request, session).await?)
    }

    /// Ends this session: its access and refresh tokens stop working.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<LogoutPayload> {
        let request = RequestCtx::get(ctx)?;
        let (account_id, session_id) = request.viewer.account()?;
        sessions::logout(&request.db, account_id, session_id, &request.request_id).await?;
        Ok(LogoutPayload { sessions_ended: 1 })
    }

    /// Ends every session of the signed-in account, on every device.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> async_graphql::Result<LogoutPayload> {
        let request = RequestCtx::get(ctx)?;
        let (account_id, _) = request.viewer.account()?;
        let ended =
            sessions::logout_everywhere(&request.db, account_id, &request.request_id).await?;
        Ok(LogoutPayload {
            sessions_ended: i32::try_from(ended).unwrap_or(i32::MAX),
        })
    }
}
