//! GraphQL contract for API client administration (platform admins).
//! Secret-returning mutations take no `clientMutationId`: a replay would
//! have to store the secret. Retrying `createApiClient` makes a second
//! client (revoke the spare); `rotateApiClientSecret` again simply rotates.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject, connection::Connection,
};
use chrono::{DateTime, Utc};

use super::{
    model::ClientStatus,
    service::{self, NewClientInput},
    store::ApiClientRow,
};
use crate::paging::PageRequest;
use crate::{
    error::AppResult,
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    policy::ClientScope,
    reference::{graphql::LocalAuthority, store as reference},
};

/// A third-party application that signs in with OAuth2 client credentials.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ApiClient {
    /// Global id.
    pub id: ID,
    /// The `client_id` to send to `POST /oauth/token`.
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<ClientScope>,
    /// `true` until revoked; a revoked client's tokens stop working at once.
    pub active: bool,
    pub secret_rotated_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub local_authority_ids: Vec<uuid::Uuid>,
}

impl From<ApiClientRow> for ApiClient {
    fn from(row: ApiClientRow) -> Self {
        ApiClient {
            id: encode_id("ApiClient", row.id),
            client_id: row.id.to_string(),
            name: row.name,
            scopes: row.scopes,
            active: row.status == ClientStatus::Active,
            secret_rotated_at: row.secret_rotated_at,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            local_authority_ids: row.local_authorities,
        }
    }
}

#[ComplexObject]
impl ApiClient {
    /// The commissioning authorities whose data the client may reach.
    async fn local_authorities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LocalAuthority>> {
        let db = &RequestCtx::get(ctx)?.db;
        let mut out = Vec::with_capacity(self.local_authority_ids.len());
        for id in &self.local_authority_ids {
            if let Some(la) = reference::local_authority(db, *id).await? {
                out.push(la.into());
            }
        }
        Ok(out)
    }
}

#[derive(InputObject)]
pub struct CreateApiClientInput {
    pub name: String,
    pub scopes: Vec<ClientScope>,
    /// LocalAuthority ids.
    pub local_authority_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct ApiClientIdInput {
    /// ApiClient id.
    pub id: ID,
}

/// A client with its secret. The secret is shown only here, once: store it
/// in the third party's secret store.
#[derive(SimpleObject)]
pub struct ApiClientSecretPayload {
    pub client: ApiClient,
    pub client_secret: String,
}

#[derive(SimpleObject)]
pub struct RevokeApiClientPayload {
    pub client: ApiClient,
}

/// Resolves an `ApiClient` node (platform admins only; null for others).
pub async fn node(request: &RequestCtx, id: uuid::Uuid) -> AppResult<Option<ApiClient>> {
    Ok(service::get(&request.db, &request.viewer, id)
        .await?
        .map(ApiClient::from))
}

#[derive(Default)]
pub struct ClientsQuery;

#[Object]
impl ClientsQuery {
    /// Third-party API clients, newest first (platform admins).
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ApiClient>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let rows = service::list(&request.db, &request.viewer, &page).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            ApiClient::from,
        ))
    }
}

#[derive(Default)]
pub struct ClientsMutation;

#[Object]
impl ClientsMutation {
    /// Registers a third-party application (platform admins). Returns its
    /// secret once.
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        input: CreateApiClientInput,
    ) -> async_graphql::Result<ApiClientSecretPayload> {
        let request = RequestCtx::get(ctx)?;
        let authorities = input
            .local_authority_ids
            .iter()
            .map(|id| decode_typed_id("localAuthorityIds", id, "LocalAuthority"))
            .collect::<AppResult<Vec<_>>>()?;
        let (client, secret) = service::create(
            &request.db,
            &request.viewer,
            NewClientInput {
                name: &input.name,
                scopes: &input.scopes,
                local_authorities: &authorities,
            },
            &request.request_id,
        )
        .await?;
        Ok(ApiClientSecretPayload {
            client: client.into(),
            client_secret: secret,
        })
    }

    /// Replaces a client's secret; the old secret stops working at once
    /// (tokens already issued run out within their short lifetime).
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        input: ApiClientIdInput,
    ) -> async_graphql::Result<ApiClientSecretPayload> {
        let request = RequestCtx::get(ctx)?;
        let id = decode_typed_id("id", &input.id, "ApiClient")?;
        let (client, secret) =
            service::rotate(&request.db, &request.viewer, id, &request.request_id).await?;
        Ok(ApiClientSecretPayload {
            client: client.into(),
            client_secret: secret,
        })
    }

    /// Revokes a client: its tokens are refused from the next request.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        input: ApiClientIdInput,
    ) -> async_graphql::Result<RevokeApiClientPayload> {
        let request = RequestCtx::get(ctx)?;
        let id = decode_typed_id("id", &input.id, "ApiClient")?;
        let client = service::revoke(&request.db, &request.viewer, id, &request.request_id).await?;
        Ok(RevokeApiClientPayload {
            client: client.into(),
        })
    }
}
