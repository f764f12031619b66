//! Schema assembly: the one place domains are registered. Each domain has a
//! `schema.rs` that exports its `Query`, `Mutation` and `Subscription` roots
//! (merged from its capabilities; empty where it has none), its `Node` types
//! and a `node` resolver that answers for the type names of its own ids
//! (and `None`, without touching the database, for any other).
//!
//! Registering a domain is one line in the `domains!` list below: the
//! domain's module and its types in the `Node` interface.

mod node;

use std::sync::Arc;

use async_graphql::{
    MergedObject, MergedSubscription, Schema, SchemaBuilder, extensions::ExtensionFactory,
    registry::SDLExportOptions,
};

use crate::{
    auth::tokens::TokenService, config::GraphqlLimits, graphql, notifications::live::LiveHub,
    ratelimit::RateLimits,
};

/// Builds the roots, the `Node` interface and its dispatch from the list of
/// domains: `module: [NodeType, ...]`.
macro_rules! domains {
    ($($domain:ident: [$($node:ident),* $(,)?]),* $(,)?) => {
        #[derive(MergedObject, Default)]
        pub struct QueryRoot(node::NodeQuery, $(crate::$domain::schema::Query),*);

        #[derive(MergedObject, Default)]
        pub struct MutationRoot($(crate::$domain::schema::Mutation),*);

        #[derive(MergedSubscription, Default)]
        pub struct SubscriptionRoot($(crate::$domain::schema::Subscription),*);

        /// An object with a global id that `node(id:)` can fetch again.
        #[derive(async_graphql::Interface)]
        #[graphql(field(name = "id", ty = "&async_graphql::ID", desc = "Global id."))]
        pub enum Node {
            $($($node(crate::$domain::schema::$node),)*)*
        }

        /// Asks each domain in turn for the object a decoded global id
        /// names; a domain answers only for its own type names.
        async fn resolve_node(
            ctx: &async_graphql::Context<'_>,
            type_name: &str,
            id: uuid::Uuid,
        ) -> crate::error::AppResult<Option<Node>> {
            $(
                if let Some(node) = crate::$domain::schema::node(ctx, type_name, id).await? {
                    return Ok(Some(node));
                }
            )*
            Ok(None)
        }
    };
}

domains! {
    identity: [YoungPerson, Me, OrganisationSummary],
    reference: [Region, LocalAuthority],
    audit: [],
    clients: [ApiClient],
    notifications: [Notification],
    jobs: [],
    push: [PushDevice],
    staying_close: [
        StayingClosePlan,
        PlanGoal,
        GoalProgress,
        PlanComment,
        PlanResponse,
        PlanVersion,
        PlanMeeting,
        Claim,
        AccommodationRecord,
        InTouchRecord,
        ActivityRecord,
        WorkerContact,
    ],
    advocacy: [
        AdvocacyRequest,
        AdvocacyVisitRecord,
        AdvocacyContactRecord,
        AdvocacyRepresentationRecord,
        AdvocacyMeetingRecord,
        AdvocacyOutcomeRecord,
        AdvocacySafeguardingShare,
    ],
    training: [
        TrainingCourse,
        TrainingSession,
        TrainingSeries,
        TrainingBooking,
        TrainingBookingConsent,
    ],
}

/// The `Mutation` of a domain that changes nothing through the schema.
#[derive(MergedObject, Default)]
pub struct NoMutation();

/// The `Subscription` of a domain that has none.
#[derive(MergedSubscription, Default)]
pub struct NoSubscription();

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
}

/// Builds the schema with the configured limits. `extra` extensions are
/// added after the built-in ones (used by tests for fault injection).
pub fn build_schema(
    limits: &GraphqlLimits,
    tokens: Arc<TokenService>,
    rate_limits: RateLimits,
    live: LiveHub,
    push: Arc<crate::push::service::PushConfig>,
    accounts: Arc<crate::identity::AccountServices>,
    extra: Vec<Arc<dyn ExtensionFactory>>,
) -> AppSchema {
    let mut builder = builder()
        .data(tokens)
        .data(accounts)
        .data(rate_limits)
        .data(live)
        .data(push)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursion)
        .limit_directives(limits.max_directives)
        .extension(graphql::guard::Guard {
            max_query_bytes: limits.max_query_bytes,
            max_aliases: limits.max_aliases,
        })
        .extension(graphql::labels::OperationLabel)
        // Our own depth limit: async-graphql's counts introspection fields.
        .extension(graphql::depth::DepthLimit {
            max_depth: limits.max_depth,
            introspection: limits.introspection,
        });
    for extension in extra {
        builder = builder.extension(ArcExtension(extension));
    }
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if !limits.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

struct ArcExtension(Arc<dyn ExtensionFactory>);

impl ExtensionFactory for ArcExtension {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        self.0.create()
    }
}

/// The schema's SDL, sorted so the checked-in `schema.graphql` diffs cleanly.
pub fn sdl() -> String {
    let sdl = builder().finish().sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    );
    format!(
        "# Closeknit GraphQL contract. Generated by `closeknit export-schema`: do not edit.\n\n{}\n",
        sdl.trim()
    )
}

/// The schema's type registry, for unit tests of code that walks it.
#[cfg(test)]
pub(crate) fn registry() -> async_graphql::registry::Registry {
    use async_graphql::{OutputType, SubscriptionType, registry::Registry};
    let mut registry = Registry {
        query_type: QueryRoot::type_name().to_string(),
        mutation_type: Some(MutationRoot::type_name().to_string()),
        subscription_type: Some(SubscriptionRoot::type_name().to_string()),
        ..Registry::default()
    };
    <QueryRoot as OutputType>::create_type_info(&mut registry);
    <MutationRoot as OutputType>::create_type_info(&mut registry);
    <SubscriptionRoot as SubscriptionType>::create_type_info(&mut registry);
    registry
}
