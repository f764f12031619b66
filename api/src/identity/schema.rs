//! Sign-in, sessions, the viewer and young people's profiles. This domain's
//! part of the schema, registered in `crate::schema` (see there for what a
//! domain's `schema.rs` exports).

use async_graphql::{Context, MergedObject};
use uuid::Uuid;

use super::{
    account, graphql, invitations, onboarding, organisations, passwords, people, second_factor,
    sso, staff,
};
use crate::{error::AppResult, schema::Node};

/// The domain's queries, merged from its capabilities.
#[derive(MergedObject, Default)]
#[graphql(name = "IdentityRoot")]
pub struct Query(
    graphql::IdentityQuery,
    people::graphql::PeopleQuery,
    second_factor::graphql::SecondFactorQuery,
    invitations::graphql::InvitationsQuery,
    account::graphql::AccountQuery,
    sso::graphql::SsoQuery,
    organisations::graphql::OrganisationsQuery,
    staff::graphql::StaffQuery,
);

/// The domain's mutations, merged from its capabilities.
#[derive(MergedObject, Default)]
#[graphql(name = "IdentityMutationRoot")]
pub struct Mutation(
    graphql::IdentityMutation,
    second_factor::graphql::SecondFactorMutation,
    invitations::graphql::InvitationsMutation,
    passwords::graphql::PasswordsMutation,
    onboarding::graphql::OnboardingMutation,
    account::graphql::AccountMutation,
    sso::graphql::SsoMutation,
    organisations::graphql::OrganisationsMutation,
    staff::graphql::StaffMutation,
);

/// This domain has no subscriptions.
pub type Subscription = crate::schema::NoSubscription;

pub use graphql::{Me, OrganisationSummary};
pub use people::graphql::YoungPerson;

/// Resolves a `Node` of this domain's types: a young person within the
/// viewer's scope (audited), the viewer's own account (`Account` ids, as
/// `Me`), and organisations the viewer may see (`Organisation` ids, as
/// `OrganisationSummary`, whichever type listed the id).
pub async fn node(ctx: &Context<'_>, type_name: &str, id: Uuid) -> AppResult<Option<Node>> {
    Ok(match type_name {
        "YoungPerson" => people::graphql::node(ctx, id).await?.map(Node::YoungPerson),
        "Account" => graphql::me_node(ctx, id).await?.map(Node::Me),
        "Organisation" => graphql::organisation_node(ctx, id)
            .await?
            .map(Node::OrganisationSummary),
        _ => None,
    })
}
