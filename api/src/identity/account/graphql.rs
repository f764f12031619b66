//! GraphQL contract for a person's own account: `mySessions`,
//! `myDevices`, `requestEmailChange`, `confirmEmailChange`,
//! `endMySession` and `removeMyDevice`.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    service::{self, EmailChangeConfirmation, EmailChangeRequest, EndSession},
    store,
};
use crate::{
    auth::{tokens::TokenService, viewer::Viewer},
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{decode_typed_id, encode_id},
    },
    identity::model::SignInMethod,
    policy::{self, Action, Target},
    push::{self, graphql::PushDevice},
    ratelimit::RateLimits,
};

/// One of the viewer's live sessions (a signed-in app or browser).
#[derive(SimpleObject)]
pub struct MySession {
    /// Global id (`Session`), for `endMySession`.
    pub id: ID,
    pub signed_in_at: DateTime<Utc>,
    /// When the session last renewed its tokens (or signed in).
    pub last_used_at: DateTime<Utc>,
    /// How it was signed in (null for sessions older than this record).
    pub sign_in_method: Option<SignInMethod>,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// The viewer's own account and person (anonymous: UNAUTHENTICATED; an
/// API client: FORBIDDEN).
fn own(viewer: &Viewer) -> AppResult<(Uuid, Uuid)> {
    let me = viewer.account_viewer()?;
    policy::authorize(
        viewer,
        Action::ManageOwnAccount,
        &Target::person(me.person_id, None),
    )?;
    Ok((me.account_id, me.session_id))
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in person's live sessions, newest first. Not audited
    /// (like `me`).
    async fn my_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MySession>> {
        let request = RequestCtx::get(ctx)?;
        let (account, current) = own(&request.viewer)?;
        let rows = store::live_sessions(&request.db, account, Utc::now()).await?;
        Ok(rows
            .into_iter()
            .map(|s| MySession {
                id: encode_id("Session", s.id),
                signed_in_at: s.signed_in_at,
                last_used_at: s.last_used_at,
                sign_in_method: s.method,
                current: s.id == current,
            })
            .collect())
    }

    /// The signed-in person's phones and browsers that get notifications.
    async fn my_devices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PushDevice>> {
        let request = RequestCtx::get(ctx)?;
        own(&request.viewer)?;
        Ok(push::service::devices(&request.db, &request.viewer)
            .await?
            .into_iter()
            .map(PushDevice::from)
            .collect())
    }
}

#[derive(InputObject)]
pub struct RequestEmailChangeInput {
    pub client_mutation_id: Option<String>,
    pub new_email: String,
}

#[derive(SimpleObject)]
pub struct RequestEmailChangePayload {
    pub client_mutation_id: Option<String>,
    /// When the code sent to the new address stops working.
    pub code_expires_at: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct ConfirmEmailChangeInput {
    pub client_mutation_id: Option<String>,
    /// The 6-digit code sent to the new address.
    #[graphql(secret)]
    pub code: String,
}

#[derive(SimpleObject)]
pub struct ConfirmEmailChangePayload {
    pub client_mutation_id: Option<String>,
    /// The address the account now signs in with.
    pub email: String,
}

#[derive(InputObject)]
pub struct EndMySessionInput {
    pub client_mutation_id: Option<String>,
    /// A `Session` id from `mySessions`.
    pub session_id: ID,
}

#[derive(SimpleObject)]
pub struct EndMySessionPayload {
    pub client_mutation_id: Option<String>,
    pub session_id: ID,
}

#[derive(InputObject)]
pub struct RemoveMyDeviceInput {
    pub client_mutation_id: Option<String>,
    /// A `PushDevice` id from `myDevices`.
    pub device_id: ID,
}

#[derive(SimpleObject)]
pub struct RemoveMyDevicePayload {
    pub client_mutation_id: Option<String>,
    pub device_id: ID,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Asks to sign in with a new email address: a 6-digit code (valid 30
    /// minutes, 5 tries) goes to the new address and a notice to the
    /// current one. An address another account uses: CONFLICT.
    async fn request_email_change(
        &self,
        ctx: &Context<'_>,
        input: RequestEmailChangeInput,
    ) -> async_graphql::Result<RequestEmailChangePayload> {
        let call = RequestCtx::get(ctx)?;
        RequestCtx::service::<RateLimits>(ctx)?.code_request(call.client_ip, &input.new_email)?;
        let change = call.call(input.client_mutation_id.as_deref());
        let done = service::request_email_change(
            &change,
            EmailChangeRequest {
                new_email: input.new_email,
            },
        )
        .await?;
        Ok(RequestEmailChangePayload {
            client_mutation_id: input.client_mutation_id,
            code_expires_at: done.expires_at,
        })
    }

    /// Confirms the new address with the code sent to it. A wrong or old
    /// code: BAD_USER_INPUT on `code`; the address taken meanwhile: CONFLICT.
    async fn confirm_email_change(
        &self,
        ctx: &Context<'_>,
        input: ConfirmEmailChangeInput,
    ) -> async_graphql::Result<ConfirmEmailChangePayload> {
        let call = RequestCtx::get(ctx)?;
        let change = call.call(input.client_mutation_id.as_deref());
        let done = service::confirm_email_change(
            &change,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            EmailChangeConfirmation { code: input.code },
        )
        .await?;
        Ok(ConfirmEmailChangePayload {
            client_mutation_id: input.client_mutation_id,
            email: done.email,
        })
    }

    /// Ends one of the signed-in person's sessions (its tokens stop at
    /// once and its live connections close). Not theirs: NOT_FOUND.
    async fn end_my_session(
        &self,
        ctx: &Context<'_>,
        input: EndMySessionInput,
    ) -> async_graphql::Result<EndMySessionPayload> {
        let call = RequestCtx::get(ctx)?;
        let change = call.call(input.client_mutation_id.as_deref());
        let session = decode_typed_id("input.sessionId", &input.session_id, "Session")?;
        service::end_my_session(&change, EndSession { session }).await?;
        Ok(EndMySessionPayload {
            client_mutation_id: input.client_mutation_id,
            session_id: input.session_id,
        })
    }

    /// Stops notifications to one of the signed-in person's devices. Not
    /// theirs: NOT_FOUND.
    async fn remove_my_device(
        &self,
        ctx: &Context<'_>,
        input: RemoveMyDeviceInput,
    ) -> async_graphql::Result<RemoveMyDevicePayload> {
        let call = RequestCtx::get(ctx)?;
        let (account, _) = own(&call.viewer)?;
        let id = decode_typed_id("input.deviceId", &input.device_id, "PushDevice")?;
        let device = push::store::device_of_account(&call.db, id, account)
            .await?
            .ok_or(AppError::NotFound {
                entity: "PushDevice",
            })?;
        push::service::unregister(&call.db, &call.viewer, &device.token, &call.request_id).await?;
        Ok(RemoveMyDevicePayload {
            client_mutation_id: input.client_mutation_id,
            device_id: input.device_id,
        })
    }
}
