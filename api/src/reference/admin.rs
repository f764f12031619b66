//! Adding a local authority (platform administrators): the first step of
//! onboarding one, before its team is created as an organisation.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    graphql::LocalAuthority,
    model::{OnsCode, authority_name},
    store,
};
use crate::{
    audit::AuditAction,
    change::{Audited, Call},
    error::{AppError, AppResult},
    graphql::context::RequestCtx,
    policy::{self, Action, Target},
    start_change,
};

#[derive(Debug, Serialize)]
struct NewAuthority {
    ons_code: String,
    name: String,
    region_code: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Added {
    local_authority_id: Uuid,
}

async fn add(call: &Call<'_>, input: NewAuthority) -> AppResult<Added> {
    let tx = start_change!(call, "addLocalAuthority", &input);
    policy::authorize(
        tx.call.viewer,
        Action::ManageOrganisations,
        &Target::platform(),
    )?;
    let code = OnsCode::parse("input.onsCode", &input.ons_code)?;
    let name = authority_name("input.name", &input.name)?;
    if store::region_by_code(&tx.txn, input.region_code.trim())
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            "input.regionCode",
            "is not a known region code (such as E12000001)",
        ));
    }
    let row =
        store::insert_local_authority(&tx.txn, &code, &name, input.region_code.trim()).await?;
    let target = Target::local_authority(row.id);
    let done = Added {
        local_authority_id: row.id,
    };
    tx.commit(
        Audited {
            action: AuditAction::LocalAuthorityAdd,
            record: ("LocalAuthority", row.id),
            fields: &["onsCode", "name", "region"],
            target: &target,
        },
        done,
    )
    .await
}

#[derive(InputObject)]
pub struct AddLocalAuthorityInput {
    pub client_mutation_id: Option<String>,
    /// ONS GSS code, such as E06000039 (unique: CONFLICT when taken).
    pub ons_code: String,
    pub name: String,
    /// The region's ONS code, such as E12000001 (see `regions`).
    pub region_code: String,
}

#[derive(SimpleObject)]
pub struct AddLocalAuthorityPayload {
    pub client_mutation_id: Option<String>,
    pub local_authority: LocalAuthority,
}

#[derive(Default)]
pub struct ReferenceMutation;

#[Object]
impl ReferenceMutation {
    /// Adds a local authority (platform administrators), so that its team
    /// can be created with `createOrganisation` and commission providers.
    async fn add_local_authority(
        &self,
        ctx: &Context<'_>,
        input: AddLocalAuthorityInput,
    ) -> async_graphql::Result<AddLocalAuthorityPayload> {
        let request = RequestCtx::get(ctx)?;
        let call = request.call(input.client_mutation_id.as_deref());
        let done = add(
            &call,
            NewAuthority {
                ons_code: input.ons_code,
                name: input.name,
                region_code: input.region_code,
            },
        )
        .await?;
        let row = store::local_authority(&request.db, done.local_authority_id)
            .await?
            .ok_or(AppError::NotFound {
                entity: "LocalAuthority",
            })?;
        Ok(AddLocalAuthorityPayload {
            client_mutation_id: input.client_mutation_id,
            local_authority: row.into(),
        })
    }
}
