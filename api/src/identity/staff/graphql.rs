//! GraphQL for an organisation's people: `organisationStaff` and
//! `signInHistory` (audited reads, the organisation's administrators and
//! platform administrators), granting and removing roles, disabling and
//! re-enabling accounts.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::SignInOutcome,
    service::{self, DisableInput, RoleInput},
    store::{self, HistoryFilter, SignInRow, StaffFilter, StaffRow},
};
use crate::{
    audit::AuditAction,
    error::{AppError, AppResult},
    graphql::{
        context::RequestCtx,
        reads::{self, Read},
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    identity::{
        model::{AccountStatus, Role, SignInMethod},
        organisations,
    },
    paging::PageRequest,
    policy::{self, Action, Target},
};

/// A member of an organisation's staff.
#[derive(SimpleObject, Clone)]
pub struct StaffMember {
    /// The account (an `Account` id).
    pub id: ID,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    /// The roles held in this organisation.
    pub roles: Vec<Role>,
    pub status: AccountStatus,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl TryFrom<StaffRow> for StaffMember {
    type Error = AppError;
    fn try_from(row: StaffRow) -> AppResult<Self> {
        Ok(StaffMember {
            id: encode_id("Account", row.account_id),
            given_name: row.given_name,
            family_name: row.family_name,
            email: row.email,
            roles: row.roles,
            status: AccountStatus::parse(&row.status)?,
            last_sign_in_at: row.last_sign_in_at,
            disabled_at: row.disabled_at,
        })
    }
}

/// A sign-in, or a failed or locked-out attempt, by a member of staff.
#[derive(SimpleObject, Clone)]
pub struct SignInEvent {
    pub occurred_at: DateTime<Utc>,
    pub outcome: SignInOutcome,
    /// How a successful sign-in was made (null for failures).
    pub method: Option<SignInMethod>,
    /// Why an attempt failed, in plain words (null for a sign-in).
    pub reason: Option<String>,
    /// The account (an `Account` id).
    pub account_id: ID,
    pub email: String,
}

impl SignInEvent {
    fn from_row(row: SignInRow) -> Self {
        let outcome = SignInOutcome::of_kind(&row.kind).unwrap_or(SignInOutcome::Failed);
        let succeeded = outcome == SignInOutcome::Succeeded;
        SignInEvent {
            occurred_at: row.occurred_at,
            outcome,
            method: row
                .method
                .as_deref()
                .and_then(SignInMethod::from_code)
                .filter(|_| succeeded),
            reason: (!succeeded).then_some(row.detail),
            account_id: encode_id("Account", row.account_id),
            email: row.email,
        }
    }
}

/// The organisation, once the viewer may manage its staff (anyone else:
/// FORBIDDEN, or UNAUTHENTICATED when signed out, whether or not it
/// exists); its authority, for the audit trail.
async fn managed(request: &RequestCtx, id: &ID) -> AppResult<(Uuid, Option<Uuid>)> {
    let org = decode_typed_id("organisationId", id, "Organisation")?;
    policy::authorize(
        &request.viewer,
        Action::ManageStaff,
        &Target::organisation(org),
    )?;
    let row = organisations::store::organisation(&request.db, org)
        .await?
        .ok_or(AppError::NotFound {
            entity: "Organisation",
        })?;
    Ok((org, row.local_authority_id))
}

#[derive(Default)]
pub struct StaffQuery;

#[Object]
impl StaffQuery {
    /// An organisation's staff by email (its administrators and platform
    /// administrators): names, email, the roles held there, status and last
    /// sign-in. Each member listed is audited as read.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn organisation_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An Organisation id.")] organisation_id: ID,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Part of a name or email address.")] search: Option<String>,
        #[graphql(desc = "Only staff holding this role there.")] role: Option<Role>,
        status: Option<AccountStatus>,
    ) -> async_graphql::Result<Connection<String, StaffMember>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let (org, authority) = managed(request, &organisation_id).await?;
        let search = search
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let filter = StaffFilter {
            search: search.as_deref(),
            role,
            status: status.map(AccountStatus::as_str),
        };
        let rows = store::staff_page(&request.db, org, &page, &filter).await?;
        let mut fields = Vec::new();
        reads::selected(ctx.field(), &["edges", "node"], &mut fields);
        let names = reads::names(&fields);
        reads::record(
            request,
            AuditAction::StaffRead,
            "Account",
            page.shown(&rows).iter().map(|r| Read {
                id: r.account_id,
                person: Some(r.person_id),
                local_authority: authority,
                fields: &names,
            }),
        )
        .await?;
        let keyed = rows
            .into_iter()
            .map(|r| Ok((r.email.clone(), StaffMember::try_from(r)?)))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(connection(&page, keyed, |(k, _)| k.clone(), |(_, n)| n))
    }

    /// Sign-ins, failed attempts and lockouts of an organisation's staff,
    /// newest first (its administrators and platform administrators), of
    /// one account, from `from` up to (not including) `to`, of one
    /// outcome, if given. Each account listed is audited as read.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn sign_in_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An Organisation id.")] organisation_id: ID,
        #[graphql(desc = "Only this account's (an Account id).")] account_id: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        outcome: Option<SignInOutcome>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, SignInEvent>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let account = account_id
            .map(|id| decode_typed_id("accountId", &id, "Account"))
            .transpose()?;
        store::check_range(from, to)?;
        let (org, authority) = managed(request, &organisation_id).await?;
        let filter = HistoryFilter {
            account,
            from,
            to,
            outcome,
        };
        let rows = store::history_page(&request.db, org, &page, &filter).await?;
        let mut fields = Vec::new();
        reads::selected(ctx.field(), &["edges", "node"], &mut fields);
        let names = reads::names(&fields);
        let mut seen: Vec<(Uuid, Uuid)> = Vec::new();
        for row in page.shown(&rows) {
            if !seen.iter().any(|(a, _)| *a == row.account_id) {
                seen.push((row.account_id, row.person_id));
            }
        }
        reads::record(
            request,
            AuditAction::SignInHistoryRead,
            "Account",
            seen.iter().map(|(account, person)| Read {
                id: *account,
                person: Some(*person),
                local_authority: authority,
                fields: &names,
            }),
        )
        .await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            SignInEvent::from_row,
        ))
    }
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub client_mutation_id: Option<String>,
    /// An `Account` id (holding a role in the organisation already).
    pub account_id: ID,
    /// An `Organisation` id.
    pub organisation_id: ID,
    pub role: Role,
}

#[derive(InputObject)]
pub struct RemoveRoleInput {
    pub client_mutation_id: Option<String>,
    pub account_id: ID,
    pub organisation_id: ID,
    pub role: Role,
}

#[derive(SimpleObject)]
pub struct RolePayload {
    pub client_mutation_id: Option<String>,
    /// The account (an `Account` id).
    pub account_id: ID,
    /// The roles the account holds in the organisation now.
    pub roles: Vec<Role>,
    /// False when nothing changed (the role was held already, or not held).
    pub changed: bool,
}

#[derive(InputObject)]
pub struct DisableAccountInput {
    pub client_mutation_id: Option<String>,
    /// An `Account` id.
    pub account_id: ID,
    /// Why, in plain words (kept in the security events).
    pub reason: String,
}

#[derive(InputObject)]
pub struct EnableAccountInput {
    pub client_mutation_id: Option<String>,
    pub account_id: ID,
}

#[derive(SimpleObject)]
pub struct AccountStatusPayload {
    pub client_mutation_id: Option<String>,
    pub account_id: ID,
    pub status: AccountStatus,
    pub disabled_at: Option<DateTime<Utc>>,
}

fn role_input(account: &ID, organisation: &ID, role: Role) -> AppResult<RoleInput> {
    Ok(RoleInput {
        account: decode_typed_id("input.accountId", account, "Account")?,
        organisation: decode_typed_id("input.organisationId", organisation, "Organisation")?,
        role,
    })
}

async fn role_payload(
    request: &RequestCtx,
    client_mutation_id: Option<String>,
    done: service::RoleDone,
) -> AppResult<RolePayload> {
    let roles = store::grants(&request.db, done.account_id)
        .await?
        .into_iter()
        .filter(|(_, org)| *org == done.organisation_id)
        .map(|(role, _)| role)
        .collect();
    Ok(RolePayload {
        client_mutation_id,
        account_id: encode_id("Account", done.account_id),
        roles,
        changed: done.changed,
    })
}

async fn status_payload(
    request: &RequestCtx,
    client_mutation_id: Option<String>,
    account: Uuid,
) -> AppResult<AccountStatusPayload> {
    let row = crate::identity::store::account(&request.db, account)
        .await?
        .ok_or(AppError::NotFound { entity: "Account" })?;
    Ok(AccountStatusPayload {
        client_mutation_id,
        account_id: encode_id("Account", row.id),
        status: AccountStatus::parse(&row.status)?,
        disabled_at: row.disabled_at,
    })
}

#[derive(Default)]
pub struct StaffMutation;

#[Object]
impl StaffMutation {
    /// Grants a role in an organisation to an account that holds a role
    /// there already (its administrators; platform administrators). The
    /// role must be one the organisation's kind may hold (else
    /// BAD_USER_INPUT); organisation and platform administration are
    /// granted by platform administrators only (FORBIDDEN). Holding it
    /// already changes nothing. It takes effect on the account's next
    /// request.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: GrantRoleInput,
    ) -> async_graphql::Result<RolePayload> {
        let request = RequestCtx::get(ctx)?;
        let role = role_input(&input.account_id, &input.organisation_id, input.role)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::grant(&call, role).await?;
        Ok(role_payload(request, input.client_mutation_id, done).await?)
    }

    /// Removes a role in an organisation, under the same rules as
    /// `grantRole`. Not holding it changes nothing.
    async fn remove_role(
        &self,
        ctx: &Context<'_>,
        input: RemoveRoleInput,
    ) -> async_graphql::Result<RolePayload> {
        let request = RequestCtx::get(ctx)?;
        let role = role_input(&input.account_id, &input.organisation_id, input.role)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::remove(&call, role).await?;
        Ok(role_payload(request, input.client_mutation_id, done).await?)
    }

    /// Disables an account (the administrators of the one organisation all
    /// its roles are in; platform administrators; never one's own): it
    /// cannot sign in, and every session ends at once, open subscriptions
    /// included.
    async fn disable_account(
        &self,
        ctx: &Context<'_>,
        input: DisableAccountInput,
    ) -> async_graphql::Result<AccountStatusPayload> {
        let request = RequestCtx::get(ctx)?;
        let disable = DisableInput {
            account: decode_typed_id("input.accountId", &input.account_id, "Account")?,
            reason: input.reason,
        };
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::disable(&call, disable).await?;
        Ok(status_payload(request, input.client_mutation_id, done.account_id).await?)
    }

    /// Re-enables a disabled account (as `disableAccount`): its holder can
    /// sign in again.
    async fn enable_account(
        &self,
        ctx: &Context<'_>,
        input: EnableAccountInput,
    ) -> async_graphql::Result<AccountStatusPayload> {
        let request = RequestCtx::get(ctx)?;
        let account = decode_typed_id("input.accountId", &input.account_id, "Account")?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::enable(&call, account).await?;
        Ok(status_payload(request, input.client_mutation_id, done.account_id).await?)
    }
}
