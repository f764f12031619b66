//! The `operation` label a request gets in metrics, decided from the parsed
//! document before validation: the operation's name when the apps send it
//! (`metrics::KNOWN_OPERATIONS`), else the operation's first root field when
//! the schema has it, else `other` (see `metrics::operation_label`).

use std::{any::TypeId, sync::Arc};

use async_graphql::{
    Request, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
    registry::Registry,
};

use super::context::RequestCtx;
use crate::metrics::operation_label;

/// Records the label in the request's [`RequestCtx::metrics_label`]. Added
/// after the guard, which has parsed and size-checked the document.
#[derive(Debug, Clone, Copy)]
pub struct OperationLabel;

impl ExtensionFactory for OperationLabel {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_trait::async_trait]
impl Extension for OperationLabel {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let wanted = request.operation_name.clone();
        if let Ok(doc) = request.parsed_query() {
            let registry = &ctx.schema_env.registry;
            let label = label(doc, wanted.as_deref(), |ty, field| {
                is_root_field(registry, ty, field)
            });
            if let Some(request_ctx) = request
                .data
                .get(&TypeId::of::<RequestCtx>())
                .and_then(|d| d.downcast_ref::<RequestCtx>())
            {
                let _ = request_ctx.metrics_label.set(label);
            }
        }
        next.run(ctx, request).await
    }
}

/// The label of the operation `wanted` (or the only one) of `doc`;
/// `is_root` says whether a field is one of the schema's root fields.
pub fn label(
    doc: &ExecutableDocument,
    wanted: Option<&str>,
    is_root: impl Fn(OperationType, &str) -> bool,
) -> String {
    let Some((name, operation)) = super::inputs::named_operation(doc, wanted) else {
        return operation_label(None, None);
    };
    let root = first_field(doc, &operation.selection_set.node, 0)
        .filter(|field| is_root(operation.ty, field));
    operation_label(name, root)
}

/// The name of the first field selected, looking into fragments.
fn first_field<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    hops: usize,
) -> Option<&'a str> {
    if hops > 16 {
        return None; // a fragment cycle or absurd nesting: validation refuses it
    }
    match &set.items.first()?.node {
        Selection::Field(field) => Some(field.node.name.node.as_str()),
        Selection::InlineFragment(inline) => {
            first_field(doc, &inline.node.selection_set.node, hops + 1)
        }
        Selection::FragmentSpread(spread) => {
            let fragment = doc.fragments.get(&spread.node.fragment_name.node)?;
            first_field(doc, &fragment.node.selection_set.node, hops + 1)
        }
    }
}

/// Whether `name` is a field of the operation type's root (so one of a
/// fixed set, whatever the client sends).
fn is_root_field(registry: &Registry, ty: OperationType, name: &str) -> bool {
    if name == "__typename"
        || (ty == OperationType::Query && (name == "__schema" || name == "__type"))
    {
        return true;
    }
    let root = match ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    root.and_then(|root| registry.types.get(root))
        .and_then(|root| root.field_by_name(name))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn label_of(q: &str, wanted: Option<&str>) -> String {
        let roots = [
            "regions",
            "myStayingClosePlan",
            "addGoalProgress",
            "__typename",
        ];
        label(&parse_query(q).unwrap(), wanted, |_, f| roots.contains(&f))
    }

    #[test]
    fn known_names_then_root_fields_then_other() {
        assert_eq!(
            label_of("query Home { myStayingClosePlan { id } }", None),
            "Home"
        );
        assert_eq!(label_of("query Junk7 { __typename }", None), "__typename");
        assert_eq!(
            label_of("{ regions { edges { cursor } } }", None),
            "regions"
        );
        assert_eq!(label_of("{ nope }", None), "other", "not a root field");
        assert_eq!(label_of("query Junk { nope }", None), "other");
    }

    #[test]
    fn the_operation_that_runs_is_the_one_labelled() {
        let doc = "query Junk { regions { totalCount } } query Home { myStayingClosePlan { id } }";
        assert_eq!(label_of(doc, Some("Home")), "Home");
        assert_eq!(label_of(doc, Some("Junk")), "regions");
        assert_eq!(label_of(doc, None), "other", "ambiguous: refused later");
        assert_eq!(label_of(doc, Some("Missing")), "other");
    }

    #[test]
    fn root_fields_are_found_through_fragments() {
        assert_eq!(
            label_of(
                "{ ...F } fragment F on QueryRoot { ... on QueryRoot { regions { totalCount } } }",
                None
            ),
            "regions"
        );
        assert_eq!(
            label_of("{ ...F } fragment F on QueryRoot { ...F }", None),
            "other"
        );
        assert_eq!(
            label_of(
                "mutation Unknown { addGoalProgress(input: {}) { clientMutationId } }",
                None
            ),
            "addGoalProgress"
        );
    }
}
