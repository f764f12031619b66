//! The request guard extension: query size and alias limits (which
//! async-graphql lacks), input checks before execution (`inputs.rs`), and an
//! `extensions.code` on every error, decided by the phase that raised it
//! (parse, validation, variable coercion, argument checks, execution), never
//! by an error's wording. Complexity, recursion and directive limits are
//! async-graphql's own, configured in `mod.rs`; this extension only
//! classifies their errors. Depth is ours (`depth.rs`).

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest, NextRequest, NextValidation,
    },
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};

use super::{context::RequestCtx, inputs};
use crate::error::{ErrorCode, INTERNAL_MESSAGE};

#[derive(Debug, Clone)]
pub struct Guard {
    pub max_query_bytes: usize,
    pub max_aliases: usize,
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardRun {
            limits: self.clone(),
            variables: Mutex::default(),
            argument: Mutex::default(),
            executed: AtomicBool::new(false),
        })
    }
}

/// The guard for one request: what the input checks found, held until the
/// phase that reports it (variables after validation, arguments before
/// execution; a subscription's arguments after validation too, as
/// subscriptions have no execute phase), and whether execution started.
struct GuardRun {
    limits: Guard,
    variables: Mutex<Option<ServerError>>,
    argument: Mutex<Option<ServerError>>,
    executed: AtomicBool,
}

fn hold(slot: &Mutex<Option<ServerError>>, error: ServerError) {
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(error);
    }
}

fn take(slot: &Mutex<Option<ServerError>>) -> Option<ServerError> {
    slot.lock().ok().and_then(|mut slot| slot.take())
}

fn has_code(err: &ServerError) -> bool {
    err.extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
}

fn with_code(mut err: ServerError, code: ErrorCode) -> ServerError {
    if !has_code(&err) {
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    err
}

pub fn too_complex(message: impl Into<String>) -> ServerError {
    with_code(ServerError::new(message, None), ErrorCode::QueryTooComplex)
}

/// Size of a document with every fragment spread expanded in place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expanded {
    /// Field selections, counting a fragment's fields once per spread.
    pub fields: usize,
    /// Aliased fields, likewise.
    pub aliases: usize,
}

impl Expanded {
    fn add(self, other: Expanded) -> Expanded {
        Expanded {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
        }
    }
}

/// Measures every operation with fragments expanded (a fragment spread twice
/// counts twice), memoised per fragment so that the measuring itself is
/// linear in the document even when nested spreads multiply its expansion.
/// async-graphql's own recursion, directive and complexity checks walk the
/// expansion without a memo, so this must run (and reject) before them.
pub fn measure(doc: &ExecutableDocument) -> Expanded {
    fn set(
        doc: &ExecutableDocument,
        set_: &SelectionSet,
        memo: &mut HashMap<String, Expanded>,
        visiting: &mut HashSet<String>,
    ) -> Expanded {
        let mut total = Expanded::default();
        for item in &set_.items {
            let n = match &item.node {
                Selection::Field(field) => Expanded {
                    fields: 1,
                    aliases: usize::from(field.node.alias.is_some()),
                }
                .add(set(doc, &field.node.selection_set.node, memo, visiting)),
                Selection::InlineFragment(inline) => {
                    set(doc, &inline.node.selection_set.node, memo, visiting)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(n) = memo.get(name) {
                        *n
                    } else if !visiting.insert(name.to_string()) {
                        Expanded::default() // a cycle: validation rejects the document
                    } else {
                        let n = doc
                            .fragments
                            .get(name)
                            .map(|f| set(doc, &f.node.selection_set.node, memo, visiting))
                            .unwrap_or_default();
                        visiting.remove(name);
                        memo.insert(name.to_string(), n);
                        n
                    }
                }
            };
            total = total.add(n);
        }
        total
    }
    let mut memo = HashMap::new();
    let mut visiting = HashSet::new();
    doc.operations
        .iter()
        .map(|(_, op)| set(doc, &op.node.selection_set.node, &mut memo, &mut visiting))
        .fold(Expanded::default(), Expanded::add)
}

/// Most field selections a document may expand to.
pub const MAX_EXPANDED_FIELDS: usize = 5_000;

/// Messages of async-graphql's own limit errors.
fn is_limit_message(message: &str) -> bool {
    message.starts_with("Query is too complex")
        || message.starts_with("Query is nested too deep")
        || message.starts_with("The recursion depth of the query")
        || message.starts_with("The number of directives on the field")
        // The parser's own nesting limit.
        || message.starts_with("recursion limit exceeded")
}

/// An error of a phase before execution: `QUERY_TOO_COMPLEX` when it is
/// one of the built-in limits, else the phase's own code.
fn classify(e: ServerError, phase: ErrorCode) -> ServerError {
    let code = if is_limit_message(&e.message) {
        ErrorCode::QueryTooComplex
    } else {
        phase
    };
    with_code(e, code)
}

/// A document that does not parse, or nests past the parser's limit.
fn parse_error(e: ServerError) -> ServerError {
    classify(e, ErrorCode::GraphqlParseFailed)
}

#[async_trait::async_trait]
impl Extension for GuardRun {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        // Uncoded errors raised after validation but before execution are
        // about choosing the operation (unknown or missing operation name):
        // the client's request errors. Uncoded errors from execution are
        // unexpected and hidden.
        let executed = self.executed.load(Ordering::Acquire);
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| {
                if has_code(&e) {
                    e
                } else if !executed {
                    with_code(e, ErrorCode::BadRequest)
                } else {
                    hide(e)
                }
            })
            .collect();
        response
    }

    /// Parses the document once and measures it before anything walks it:
    /// async-graphql's own recursion, directive and complexity checks expand
    /// fragment spreads without a memo and must never see an explosive
    /// document. The parsed document is handed on, so it is not parsed again.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let limits = &self.limits;
        if request.query.len() > limits.max_query_bytes {
            return Err(too_complex(format!(
                "The query is longer than {} bytes.",
                limits.max_query_bytes
            )));
        }
        let mut variables = std::mem::take(&mut request.variables);
        let operation_name = request.operation_name.clone();
        let doc = request.parsed_query().map_err(parse_error)?;
        let size = measure(doc);
        if size.fields > MAX_EXPANDED_FIELDS {
            return Err(too_complex(format!(
                "The query expands to more than {MAX_EXPANDED_FIELDS} fields."
            )));
        }
        if size.aliases > limits.max_aliases {
            return Err(too_complex(format!(
                "The query uses {} aliases; at most {} are allowed.",
                size.aliases, limits.max_aliases
            )));
        }
        // Inputs are checked now, on the measured document, and the finding
        // held for the phase that reports it.
        let registry = &ctx.schema_env.registry;
        if let Some(operation) = inputs::selected_operation(doc, operation_name.as_deref()) {
            match inputs::coerce_variables(registry, operation, &mut variables) {
                Err(message) => hold(
                    &self.variables,
                    with_code(
                        ServerError::new(message, None),
                        ErrorCode::GraphqlValidationFailed,
                    ),
                ),
                Ok(()) => {
                    if let Err(bad) = inputs::check_arguments(registry, doc, operation, &variables)
                    {
                        let slot = if operation.ty == OperationType::Subscription {
                            &self.variables
                        } else {
                            &self.argument
                        };
                        hold(slot, bad_argument(bad));
                    }
                }
            }
        }
        request.variables = variables;
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The document was parsed in `prepare_request`; this runs the
        // built-in recursion and directive limits on it.
        next.run(ctx, query, variables).await.map_err(parse_error)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| classify(e, ErrorCode::GraphqlValidationFailed))
                .collect::<Vec<_>>()
        })?;
        // A valid document, but variables that do not fit it (or, for a
        // subscription, arguments that cannot be used).
        match take(&self.variables) {
            Some(error) => Err(vec![error]),
            None => Ok(result),
        }
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let (Some(name), Some(request)) = (operation_name, ctx.data_opt::<RequestCtx>()) {
            let _ = request.operation.set(name.to_string());
        }
        // An argument that cannot be used refuses the whole operation before
        // any of it runs.
        if let Some(error) = take(&self.argument) {
            return Response::from_errors(vec![error]);
        }
        self.executed.store(true, Ordering::Release);
        if let Some(request) = ctx.data_opt::<RequestCtx>() {
            request.executed.store(true, Ordering::Release);
        }
        let mut response = next.run(ctx, operation_name).await;
        // Every error a resolver can raise carries a code; one without is
        // unexpected (arguments were checked above), so it is hidden.
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| if has_code(&e) { e } else { hide(e) })
            .collect();
        response
    }
}

/// `BAD_USER_INPUT` for an argument refused before execution.
fn bad_argument(bad: inputs::BadArgument) -> ServerError {
    let error: async_graphql::Error =
        crate::error::AppError::bad_input(bad.field, bad.message).into();
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}

/// An error raised without our error type: log it, never show its text.
fn hide(e: ServerError) -> ServerError {
    tracing::error!(error = %e.message, path = ?e.path, "uncoded GraphQL error");
    let mut hidden = ServerError::new(INTERNAL_MESSAGE, None);
    hidden.path = e.path;
    hidden.locations = e.locations;
    with_code(hidden, ErrorCode::InternalServerError)
}

/// The code of an error, if it has one.
pub fn code_of(err: &ServerError) -> Option<String> {
    match err.extensions.as_ref()?.get("code")? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn aliases(q: &str) -> usize {
        measure(&parse_query(q).unwrap()).aliases
    }

    #[test]
    fn counts_aliases_through_fragments() {
        assert_eq!(aliases("{ a: x b: x c { d: y } }"), 3);
        assert_eq!(
            aliases("{ ...F ...F } fragment F on Q { a: x b: x }"),
            4,
            "a fragment spread twice counts twice"
        );
        assert_eq!(
            aliases(
                "{ ...C } fragment A on Q { a: x b: x } fragment B on Q { ...A ...A ...A } \
                 fragment C on Q { ...B ...B ...B }"
            ),
            18
        );
        assert_eq!(aliases("{ ... on Q { a: x } }"), 1);
    }

    #[test]
    fn fragment_cycles_terminate() {
        assert_eq!(aliases("{ ...A } fragment A on Q { a: x ...A }"), 1);
    }

    #[test]
    fn exponential_fragment_nesting_saturates_instead_of_overflowing() {
        let mut q = String::from("{ ...F0 } fragment F0 on Q { a: x b: x }");
        for i in 1..80 {
            q.push_str(&format!(
                " fragment F{i} on Q {{ ...F{p} ...F{p} }}",
                p = i - 1
            ));
        }
        q = q.replacen("...F0", "...F79", 1);
        assert_eq!(aliases(&q), usize::MAX);
        assert_eq!(measure(&parse_query(&q).unwrap()).fields, usize::MAX);
    }

    #[test]
    fn fields_are_counted_per_spread() {
        let doc = parse_query("{ a { b c } ...F ...F } fragment F on Q { d e }").unwrap();
        assert_eq!(measure(&doc).fields, 7);
    }
}
