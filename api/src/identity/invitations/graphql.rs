//! GraphQL for invitations: the organisation's administrators invite,
//! revoke, resend and list; the invited person reads (`invitationByToken`)
//! and accepts (`acceptInvitation`) with the link's token.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::{
    model::{InvitationStatus, status},
    service::{self, Done, InviteInput},
    store::{self, InvitationRow},
};
use crate::{
    auth::tokens::TokenService,
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    identity::{
        graphql::{SessionPayload, session_payload},
        model::Role,
    },
    paging::PageRequest,
    policy::{self, Action, Target},
};

/// A staff invitation, as its organisation's administrators see it.
#[derive(SimpleObject)]
pub struct Invitation {
    pub id: ID,
    pub organisation_id: ID,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    /// The roles accepting grants, in the organisation.
    pub roles: Vec<Role>,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    /// When the link stops working (unless resent).
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<InvitationRow> for Invitation {
    fn from(row: InvitationRow) -> Self {
        Invitation {
            id: encode_id("Invitation", row.id),
            organisation_id: encode_id("Organisation", row.organisation_id),
            status: status(row.accepted_at, row.revoked_at, row.expires_at, Utc::now()),
            email: row.email,
            given_name: row.given_name,
            family_name: row.family_name,
            roles: row.roles,
            created_at: row.created_at,
            expires_at: row.expires_at,
            accepted_at: row.accepted_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// What the accept page shows of a working invitation link.
#[derive(SimpleObject)]
pub struct InvitationPreview {
    pub organisation_name: String,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub roles: Vec<Role>,
    pub expires_at: DateTime<Utc>,
    /// Whether accepting needs a password (false: the address already has
    /// a staff account, which the roles are added to).
    pub needs_password: bool,
}

#[derive(InputObject)]
pub struct InviteStaffInput {
    pub client_mutation_id: Option<String>,
    pub organisation_id: ID,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    /// Roles the organisation's kind may hold; organisation and platform
    /// administration only by platform administrators.
    pub roles: Vec<Role>,
}

#[derive(InputObject)]
pub struct RevokeInvitationInput {
    pub client_mutation_id: Option<String>,
    pub id: ID,
}

#[derive(InputObject)]
pub struct ResendInvitationInput {
    pub client_mutation_id: Option<String>,
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct InvitationPayload {
    pub client_mutation_id: Option<String>,
    pub invitation: Option<Invitation>,
}

#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The `token` of the emailed link.
    #[graphql(secret)]
    pub token: String,
    /// The new account's password (at least 12 characters, not easy to
    /// guess); not needed when the address already has a staff account.
    #[graphql(secret)]
    pub password: Option<String>,
}

async fn invitation_payload(
    request: &RequestCtx,
    client_mutation_id: Option<String>,
    done: Done,
) -> AppResult<InvitationPayload> {
    Ok(InvitationPayload {
        client_mutation_id,
        invitation: store::by_id(&request.db, done.invitation_id)
            .await?
            .map(Into::into),
    })
}

#[derive(Default)]
pub struct InvitationsQuery;

#[Object]
impl InvitationsQuery {
    /// A working invitation link's details, for the accept page (no
    /// sign-in needed). Any link that does not work (unknown, expired,
    /// revoked or used) is null.
    async fn invitation_by_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] token: String,
    ) -> async_graphql::Result<Option<InvitationPreview>> {
        let request = RequestCtx::get(ctx)?;
        let Some((row, organisation_name)) = service::open_by_token(&request.db, &token).await?
        else {
            return Ok(None);
        };
        let needs_password = service::needs_password(&request.db, &row.email).await?;
        Ok(Some(InvitationPreview {
            organisation_name,
            email: row.email,
            given_name: row.given_name,
            family_name: row.family_name,
            roles: row.roles,
            expires_at: row.expires_at,
            needs_password,
        }))
    }

    /// An organisation's invitations, newest first, optionally of one
    /// status (EXPIRED: pending past its 7 days), for its administrators.
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        status: Option<InvitationStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Invitation>> {
        let request = RequestCtx::get(ctx)?;
        let organisation = decode_typed_id("organisationId", &organisation_id, "Organisation")?;
        policy::authorize(
            &request.viewer,
            Action::ManageStaff,
            &Target::organisation(organisation),
        )?;
        let page = PageRequest::new(first, after)?;
        let rows = store::page(&request.db, organisation, status, Utc::now(), &page).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            Invitation::from,
        ))
    }
}

#[derive(Default)]
pub struct InvitationsMutation;

#[Object]
impl InvitationsMutation {
    /// Invites a member of staff into an organisation with the roles they
    /// will hold there (its administrators; platform administrators). The
    /// email's link works once, for 7 days. Inviting the same address
    /// again replaces the pending invitation. Another organisation, or an
    /// administration role without being a platform administrator:
    /// FORBIDDEN; a role the organisation's kind cannot hold:
    /// BAD_USER_INPUT on `roles`.
    async fn invite_staff(
        &self,
        ctx: &Context<'_>,
        input: InviteStaffInput,
    ) -> async_graphql::Result<InvitationPayload> {
        let request = RequestCtx::get(ctx)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::invite(
            &call,
            InviteInput {
                organisation_id: decode_typed_id(
                    "organisationId",
                    &input.organisation_id,
                    "Organisation",
                )?,
                email: input.email,
                given_name: input.given_name,
                family_name: input.family_name,
                roles: input.roles,
            },
        )
        .await?;
        Ok(invitation_payload(request, input.client_mutation_id, done).await?)
    }

    /// Withdraws an open invitation (its link stops working). Accepted or
    /// revoked already: BAD_USER_INPUT on `id`.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        input: RevokeInvitationInput,
    ) -> async_graphql::Result<InvitationPayload> {
        let request = RequestCtx::get(ctx)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let id = decode_typed_id("id", &input.id, "Invitation")?;
        let done = service::revoke(&call, id).await?;
        Ok(invitation_payload(request, input.client_mutation_id, done).await?)
    }

    /// Sends an open invitation again (pending or expired) with a new
    /// link and 7 new days; the earlier link stops working.
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        input: ResendInvitationInput,
    ) -> async_graphql::Result<InvitationPayload> {
        let request = RequestCtx::get(ctx)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let id = decode_typed_id("id", &input.id, "Invitation")?;
        let done = service::resend(&call, id).await?;
        Ok(invitation_payload(request, input.client_mutation_id, done).await?)
    }

    /// Accepts an invitation with its link's token (no sign-in needed) and
    /// signs in. A new address sets its password here; an address with a
    /// staff account gets the roles added. A link that has expired, was
    /// revoked or was used: BAD_USER_INPUT on `token`.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        let session = service::accept(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &input.token,
            input.password,
            &request.request_id,
        )
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => AppError::bad_input("token", super::model::LINK_USED),
            other => other,
        })?;
        Ok(session_payload(request, session).await?)
    }
}
