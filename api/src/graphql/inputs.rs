//! Input checks that async-graphql leaves to execution time, done before
//! execution starts, so that a client's mistake is always reported as the
//! client's and never surfaces as an uncoded error from inside a resolver:
//!
//! - [`coerce_variables`]: the request's variables against the types the
//!   operation declares for them (the spec's CoerceVariableValues). A
//!   missing required variable, a null for a non-null one, or a value of the
//!   wrong shape (a string for an input object, a number for a date, an
//!   object for a list, an unknown input field) is a request error
//!   (`GRAPHQL_VALIDATION_FAILED`). A missing nullable variable without a
//!   default becomes `null`, as if the argument were absent.
//! - [`check_arguments`]: every argument value of the operation (literals
//!   and what variables put in them), against its argument's type: custom
//!   scalars are parsed exactly as the resolver would parse them, so a literal
//!   that is not a date is `BAD_USER_INPUT` naming the argument path; and no
//!   string anywhere may hold a control character (`text::control_character`),
//!   so none ever reaches the database.
//!
//! Errors are classified by where they are found, never by async-graphql's
//! wording.

use std::collections::HashSet;

use async_graphql::{
    ScalarType, Value as ConstValue, Variables,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
        SelectionSet,
    },
    registry::{MetaType, MetaTypeName, Registry},
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::text::control_character;

/// The earliest and latest dates any date argument may hold. Nothing in
/// children's social care is dated outside these, and keeping dates inside
/// them means date arithmetic in the domains (ages, birthdays, timescales)
/// can never overflow.
pub const EARLIEST_YEAR: i32 = 1900;
pub const LATEST_YEAR: i32 = 2199;

/// A custom scalar's check: does this value parse as the scalar?
type ScalarCheck = fn(&ConstValue) -> bool;

fn year_in_range(year: i32) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&year)
}

/// The schema's own scalars and how each is parsed (the same parser the
/// resolver's argument uses). A scalar missing here is refused; a unit test
/// checks that every scalar in the schema is listed.
const CUSTOM_SCALARS: &[(&str, ScalarCheck, &str)] = &[
    (
        "NaiveDate",
        |v| <NaiveDate as ScalarType>::parse(v.clone()).is_ok_and(|d| year_in_range(d.year())),
        "a date (YYYY-MM-DD) between 1900 and 2199",
    ),
    (
        "DateTime",
        |v| <DateTime<Utc> as ScalarType>::parse(v.clone()).is_ok_and(|d| year_in_range(d.year())),
        "a date and time (RFC 3339, e.g. 2026-12-07T09:30:00Z) between 1900 and 2199",
    ),
    ("JSON", |_| true, "JSON"),
];

/// What a value of a built-in or custom scalar must look like, or `None`
/// when the value is acceptable.
fn scalar_problem(name: &str, value: &ConstValue) -> Option<String> {
    let ok = match name {
        "Int" => matches!(value, ConstValue::Number(n)
            if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok())),
        "Float" => matches!(value, ConstValue::Number(n) if n.as_f64().is_some_and(f64::is_finite)),
        "String" => matches!(value, ConstValue::String(_)),
        "Boolean" => matches!(value, ConstValue::Boolean(_)),
        "ID" => {
            matches!(value, ConstValue::String(_))
                || matches!(value, ConstValue::Number(n) if n.is_i64() || n.is_u64())
        }
        other => {
            return match CUSTOM_SCALARS.iter().find(|(n, _, _)| *n == other) {
                Some((_, check, _)) if check(value) => None,
                Some((_, _, expected)) => Some(format!("expected {expected}")),
                None => Some(format!("expected a value of type {other}")),
            };
        }
    };
    let expected = match name {
        "Int" => "a whole number between -2147483648 and 2147483647",
        "Float" => "a number",
        "String" => "text",
        "Boolean" => "true or false",
        _ => "an id",
    };
    (!ok).then(|| format!("expected {expected} ({name})"))
}

/// A problem found at a path inside a value.
struct Problem {
    path: String,
    message: String,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Checks `value` against the type written `ty` (`[Foo!]!` form). Unknown
/// type names are left to validation.
fn check_type(
    registry: &Registry,
    ty: &str,
    value: &ConstValue,
    path: &str,
) -> Result<(), Problem> {
    let problem = |message: String| Problem {
        path: path.to_string(),
        message,
    };
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => {
            if matches!(value, ConstValue::Null) {
                return Err(problem(format!("is required ({ty}) but was null")));
            }
            check_type(registry, inner, value, path)
        }
        MetaTypeName::List(inner) => match value {
            ConstValue::Null => Ok(()),
            ConstValue::List(items) => items.iter().enumerate().try_for_each(|(i, item)| {
                check_type(registry, inner, item, &format!("{path}[{i}]"))
            }),
            // A single value stands for a list of one (input coercion).
            other => check_type(registry, inner, other, path),
        },
        MetaTypeName::Named(name) => {
            if matches!(value, ConstValue::Null) {
                return Ok(());
            }
            match registry.types.get(name) {
                None => Ok(()),
                Some(MetaType::Scalar { .. }) => match scalar_problem(name, value) {
                    Some(message) => Err(problem(message)),
                    None => Ok(()),
                },
                Some(MetaType::Enum { enum_values, .. }) => {
                    let known = match value {
                        ConstValue::Enum(v) => enum_values.contains_key(v.as_str()),
                        ConstValue::String(v) => enum_values.contains_key(v.as_str()),
                        _ => false,
                    };
                    if known {
                        Ok(())
                    } else {
                        let values: Vec<&str> = enum_values.keys().map(String::as_str).collect();
                        Err(problem(format!("expected one of {}", values.join(", "))))
                    }
                }
                Some(MetaType::InputObject {
                    input_fields,
                    oneof,
                    ..
                }) => {
                    let ConstValue::Object(fields) = value else {
                        return Err(problem(format!("expected an object ({name})")));
                    };
                    if let Some(unknown) = fields
                        .keys()
                        .find(|k| !input_fields.contains_key(k.as_str()))
                    {
                        return Err(Problem {
                            path: join(path, unknown),
                            message: format!("is not a field of {name}"),
                        });
                    }
                    if *oneof
                        && fields
                            .values()
                            .filter(|v| !matches!(v, ConstValue::Null))
                            .count()
                            != 1
                    {
                        return Err(problem(format!("must set exactly one field of {name}")));
                    }
                    for (field, meta) in input_fields {
                        let here = join(path, field);
                        match fields.get(field.as_str()) {
                            Some(v) => check_type(registry, &meta.ty, v, &here)?,
                            None if meta.default_value.is_none()
                                && MetaTypeName::create(&meta.ty).is_non_null() =>
                            {
                                return Err(Problem {
                                    path: here,
                                    message: format!("is required ({})", meta.ty),
                                });
                            }
                            None => {}
                        }
                    }
                    Ok(())
                }
                // Output types cannot be inputs: validation reports that.
                Some(_) => Ok(()),
            }
        }
    }
}

/// The operation a request will run, as async-graphql selects it.
pub fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    named_operation(doc, name).map(|(_, op)| op)
}

/// The operation a request will run, with its name when it has one: the
/// one asked for by name, or the document's only operation.
pub fn named_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'d str>, &'d OperationDefinition)> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some((None, &op.node)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .get_key_value(name)
            .map(|(name, op)| (Some(name.as_str()), &op.node)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(name, op)| (Some(name.as_str()), &op.node)),
        _ => None,
    }
}

/// Coerces `variables` against `operation`'s variable definitions; the
/// error is the message of a `GRAPHQL_VALIDATION_FAILED` request error.
pub fn coerce_variables(
    registry: &Registry,
    operation: &OperationDefinition,
    variables: &mut Variables,
) -> Result<(), String> {
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let ty = definition.var_type.node.to_string();
        match variables.get(name) {
            None if definition.default_value.is_some() => {}
            None if !definition.var_type.node.nullable => {
                return Err(format!(
                    "Variable \"${name}\" of required type \"{ty}\" was not provided."
                ));
            }
            None => {
                // Absent and nullable: the argument it fills is absent.
                variables.insert(name.clone(), ConstValue::Null);
            }
            Some(value) => {
                if let Err(problem) = check_type(registry, &ty, value, "") {
                    let at = if problem.path.is_empty() {
                        String::new()
                    } else {
                        format!(" at \"{}\"", problem.path)
                    };
                    return Err(format!(
                        "Variable \"${name}\" got an invalid value{at}: {}.",
                        problem.message.trim_end_matches('.')
                    ));
                }
            }
        }
    }
    Ok(())
}

/// An argument that cannot be used: the `BAD_USER_INPUT` field and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadArgument {
    pub field: String,
    pub message: String,
}

/// Checks every argument of `operation` (fragments included), with the
/// (already coerced) `variables` substituted.
pub fn check_arguments(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation: &OperationDefinition,
    variables: &Variables,
) -> Result<(), BadArgument> {
    let root = match operation.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let mut walk = Walk {
        registry,
        doc,
        variables,
        seen_fragments: HashSet::new(),
    };
    walk.selection_set(
        &operation.selection_set.node,
        root.and_then(|r| registry.types.get(r)),
    )
}

struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    seen_fragments: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        parent: Option<&'a MetaType>,
    ) -> Result<(), BadArgument> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let meta = parent.and_then(|p| p.field_by_name(field.name.node.as_str()));
                    for (name, value) in &field.arguments {
                        // Undefined variables are validation's to report.
                        let Ok(value) = value
                            .node
                            .clone()
                            .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                        else {
                            continue;
                        };
                        let ty = meta
                            .and_then(|m| m.args.get(name.node.as_str()))
                            .map(|a| a.ty.as_str());
                        self.argument(name.node.as_str(), &value, ty)?;
                    }
                    let child = meta.and_then(|m| {
                        self.registry
                            .types
                            .get(MetaTypeName::concrete_typename(&m.ty))
                    });
                    self.selection_set(&field.selection_set.node, child)?;
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let ty = match &inline.type_condition {
                        Some(cond) => self.registry.types.get(cond.node.on.node.as_str()),
                        None => parent,
                    };
                    self.selection_set(&inline.selection_set.node, ty)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !self.seen_fragments.insert(name) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(name) {
                        let ty = self
                            .registry
                            .types
                            .get(fragment.node.type_condition.node.on.node.as_str());
                        self.selection_set(&fragment.node.selection_set.node, ty)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn argument(
        &self,
        name: &str,
        value: &ConstValue,
        ty: Option<&str>,
    ) -> Result<(), BadArgument> {
        let path = name.to_string();
        if let Some(problem) = strings_with_controls(value, &path) {
            return Err(problem);
        }
        if let Some(ty) = ty
            && let Err(problem) = check_type(self.registry, ty, value, &path)
        {
            return Err(BadArgument {
                field: problem.path,
                message: problem.message,
            });
        }
        Ok(())
    }
}

/// The first string inside `value` holding a control character.
fn strings_with_controls(value: &ConstValue, path: &str) -> Option<BadArgument> {
    match value {
        ConstValue::String(s) => control_character(s).map(|c| BadArgument {
            field: path.to_string(),
            message: format!(
                "must not contain control characters (found U+{:04X})",
                u32::from(c)
            ),
        }),
        ConstValue::List(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| strings_with_controls(item, &format!("{path}[{i}]"))),
        ConstValue::Object(fields) => fields
            .iter()
            .find_map(|(k, v)| strings_with_controls(v, &join(path, k))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;
    use serde_json::json;

    fn registry() -> Registry {
        crate::schema::registry()
    }

    fn vars(value: serde_json::Value) -> Variables {
        Variables::from_json(value)
    }

    fn coerce(query: &str, variables: serde_json::Value) -> Result<Variables, String> {
        let doc = parse_query(query).unwrap();
        let op = selected_operation(&doc, None).unwrap();
        let mut v = vars(variables);
        coerce_variables(&registry(), op, &mut v).map(|()| v)
    }

    fn arguments(query: &str, variables: serde_json::Value) -> Result<(), BadArgument> {
        let doc = parse_query(query).unwrap();
        let op = selected_operation(&doc, None).unwrap();
        check_arguments(&registry(), &doc, op, &vars(variables))
    }

    const GOAL: &str =
        "mutation($i: AddPlanGoalInput!) { addPlanGoal(input: $i) { clientMutationId } }";

    #[test]
    fn every_schema_scalar_has_a_parser() {
        for (name, ty) in &registry().types {
            if let MetaType::Scalar { .. } = ty {
                let builtin = ["Int", "Float", "String", "Boolean", "ID"].contains(&name.as_str());
                assert!(
                    builtin || CUSTOM_SCALARS.iter().any(|(n, _, _)| n == name),
                    "scalar {name} has no entry in CUSTOM_SCALARS"
                );
            }
        }
    }

    #[test]
    fn missing_and_null_required_variables_are_refused() {
        let err = coerce(GOAL, json!({})).unwrap_err();
        assert!(
            err.contains("\"$i\"") && err.contains("not provided"),
            "{err}"
        );
        let err = coerce(GOAL, json!({"i": null})).unwrap_err();
        assert!(err.contains("null"), "{err}");
    }

    #[test]
    fn wrong_shapes_are_refused_with_their_path() {
        let err = coerce(GOAL, json!({"i": "x"})).unwrap_err();
        assert!(err.contains("expected an object"), "{err}");
        let err = coerce(
            "mutation($d: NaiveDate!) { x(d: $d) }",
            json!({"d": 20260101}),
        )
        .unwrap_err();
        assert!(err.contains("date"), "{err}");
        let err = coerce(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": {"a": 1}}),
        )
        .unwrap_err();
        assert!(err.contains("an id"), "{err}");
        let err = coerce(
            GOAL,
            json!({"i": {"planId": "p", "expectedVersion": 1, "title": "t", "section": "HOUSING", "bogus": 1}}),
        )
        .unwrap_err();
        assert!(err.contains("i.bogus") || err.contains("bogus"), "{err}");
        let err = coerce(
            "query($n: Int) { regions(first: $n) { totalCount } }",
            json!({"n": 1e12}),
        )
        .unwrap_err();
        assert!(err.contains("whole number"), "{err}");
        let err = coerce(
            "query($d: NaiveDate) { a(d: $d) }",
            json!({"d": "0001-01-01"}),
        )
        .unwrap_err();
        assert!(err.contains("1900"), "{err}");
    }

    #[test]
    fn absent_nullable_variables_become_null_and_single_values_lists() {
        let v = coerce(
            "query($n: Int) { regions(first: $n) { totalCount } }",
            json!({}),
        )
        .unwrap();
        assert_eq!(v.get("n"), Some(&ConstValue::Null));
        assert!(
            coerce(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({"ids": "abc"})
            )
            .is_ok()
        );
    }

    #[test]
    fn control_characters_in_arguments_name_the_field() {
        let err = arguments(
            "mutation($t: String!) { unregisterPushDevice(input: {token: $t}) { removed } }",
            json!({"t": "\u{0}"}),
        )
        .unwrap_err();
        assert_eq!(err.field, "input.token");
        let err =
            arguments("{ deadJobs(kind: \"a\\u0000\") { totalCount } }", json!({})).unwrap_err();
        assert_eq!(err.field, "kind");
        assert!(
            arguments(
                "{ deadJobs(kind: \"line\\nbreak\") { totalCount } }",
                json!({})
            )
            .is_ok()
        );
    }

    #[test]
    fn literal_custom_scalars_are_parsed_before_execution() {
        let err = arguments(
            "{ myStayingClosePlanChanges(since: \"yesterday\") { plan { id } } }",
            json!({}),
        )
        .unwrap_err();
        assert_eq!(err.field, "since");
        assert!(
            arguments(
                "{ myStayingClosePlanChanges(since: \"2026-12-01T00:00:00Z\") { plan { id } } }",
                json!({})
            )
            .is_ok()
        );
    }
}
