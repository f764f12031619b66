//! GraphQL contract for onboarding: `createYoungPerson`,
//! `inviteYoungPersonToApp`, `addKinshipCarer` and `activateAccount`.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::service::{self, Invite, Issued, NewKinshipCarer, NewYoungPerson};
use crate::{
    auth::tokens::TokenService,
    error::AppError,
    graphql::{
        context::RequestCtx,
        relay::{decode_typed_id, encode_id},
    },
    identity::{
        graphql::{SessionPayload, session_payload},
        people::graphql::YoungPerson,
        store as identity,
    },
    ratelimit::RateLimits,
};

#[derive(InputObject)]
pub struct CreateYoungPersonInput {
    pub client_mutation_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    /// A care leaver is 16 to 24 years old.
    pub date_of_birth: NaiveDate,
    /// The responsible authority (a LocalAuthority id).
    pub local_authority_id: ID,
    /// The address they will sign in with (unique on Closeknit).
    pub email: String,
}

#[derive(SimpleObject)]
pub struct CreateYoungPersonPayload {
    pub client_mutation_id: Option<String>,
    pub young_person: YoungPerson,
}

#[derive(InputObject)]
pub struct InviteYoungPersonToAppInput {
    pub client_mutation_id: Option<String>,
    pub young_person_id: ID,
}

#[derive(InputObject)]
pub struct AddKinshipCarerInput {
    pub client_mutation_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    /// The authority the carer lives in (a LocalAuthority id).
    pub local_authority_id: ID,
}

/// An activation code for a person to start using the app.
#[derive(SimpleObject)]
pub struct ActivationPayload {
    pub client_mutation_id: Option<String>,
    /// The person's account (an `Account` id).
    pub account_id: ID,
    /// The code to read out to the person, such as `ACDE-F347`. Shown
    /// once: it is stored only as a hash. Null when this is a replay of
    /// the same `clientMutationId` (invite again for a new code).
    pub activation_code: Option<String>,
    pub activation_code_expires_at: DateTime<Utc>,
}

impl ActivationPayload {
    fn new(client_mutation_id: Option<String>, issued: Issued) -> Self {
        ActivationPayload {
            client_mutation_id,
            account_id: encode_id("Account", issued.account_id),
            activation_code: issued.code,
            activation_code_expires_at: issued.expires_at,
        }
    }
}

#[derive(InputObject)]
pub struct ActivateAccountInput {
    pub email: String,
    /// The code the worker read out (case, spaces and dashes ignored).
    #[graphql(secret)]
    pub activation_code: String,
}

#[derive(Default)]
pub struct OnboardingMutation;

#[Object]
impl OnboardingMutation {
    /// Adds a care leaver (personal advisers and LA managers of the
    /// authority): their profile and a pending account that signs in with
    /// emailed codes once activated. A taken email: CONFLICT.
    async fn create_young_person(
        &self,
        ctx: &Context<'_>,
        input: CreateYoungPersonInput,
    ) -> async_graphql::Result<CreateYoungPersonPayload> {
        let call = RequestCtx::get(ctx)?;
        let change = call.call(input.client_mutation_id.as_deref());
        let added = service::create_young_person(
            &change,
            NewYoungPerson {
                local_authority: decode_typed_id(
                    "input.localAuthorityId",
                    &input.local_authority_id,
                    "LocalAuthority",
                )?,
                given_name: input.given_name,
                family_name: input.family_name,
                date_of_birth: input.date_of_birth,
                email: input.email,
            },
        )
        .await?;
        let person =
            identity::person(&call.db, added.person_id)
                .await?
                .ok_or(AppError::NotFound {
                    entity: "YoungPerson",
                })?;
        Ok(CreateYoungPersonPayload {
            client_mutation_id: input.client_mutation_id,
            young_person: person.into(),
        })
    }

    /// Invites a young person who does not use the app yet (key workers,
    /// personal advisers and LA managers of their authority): returns an
    /// activation code to read out to them, valid 7 days (a new one
    /// replaces the old), and emails them how to get the app.
    async fn invite_young_person_to_app(
        &self,
        ctx: &Context<'_>,
        input: InviteYoungPersonToAppInput,
    ) -> async_graphql::Result<ActivationPayload> {
        let call = RequestCtx::get(ctx)?;
        let change = call.call(input.client_mutation_id.as_deref());
        let issued = service::invite_young_person(
            &change,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            Invite {
                young_person: decode_typed_id(
                    "input.youngPersonId",
                    &input.young_person_id,
                    "YoungPerson",
                )?,
            },
        )
        .await?;
        Ok(ActivationPayload::new(input.client_mutation_id, issued))
    }

    /// Adds a kinship carer (training coordinators reaching the authority,
    /// LA managers): a pending account, an activation code to give them
    /// (valid 7 days) and an email saying how to get the app.
    async fn add_kinship_carer(
        &self,
        ctx: &Context<'_>,
        input: AddKinshipCarerInput,
    ) -> async_graphql::Result<ActivationPayload> {
        let call = RequestCtx::get(ctx)?;
        let change = call.call(input.client_mutation_id.as_deref());
        let issued = service::add_kinship_carer(
            &change,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            NewKinshipCarer {
                local_authority: decode_typed_id(
                    "input.localAuthorityId",
                    &input.local_authority_id,
                    "LocalAuthority",
                )?,
                given_name: input.given_name,
                family_name: input.family_name,
                email: input.email,
            },
        )
        .await?;
        Ok(ActivationPayload::new(input.client_mutation_id, issued))
    }

    /// A young person's or carer's first sign-in, with the activation code
    /// their worker gave them. Any failure is the same UNAUTHENTICATED; a
    /// code takes at most 5 tries; attempts are budgeted like `signIn`.
    async fn activate_account(
        &self,
        ctx: &Context<'_>,
        input: ActivateAccountInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<RateLimits>(ctx)?.sign_in(request.client_ip, &input.email)?;
        let session = service::activate(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &input.email,
            &input.activation_code,
            &request.request_id,
        )
        .await?;
        Ok(session_payload(request, session).await?)
    }
}
