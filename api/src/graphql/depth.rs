//! The depth limit, counted over the operation's own fields, and the
//! introspection budget that replaces it below `__schema` and `__type`.
//!
//! async-graphql's `limit_depth` counts every field, so the introspection
//! document that graphql-js builds (what GraphiQL, codegen, Apollo tooling,
//! Postman and Insomnia send) is refused for its nine-deep `ofType` chains.
//! Here, as graphql-armor's `ignoreIntrospection` does, the depth stops at an
//! introspection root field; what lies below it is bounded instead by its
//! own cost: the field selections it expands to, its nesting, and how many
//! lists (`types`, `fields`, `args`, ...) it nests, which is what multiplies
//! the size of the answer.
//!
//! Runs in `prepare_request` on the parsed document, before async-graphql's
//! own checks walk it. Fragments are measured once each (memoised), so the
//! measuring is linear in the document even when spreads multiply.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{
    Request, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use super::guard::too_complex;

/// Field selections below `__schema`/`__type`, fragments expanded per spread.
/// graphql-js 16's documents expand to fewer than 300.
pub const MAX_INTROSPECTION_FIELDS: usize = 1_000;
/// Nesting below and including an introspection root field. graphql-js
/// reaches 15 (`__schema types fields args type` and nine `ofType`).
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// Lists nested below an introspection root field. graphql-js nests three
/// (`types { fields { args } }`); each more multiplies the answer by the
/// size of the schema.
pub const MAX_INTROSPECTION_LISTS: usize = 3;

/// The introspection root fields: below them, only the introspection budget applies.
fn is_introspection_root(name: &str) -> bool {
    name == "__schema" || name == "__type"
}

/// List-valued fields of the introspection types (`__Schema`, `__Type`,
/// `__Field`, `__Directive`).
fn is_introspection_list(name: &str) -> bool {
    matches!(
        name,
        "types"
            | "directives"
            | "fields"
            | "args"
            | "inputFields"
            | "interfaces"
            | "possibleTypes"
            | "enumValues"
            | "locations"
    )
}

/// The shape of a document for these limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Deepest path of the operation's own fields (an introspection root
    /// field counts as one, what is below it does not).
    pub depth: usize,
    /// Field selections below and including introspection root fields.
    pub introspection_fields: usize,
    /// Deepest path below and including an introspection root field.
    pub introspection_depth: usize,
    /// Most lists nested on one path below an introspection root field.
    pub introspection_lists: usize,
}

impl Shape {
    /// Siblings: depths take the maximum, field counts add up.
    fn beside(self, other: Shape) -> Shape {
        Shape {
            depth: self.depth.max(other.depth),
            introspection_fields: self
                .introspection_fields
                .saturating_add(other.introspection_fields),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

/// Whether a selection set is the operation's own or lies below an
/// introspection root field. In `Introspection` mode, `Shape::depth` and
/// `Shape::introspection_lists` are measured from the set itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    Own,
    Introspection,
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    /// Whether introspection is measured apart (introspection enabled).
    apart: bool,
    memo: HashMap<(String, Mode), Shape>,
    visiting: HashSet<(String, Mode)>,
}

impl Walk<'_> {
    fn set(&mut self, set: &SelectionSet, mode: Mode) -> Shape {
        let mut total = Shape::default();
        for item in &set.items {
            let shape = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let below = &field.node.selection_set.node;
                    match mode {
                        Mode::Own if self.apart && is_introspection_root(name) => {
                            let inner = self.set(below, Mode::Introspection);
                            Shape {
                                depth: 1,
                                introspection_fields: inner.introspection_fields.saturating_add(1),
                                introspection_depth: inner.depth.saturating_add(1),
                                introspection_lists: inner.introspection_lists,
                            }
                        }
                        Mode::Own => {
                            let inner = self.set(below, Mode::Own);
                            Shape {
                                depth: inner.depth.saturating_add(1),
                                ..inner
                            }
                        }
                        Mode::Introspection => {
                            let inner = self.set(below, Mode::Introspection);
                            Shape {
                                depth: inner.depth.saturating_add(1),
                                introspection_fields: inner.introspection_fields.saturating_add(1),
                                introspection_depth: 0,
                                introspection_lists: inner
                                    .introspection_lists
                                    .saturating_add(usize::from(is_introspection_list(name))),
                            }
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.set(&inline.node.selection_set.node, mode)
                }
                Selection::FragmentSpread(spread) => {
                    let key = (spread.node.fragment_name.node.to_string(), mode);
                    if let Some(shape) = self.memo.get(&key) {
                        *shape
                    } else if !self.visiting.insert(key.clone()) {
                        Shape::default() // a cycle: validation rejects the document
                    } else {
                        let doc = self.doc;
                        let shape = doc
                            .fragments
                            .get(key.0.as_str())
                            .map(|f| self.set(&f.node.selection_set.node, mode))
                            .unwrap_or_default();
                        self.visiting.remove(&key);
                        self.memo.insert(key, shape);
                        shape
                    }
                }
            };
            total = total.beside(shape);
        }
        total
    }
}

/// Measures every operation of the document (as async-graphql's depth
/// limit did: all of them, not only the one that will run). With
/// `introspection` off, introspection fields count like any other (as they
/// did before: the refusal a production server gives is unchanged).
pub fn shape(doc: &ExecutableDocument, introspection: bool) -> Shape {
    let mut walk = Walk {
        doc,
        apart: introspection,
        memo: HashMap::new(),
        visiting: HashSet::new(),
    };
    doc.operations
        .iter()
        .map(|(_, op)| walk.set(&op.node.selection_set.node, Mode::Own))
        .fold(Shape::default(), Shape::beside)
}

/// Refuses (`QUERY_TOO_COMPLEX`) a document nested deeper than `max_depth`
/// in its own fields, or over the introspection budget.
pub fn check(doc: &ExecutableDocument, max_depth: usize, introspection: bool) -> ServerResult<()> {
    let shape = shape(doc, introspection);
    if shape.depth > max_depth {
        return Err(too_complex("Query is nested too deep."));
    }
    if shape.introspection_fields > MAX_INTROSPECTION_FIELDS {
        return Err(too_complex(format!(
            "The introspection query expands to more than {MAX_INTROSPECTION_FIELDS} fields."
        )));
    }
    if shape.introspection_depth > MAX_INTROSPECTION_DEPTH {
        return Err(too_complex(format!(
            "The introspection query is nested more than {MAX_INTROSPECTION_DEPTH} levels deep."
        )));
    }
    if shape.introspection_lists > MAX_INTROSPECTION_LISTS {
        return Err(too_complex(format!(
            "The introspection query nests more than {MAX_INTROSPECTION_LISTS} lists."
        )));
    }
    Ok(())
}

/// The extension applying [`check`]; added after the request guard, which
/// has parsed the document and refused oversized ones by then.
#[derive(Debug, Clone)]
pub struct DepthLimit {
    pub max_depth: usize,
    /// Introspection is enabled (`CLOSEKNIT_GRAPHQL_INTROSPECTION`).
    pub introspection: bool,
}

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for DepthLimit {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // A document that does not parse is the guard's to report.
        if let Ok(doc) = request.parsed_query() {
            check(doc, self.max_depth, self.introspection)?;
        }
        next.run(ctx, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn shape_of(q: &str) -> Shape {
        shape(&parse_query(q).unwrap(), true)
    }

    #[test]
    fn own_fields_count_as_async_graphql_counted_them() {
        assert_eq!(shape_of("{ a }").depth, 1);
        assert_eq!(shape_of("{ a { b { c } } d }").depth, 3);
        assert_eq!(
            shape_of("{ ...F } fragment F on Q { a { ...G } } fragment G on A { b { c } }").depth,
            3
        );
        assert_eq!(shape_of("{ a ... on Q { b { c } } }").depth, 2);
        assert_eq!(shape_of("query A { a } query B { b { c } }").depth, 2);
    }

    #[test]
    fn introspection_is_measured_apart() {
        let s = shape_of(
            "{ me { id } __schema { types { name fields { name type { ofType { ofType { name } } } } } } }",
        );
        assert_eq!(s.depth, 2, "__schema counts as one level");
        assert_eq!(s.introspection_fields, 9);
        assert_eq!(s.introspection_depth, 7);
        assert_eq!(s.introspection_lists, 2);
    }

    #[test]
    fn own_fields_beside_introspection_still_count() {
        let s = shape_of("{ __type(name: \"X\") { name } a { b { c { d } } } }");
        assert_eq!(s.depth, 4);
        assert_eq!(s.introspection_depth, 2);
    }

    #[test]
    fn fragments_count_by_where_they_are_spread() {
        let s = shape_of(
            "{ __schema { types { ...T ...T } } ...T } fragment T on __Type { fields { name } }",
        );
        assert_eq!(s.depth, 2, "spread at the root, the fragment is own fields");
        assert_eq!(s.introspection_fields, 6);
        assert_eq!(s.introspection_lists, 2);
    }

    #[test]
    fn nested_lists_and_of_type_chains_are_bounded() {
        let chain = format!(
            "{{ __type(name: \"X\") {{ {} name {} }} }}",
            "ofType { ".repeat(25),
            "}".repeat(25)
        );
        let err = check(&parse_query(&chain).unwrap(), 12, true).unwrap_err();
        assert!(err.message.contains("nested more than"), "{}", err.message);
        let lists =
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        let err = check(&parse_query(lists).unwrap(), 12, true).unwrap_err();
        assert!(err.message.contains("lists"), "{}", err.message);
    }

    #[test]
    fn exponential_fragments_saturate() {
        let mut q = String::from("{ __schema { ...F79 } } fragment F0 on __Schema { a b }");
        for i in 1..80 {
            q.push_str(&format!(
                " fragment F{i} on __Schema {{ ...F{p} ...F{p} }}",
                p = i - 1
            ));
        }
        assert_eq!(shape_of(&q).introspection_fields, usize::MAX);
        assert!(check(&parse_query(&q).unwrap(), 12, true).is_err());
    }

    #[test]
    fn fragment_cycles_terminate() {
        assert_eq!(shape_of("{ ...A } fragment A on Q { a { ...A } }").depth, 1);
    }

    #[test]
    fn graphql_js_documents_fit_the_budget() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/introspection");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("graphql") {
                continue;
            }
            let doc = parse_query(std::fs::read_to_string(&path).unwrap()).unwrap();
            let s = shape(&doc, true);
            assert_eq!(s.depth, 1, "{}", path.display());
            assert!(s.introspection_fields < 300, "{}: {s:?}", path.display());
            assert_eq!(s.introspection_depth, 15, "{}", path.display());
            assert_eq!(s.introspection_lists, 3, "{}", path.display());
            assert!(check(&doc, 12, true).is_ok());
            assert!(
                check(&doc, 12, false).is_err(),
                "with introspection off, the document is refused for its depth as before"
            );
            seen += 1;
        }
        assert_eq!(seen, 8);
    }
}
