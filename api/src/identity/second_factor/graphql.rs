//! GraphQL for the second factor. Operations that hand back secrets (a new
//! seed, recovery codes, a session) take no `clientMutationId`: a replay
//! would mean storing them.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{
    service::{self, RequirementInput, ResetInput},
    sign_in::{self, Proof},
    store,
};
use crate::{
    auth::tokens::TokenService,
    error::AppError,
    graphql::{context::RequestCtx, relay::decode_typed_id},
    identity::{
        AccountServices,
        graphql::{OrganisationSummary, SessionPayload, session_payload},
        store as identity_store,
    },
};

#[derive(InputObject)]
pub struct SetOrganisationSecondFactorRequirementInput {
    pub client_mutation_id: Option<String>,
    pub organisation_id: ID,
    /// Whether staff holding a role that reads case records must pass a
    /// second factor at sign-in.
    pub required: bool,
}

#[derive(SimpleObject)]
pub struct SetOrganisationSecondFactorRequirementPayload {
    pub client_mutation_id: Option<String>,
    pub organisation: Option<OrganisationSummary>,
    pub requires_second_factor: bool,
}

#[derive(InputObject)]
pub struct StartSecondFactorEnrolmentInput {
    /// The challenge of a `SECOND_FACTOR_ENROLMENT_REQUIRED` sign-in; leave
    /// it out when signed in.
    #[graphql(secret)]
    pub challenge: Option<String>,
}

/// A new authenticator, shown once: add it to an app (scan the URI as a
/// QR code, or type the secret in), then confirm it with a code.
#[derive(SimpleObject)]
pub struct SecondFactorEnrolment {
    /// The seed in base32.
    pub secret: String,
    /// `otpauth://totp/Closeknit:<email>?secret=...&issuer=Closeknit`.
    pub otpauth_uri: String,
}

#[derive(InputObject)]
pub struct ConfirmSecondFactorEnrolmentInput {
    /// As for `startSecondFactorEnrolment`.
    #[graphql(secret)]
    pub challenge: Option<String>,
    /// The 6-digit code the app shows now.
    #[graphql(secret)]
    pub code: String,
}

#[derive(SimpleObject)]
pub struct ConfirmSecondFactorEnrolmentPayload {
    /// Ten single-use codes for when the app is not to hand, shown only
    /// now: keep them somewhere safe.
    pub recovery_codes: Vec<String>,
    /// The session, when confirmed with a challenge (null when signed in).
    pub session: Option<SessionPayload>,
}

/// A code from the authenticator app.
#[derive(InputObject)]
pub struct SecondFactorCodeInput {
    #[graphql(secret)]
    pub code: String,
}

#[derive(SimpleObject)]
pub struct RecoveryCodesPayload {
    /// Ten new single-use codes (the earlier ones stop working), shown
    /// only now.
    pub recovery_codes: Vec<String>,
}

#[derive(SimpleObject)]
pub struct RemoveSecondFactorPayload {
    pub removed: bool,
}

#[derive(InputObject)]
pub struct ResetSecondFactorInput {
    pub client_mutation_id: Option<String>,
    /// The member's `Account`.
    pub account_id: ID,
}

#[derive(SimpleObject)]
pub struct ResetSecondFactorPayload {
    pub client_mutation_id: Option<String>,
    /// Whether the member had a second factor to remove.
    pub removed: bool,
}

#[derive(InputObject)]
pub struct CompleteSignInInput {
    /// `extensions.details.challenge` of the `SECOND_FACTOR_REQUIRED` error.
    #[graphql(secret)]
    pub challenge: String,
    /// The 6-digit code the authenticator app shows now...
    #[graphql(secret)]
    pub code: Option<String>,
    /// ...or one of the recovery codes (each works once).
    #[graphql(secret)]
    pub recovery_code: Option<String>,
}

/// The signed-in person's second factor.
#[derive(SimpleObject)]
pub struct SecondFactorStatus {
    /// Set up and confirmed.
    pub enrolled: bool,
    /// An organisation requires it for a role held.
    pub required: bool,
    pub recovery_codes_left: i32,
}

#[derive(Default)]
pub struct SecondFactorQuery;

#[Object]
impl SecondFactorQuery {
    /// The signed-in person's second factor (UNAUTHENTICATED when not
    /// signed in).
    async fn my_second_factor(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SecondFactorStatus> {
        let request = RequestCtx::get(ctx)?;
        let account = request.viewer.account_viewer()?.account_id;
        let enrolled = store::factor(&request.db, account)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some());
        Ok(SecondFactorStatus {
            enrolled,
            required: store::required_for(&request.db, account).await?,
            recovery_codes_left: i32::try_from(
                store::recovery_codes_left(&request.db, account).await?,
            )
            .unwrap_or(i32::MAX),
        })
    }
}

#[derive(Default)]
pub struct SecondFactorMutation;

#[Object]
impl SecondFactorMutation {
    /// Organisation administrators (and platform administrators): whether
    /// staff of the organisation holding a role that reads case records
    /// must pass a second factor at sign-in (they set one up at their next
    /// sign-in). FORBIDDEN for its other staff; NOT_FOUND for anyone else.
    async fn set_organisation_second_factor_requirement(
        &self,
        ctx: &Context<'_>,
        input: SetOrganisationSecondFactorRequirementInput,
    ) -> async_graphql::Result<SetOrganisationSecondFactorRequirementPayload> {
        let request = RequestCtx::get(ctx)?;
        let organisation = decode_typed_id(
            "input.organisationId",
            &input.organisation_id,
            "Organisation",
        )?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::set_requirement(
            &call,
            RequirementInput {
                organisation,
                required: input.required,
            },
        )
        .await?;
        Ok(SetOrganisationSecondFactorRequirementPayload {
            client_mutation_id: input.client_mutation_id,
            organisation: identity_store::organisation(&request.db, done.organisation_id)
                .await?
                .map(Into::into),
            requires_second_factor: done.required,
        })
    }

    /// Staff: start setting up an authenticator app, signed in or with the
    /// challenge of a `SECOND_FACTOR_ENROLMENT_REQUIRED` sign-in. Starting
    /// again replaces an unconfirmed one; CONFLICT once one is confirmed.
    async fn start_second_factor_enrolment(
        &self,
        ctx: &Context<'_>,
        input: StartSecondFactorEnrolmentInput,
    ) -> async_graphql::Result<SecondFactorEnrolment> {
        let request = RequestCtx::get(ctx)?;
        let secrets = &RequestCtx::service::<Arc<AccountServices>>(ctx)?.secrets;
        let enrolment = match input.challenge {
            Some(challenge) => {
                sign_in::start_enrolment(&request.db, secrets, &challenge, &request.request_id)
                    .await?
            }
            None => service::start_enrolment(&request.call(None), secrets).await?,
        };
        Ok(SecondFactorEnrolment {
            secret: enrolment.secret,
            otpauth_uri: enrolment.otpauth_uri,
        })
    }

    /// Confirms the authenticator with a code from it and returns the
    /// recovery codes (once); with a challenge, also signs in. A wrong code:
    /// BAD_USER_INPUT when signed in, UNAUTHENTICATED with a challenge
    /// (counted towards the account's lockout).
    async fn confirm_second_factor_enrolment(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSecondFactorEnrolmentInput,
    ) -> async_graphql::Result<ConfirmSecondFactorEnrolmentPayload> {
        let request = RequestCtx::get(ctx)?;
        let secrets = &RequestCtx::service::<Arc<AccountServices>>(ctx)?.secrets;
        Ok(match input.challenge {
            Some(challenge) => {
                let tokens = RequestCtx::service::<Arc<TokenService>>(ctx)?;
                let (codes, session) = sign_in::confirm_enrolment(
                    &request.db,
                    tokens,
                    secrets,
                    &challenge,
                    &input.code,
                    &request.request_id,
                )
                .await?;
                ConfirmSecondFactorEnrolmentPayload {
                    recovery_codes: codes.0,
                    session: Some(session_payload(request, session).await?),
                }
            }
            None => ConfirmSecondFactorEnrolmentPayload {
                recovery_codes: service::confirm_enrolment(
                    &request.call(None),
                    secrets,
                    &input.code,
                )
                .await?
                .0,
                session: None,
            },
        })
    }

    /// Staff with a second factor: ten new recovery codes, given a code
    /// from the app (the earlier recovery codes stop working).
    async fn renew_recovery_codes(
        &self,
        ctx: &Context<'_>,
        input: SecondFactorCodeInput,
    ) -> async_graphql::Result<RecoveryCodesPayload> {
        let request = RequestCtx::get(ctx)?;
        let secrets = &RequestCtx::service::<Arc<AccountServices>>(ctx)?.secrets;
        let codes =
            service::renew_recovery_codes(&request.call(None), secrets, &input.code).await?;
        Ok(RecoveryCodesPayload {
            recovery_codes: codes.0,
        })
    }

    /// Staff: remove their own second factor, given a code from the app.
    /// FORBIDDEN while an organisation requires one for a role they hold.
    async fn remove_second_factor(
        &self,
        ctx: &Context<'_>,
        input: SecondFactorCodeInput,
    ) -> async_graphql::Result<RemoveSecondFactorPayload> {
        let request = RequestCtx::get(ctx)?;
        let secrets = &RequestCtx::service::<Arc<AccountServices>>(ctx)?.secrets;
        let removed = service::remove(&request.call(None), secrets, &input.code).await?;
        Ok(RemoveSecondFactorPayload { removed })
    }

    /// Organisation administrators (and platform administrators): remove a
    /// member's second factor and recovery codes (a lost phone). They set
    /// up a new one at their next sign-in where it is required. NOT_FOUND
    /// unless the member holds a role in an organisation whose staff the
    /// viewer manages.
    async fn reset_second_factor(
        &self,
        ctx: &Context<'_>,
        input: ResetSecondFactorInput,
    ) -> async_graphql::Result<ResetSecondFactorPayload> {
        let request = RequestCtx::get(ctx)?;
        let account = decode_typed_id("input.accountId", &input.account_id, "Account")?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = service::reset(&call, ResetInput { account }).await?;
        Ok(ResetSecondFactorPayload {
            client_mutation_id: input.client_mutation_id,
            removed: done.removed,
        })
    }

    /// Finishes a `SECOND_FACTOR_REQUIRED` sign-in with a code from the
    /// authenticator app or a recovery code (exactly one). Any failure is
    /// UNAUTHENTICATED; wrong codes count towards the account's lockout
    /// as wrong passwords do, and a challenge takes at most five.
    async fn complete_sign_in(
        &self,
        ctx: &Context<'_>,
        input: CompleteSignInInput,
    ) -> async_graphql::Result<SessionPayload> {
        let request = RequestCtx::get(ctx)?;
        RequestCtx::service::<crate::ratelimit::RateLimits>(ctx)?
            .sign_in_step(request.client_ip)?;
        let proof = match (input.code, input.recovery_code) {
            (Some(code), None) => Proof::Code(code),
            (None, Some(code)) => Proof::RecoveryCode(code),
            _ => {
                return Err(AppError::bad_inputs(
                    vec!["input.code".into(), "input.recoveryCode".into()],
                    "need exactly one of them given.",
                )
                .into());
            }
        };
        let session = sign_in::complete(
            &request.db,
            RequestCtx::service::<Arc<TokenService>>(ctx)?,
            &RequestCtx::service::<Arc<AccountServices>>(ctx)?.secrets,
            &input.challenge,
            proof,
            &request.request_id,
        )
        .await?;
        Ok(session_payload(request, session).await?)
    }
}
