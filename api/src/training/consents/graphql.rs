//! GraphQL for consents: the carer's `myTrainingBookingConsents`, and
//! granting and revoking an app's consent to book for them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service::{self, ConsentInput, Done},
    store::{self, ConsentRow},
};
use crate::{
    clients,
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{decode_typed_id, encode_id},
    },
};

/// A carer's consent for an app to book training places for them.
#[derive(SimpleObject, Clone)]
pub struct TrainingBookingConsent {
    pub id: ID,
    /// The `ApiClient` (app) allowed to book.
    pub client_id: ID,
    pub client_name: String,
    pub granted_at: DateTime<Utc>,
    /// When it was withdrawn (null while it stands).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A consent by `node`: its carer's alone (anyone else: null).
pub(in crate::training) async fn consent_at(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> AppResult<Option<TrainingBookingConsent>> {
    let call = RequestCtx::get(ctx)?;
    let Ok(me) = call.viewer.account_viewer() else {
        return Ok(None);
    };
    match store::consent(&call.db, id).await? {
        Some(row) if row.person_id == me.person_id => Ok(Some(seen(&call.db, row).await?)),
        _ => Ok(None),
    }
}

/// The consent as its carer sees it (with the app's name).
async fn seen(
    db: &impl sea_orm::ConnectionTrait,
    row: ConsentRow,
) -> AppResult<TrainingBookingConsent> {
    let client_name = clients::store::client(db, row.client_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(TrainingBookingConsent {
        id: encode_id("TrainingBookingConsent", row.id),
        client_id: encode_id("ApiClient", row.client_id),
        client_name,
        granted_at: row.granted_at,
        revoked_at: row.revoked_at,
    })
}

#[derive(Default)]
pub(in crate::training) struct ConsentsQuery;

#[Object]
impl ConsentsQuery {
    /// The apps the signed-in person lets book training for them (live
    /// consents, oldest first).
    async fn my_training_booking_consents(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<TrainingBookingConsent>> {
        let call = RequestCtx::get(ctx)?;
        let me = call.viewer.account_viewer()?.person_id;
        let mut out = Vec::new();
        for row in store::live_for(&call.db, me).await? {
            out.push(seen(&call.db, row).await?);
        }
        Ok(out)
    }
}

/// The input of granting or revoking: the app, and the idempotency key.
macro_rules! consent_input {
    ($($name:ident),*) => {$(
        #[derive(InputObject)]
        pub struct $name {
            pub client_mutation_id: Option<String>,
            /// The `ApiClient` (app).
            pub client_id: ID,
        }

        impl From<$name> for (Option<String>, ID) {
            fn from(input: $name) -> Self {
                (input.client_mutation_id, input.client_id)
            }
        }
    )*};
}

consent_input!(
    GrantTrainingBookingConsentInput,
    RevokeTrainingBookingConsentInput
);

#[derive(SimpleObject)]
pub struct TrainingBookingConsentPayload {
    pub client_mutation_id: Option<String>,
    pub consent: Option<TrainingBookingConsent>,
}

#[derive(Default)]
pub(in crate::training) struct ConsentsMutation;

impl ConsentsMutation {
    async fn run(
        ctx: &Context<'_>,
        input: impl Into<(Option<String>, ID)>,
        revoke: bool,
    ) -> async_graphql::Result<TrainingBookingConsentPayload> {
        let (client_mutation_id, client_id) = input.into();
        let call = RequestCtx::get(ctx)?;
        let change = call.call(client_mutation_id.as_deref());
        let input_ = ConsentInput {
            client: decode_typed_id("input.clientId", &client_id, "ApiClient")?,
        };
        let Done { consent_id, .. } = if revoke {
            service::revoke(&change, input_).await?
        } else {
            service::grant(&change, input_).await?
        };
        let consent = match store::consent(&call.db, consent_id).await? {
            Some(row) => Some(seen(&call.db, row).await?),
            None => None,
        };
        Ok(TrainingBookingConsentPayload {
            client_mutation_id,
            consent,
        })
    }
}

#[Object]
impl ConsentsMutation {
    /// A carer lets an app (an API client with `training:book`) book
    /// training places for them. Granting again while it stands changes
    /// nothing.
    async fn grant_training_booking_consent(
        &self,
        ctx: &Context<'_>,
        input: GrantTrainingBookingConsentInput,
    ) -> async_graphql::Result<TrainingBookingConsentPayload> {
        Self::run(ctx, input, false).await
    }

    /// A carer withdraws an app's consent: it can book for them no more
    /// (NOT_FOUND when no consent stands).
    async fn revoke_training_booking_consent(
        &self,
        ctx: &Context<'_>,
        input: RevokeTrainingBookingConsentInput,
    ) -> async_graphql::Result<TrainingBookingConsentPayload> {
        Self::run(ctx, input, true).await
    }
}
