//! Schema-driven fuzzing: every query and mutation in `schema.graphql`,
//! sent with generated bad and extreme values (wrong types, missing and null
//! variables, empty and 60 KB strings, control characters, NUL, bidi
//! controls, emoji, nil and wrong-type ids, negative and huge numbers,
//! impossible dates and dates at the ends of the range), anonymously and
//! signed in. A case fails on any 5xx, any `INTERNAL_SERVER_ERROR`, any
//! request not answered within the request timeout, and any row written by
//! a refused request (audit records and security events aside).
//!
//! Seeded and reproducible: `CLOSEKNIT_FUZZ_SEED` (default below) and
//! `CLOSEKNIT_FUZZ_CASES` (default 600 per database in the dev profile, and
//! a third as many in the production profile). A longer run:
//! `CLOSEKNIT_FUZZ_CASES=20000 cargo test -p closeknit-tests --test hardening fuzz -- --nocapture`

use std::{collections::BTreeMap, time::Duration};

use async_graphql::parser::{
    parse_schema,
    types::{BaseType, Type, TypeKind, TypeSystemDefinition},
};
use closeknit_tests::{TestApp, error_codes};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Map, Value, json};

const DEFAULT_SEED: u64 = 0xC105_E417;
const DEFAULT_CASES: usize = 600;
const REQUEST_TIMEOUT_MS: u64 = 5000;
/// Tables a refused request may still write to: the record of the refusal.
const MAY_CHANGE: [&str; 3] = ["audit_events", "security_events", "seaql_migrations"];

#[derive(Debug, Clone)]
struct InputDef {
    name: String,
    ty: Type,
    has_default: bool,
}

#[derive(Debug, Clone)]
struct FieldDef {
    name: String,
    args: Vec<InputDef>,
    ty: Type,
}

#[derive(Debug)]
enum Def {
    Scalar,
    Enum(Vec<String>),
    Input(Vec<InputDef>),
    Composite,
}

struct Schema {
    types: BTreeMap<String, Def>,
    queries: Vec<FieldDef>,
    mutations: Vec<FieldDef>,
}

fn input(def: &async_graphql::parser::types::InputValueDefinition) -> InputDef {
    InputDef {
        name: def.name.node.to_string(),
        ty: def.ty.node.clone(),
        has_default: def.default_value.is_some(),
    }
}

fn load_schema() -> Schema {
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
        .expect("schema.graphql");
    let doc = parse_schema(&sdl).expect("schema.graphql parses");
    let (mut query, mut mutation) = ("Query".to_string(), "Mutation".to_string());
    let mut types = BTreeMap::new();
    let mut objects: BTreeMap<String, Vec<FieldDef>> = BTreeMap::new();
    for definition in doc.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                if let Some(q) = &schema.node.query {
                    query = q.node.to_string();
                }
                if let Some(m) = &schema.node.mutation {
                    mutation = m.node.to_string();
                }
            }
            TypeSystemDefinition::Type(ty) => {
                let name = ty.node.name.node.to_string();
                let def = match &ty.node.kind {
                    TypeKind::Scalar => Def::Scalar,
                    TypeKind::Enum(e) => Def::Enum(
                        e.values
                            .iter()
                            .map(|v| v.node.value.node.to_string())
                            .collect(),
                    ),
                    TypeKind::InputObject(i) => {
                        Def::Input(i.fields.iter().map(|f| input(&f.node)).collect())
                    }
                    TypeKind::Object(o) => {
                        objects.insert(
                            name.clone(),
                            o.fields
                                .iter()
                                .map(|f| FieldDef {
                                    name: f.node.name.node.to_string(),
                                    args: f.node.arguments.iter().map(|a| input(&a.node)).collect(),
                                    ty: f.node.ty.node.clone(),
                                })
                                .collect(),
                        );
                        Def::Composite
                    }
                    _ => Def::Composite,
                };
                types.insert(name, def);
            }
            TypeSystemDefinition::Directive(_) => {}
        }
    }
    for builtin in ["Int", "Float", "String", "Boolean", "ID"] {
        types.entry(builtin.to_string()).or_insert(Def::Scalar);
    }
    Schema {
        types,
        queries: objects.remove(&query).expect("query root"),
        mutations: objects.remove(&mutation).unwrap_or_default(),
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Generates values: plausible ones for most of an input, a bad one where
/// the case aims.
struct Gen<'a> {
    schema: &'a Schema,
    rng: StdRng,
    /// Global ids seen in the demo data, of every type.
    ids: Vec<String>,
}

const BAD_STRINGS: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "a\u{0}b",
    "\u{1b}[31mred",
    "\u{7f}",
    "\u{85}",
    "\u{202E}txet desrever",
    "\u{2067}isolate",
    "\u{200B}\u{200B}",
    "\u{FEFF}",
    "👩\u{200D}👧 🏳️\u{200D}🌈",
    "line\nbreak\ttab\r\n",
    "'; DROP TABLE people; --",
    "%_\\",
    "\u{10FFFF}",
];

const BAD_DATES: &[&str] = &[
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "1900-01-01",
    "2199-12-31",
    "2200-01-01",
    "+275760-09-13",
    "2026-1-1",
    "20260101",
    "today",
];

const BAD_DATE_TIMES: &[&str] = &[
    "2026-12-07T25:00:00Z",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2026-12-07",
    "2026-12-07T10:00:00+14:00",
    "2026-12-07T10:00:00.123456789-12:00",
];

impl Gen<'_> {
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items.choose(&mut self.rng).expect("non-empty").clone()
    }

    fn global_id(&mut self) -> String {
        if self.ids.is_empty() {
            "bm9uZQ".to_string()
        } else {
            let ids = self.ids.clone();
            self.pick(&ids)
        }
    }

    /// A value the type accepts, shaped like real input.
    fn valid(&mut self, ty: &Type, field: &str, depth: usize) -> Value {
        if ty.nullable && (depth > 3 || self.rng.random_bool(0.3)) {
            return Value::Null;
        }
        match &ty.base {
            BaseType::List(inner) => {
                let n = self.rng.random_range(0..3);
                Value::Array(
                    (0..n)
                        .map(|_| self.valid(inner, field, depth + 1))
                        .collect(),
                )
            }
            BaseType::Named(name) => self.valid_named(name.as_str(), field, depth),
        }
    }

    fn valid_named(&mut self, name: &str, field: &str, depth: usize) -> Value {
        let today = chrono::Utc::now().date_naive();
        match self.schema.types.get(name) {
            Some(Def::Enum(values)) => Value::String(self.pick(values)),
            Some(Def::Input(fields)) => {
                let mut object = Map::new();
                for f in fields.clone() {
                    if (f.ty.nullable || f.has_default) && self.rng.random_bool(0.5) {
                        continue;
                    }
                    let value = self.valid(&f.ty, &f.name, depth + 1);
                    object.insert(f.name.clone(), value);
                }
                Value::Object(object)
            }
            _ => match name {
                "Int" => json!(self.rng.random_range(1..4)),
                "Float" => json!(self.rng.random_range(0.0..100.0)),
                "Boolean" => json!(self.rng.random_bool(0.5)),
                "ID" => Value::String(self.global_id()),
                "NaiveDate" => {
                    let offset = self.rng.random_range(-400..400);
                    json!((today + chrono::Duration::days(offset)).to_string())
                }
                "DateTime" => json!(
                    (chrono::Utc::now() - chrono::Duration::hours(self.rng.random_range(0..500)))
                        .to_rfc3339()
                ),
                "JSON" => json!({"a": 1}),
                _ => Value::String(match field {
                    f if f.contains("mail") => "nobody@fuzz.example".into(),
                    f if f.contains("imeZone") => "Europe/London".into(),
                    f if f == "start" || f == "end" => "22:00".into(),
                    f if f.contains("code") => "123456".into(),
                    _ => "Synthetic text".into(),
                }),
            },
        }
    }

    /// A value meant to be refused (or to sit at an edge) for this type.
    fn bad(&mut self, ty: &Type) -> Option<Value> {
        // None means "leave it out".
        if self.rng.random_bool(0.08) {
            return None;
        }
        if self.rng.random_bool(0.1) {
            return Some(Value::Null);
        }
        if self.rng.random_bool(0.15) {
            let wrong = [
                json!(123),
                json!(-1),
                json!(true),
                json!("x"),
                json!([]),
                json!({}),
                json!([null]),
                json!({"a": {"b": [1, 2]}}),
                json!(1.5),
            ];
            return Some(self.pick(&wrong));
        }
        if let BaseType::List(inner) = &ty.base {
            return Some(match self.rng.random_range(0..4) {
                0 => json!([]),
                1 => json!([null, null]),
                2 => Value::Array(
                    (0..self.rng.random_range(100..300))
                        .map(|_| self.valid(inner, "", 3))
                        .collect(),
                ),
                _ => Value::Array(vec![self.bad(inner).unwrap_or(Value::Null)]),
            });
        }
        let name = named(ty).to_string();
        Some(match (self.schema.types.get(&name), name.as_str()) {
            (Some(Def::Enum(values)), _) => match self.rng.random_range(0..3) {
                0 => json!("NOT_A_VALUE"),
                1 => json!(self.pick(values).to_lowercase()),
                _ => json!(""),
            },
            (Some(Def::Input(_)), _) => {
                // A plausible object with one field made bad.
                let mut value = self.valid_named(&name, "", 0);
                if let (Value::Object(object), Some(Def::Input(fields))) =
                    (&mut value, self.schema.types.get(&name))
                    && let Some(field) = fields.choose(&mut self.rng)
                {
                    let field = field.clone();
                    match self.bad(&field.ty) {
                        Some(v) => object.insert(field.name.clone(), v),
                        None => object.remove(&field.name),
                    };
                }
                value
            }
            (_, "Int" | "Float") => {
                let numbers = [
                    json!(0),
                    json!(-1),
                    json!(-2147483648i64),
                    json!(2147483647),
                    json!(2147483648i64),
                    json!(9007199254740993i64),
                    json!(-9007199254740993i64),
                    json!(1e300),
                    json!(-0.0),
                ];
                self.pick(&numbers)
            }
            (_, "ID") => match self.rng.random_range(0..5) {
                0 => json!(closeknit_tests::global_id(
                    "StayingClosePlan",
                    uuid::Uuid::nil()
                )),
                1 => json!(closeknit_tests::global_id(
                    "YoungPerson",
                    uuid::Uuid::new_v4()
                )),
                2 => json!(closeknit_tests::global_id(
                    "NoSuchType",
                    uuid::Uuid::new_v4()
                )),
                3 => json!("!!not base64!!"),
                _ => json!(uuid::Uuid::new_v4().to_string()),
            },
            (_, "NaiveDate") => json!(self.pick(BAD_DATES)),
            (_, "DateTime") => json!(self.pick(BAD_DATE_TIMES)),
            (_, "Boolean") => json!("true"),
            _ => match self.rng.random_range(0..6) {
                0 => json!("a".repeat(60 * 1024)),
                1 => json!("é".repeat(20_000)),
                _ => json!(self.pick(BAD_STRINGS)),
            },
        })
    }
}

/// One request: the document, its variables, and what it is about.
struct Case {
    label: String,
    query: String,
    variables: Value,
}

fn selection(schema: &Schema, ty: &Type) -> &'static str {
    match schema.types.get(named(ty)) {
        Some(Def::Composite) => " { __typename }",
        _ => "",
    }
}

fn make_case(g: &mut Gen, mutation: bool) -> Case {
    let fields = if mutation {
        &g.schema.mutations
    } else {
        &g.schema.queries
    };
    let field = fields.choose(&mut g.rng).expect("root fields").clone();
    let mut definitions = Vec::new();
    let mut arguments = Vec::new();
    let mut variables = Map::new();
    let target = (!field.args.is_empty()).then(|| g.rng.random_range(0..field.args.len()));
    for (i, arg) in field.args.iter().enumerate() {
        definitions.push(format!("${}: {}", arg.name, arg.ty));
        arguments.push(format!("{0}: ${0}", arg.name));
        let value = if Some(i) == target {
            g.bad(&arg.ty)
        } else {
            Some(g.valid(&arg.ty, &arg.name, 0))
        };
        if let Some(value) = value {
            variables.insert(arg.name.clone(), value);
        }
    }
    // Now and then, everything left out at once.
    if g.rng.random_bool(0.05) {
        variables.clear();
    }
    let kind = if mutation { "mutation" } else { "query" };
    let defs = if definitions.is_empty() {
        String::new()
    } else {
        format!("({})", definitions.join(", "))
    };
    let args = if arguments.is_empty() {
        String::new()
    } else {
        format!("({})", arguments.join(", "))
    };
    let query = format!(
        "{kind} Fuzz{defs} {{ {}{args}{} }}",
        field.name,
        selection(g.schema, &field.ty)
    );
    Case {
        label: format!("{kind} {}", field.name),
        query,
        variables: Value::Object(variables),
    }
}

/// Row counts of every table a refused request must not change.
async fn fingerprint(app: &TestApp, tables: &[String]) -> String {
    let parts: Vec<String> = tables
        .iter()
        .map(|t| format!("'{t}=' || (SELECT COUNT(*) FROM \"{t}\")"))
        .collect();
    let sql = format!("SELECT {}", parts.join(" || ',' || "));
    let rows = closeknit::db::raw::query(&app.db, &sql, vec![])
        .await
        .expect("fingerprint");
    rows[0]
        .try_get_by_index::<String>(0)
        .expect("fingerprint text")
}

async fn tables(app: &TestApp) -> Vec<String> {
    let sql = if closeknit_tests::on_postgres() {
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
    };
    closeknit::db::raw::query(&app.db, sql, vec![])
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("name"))
        .filter(|t| !MAY_CHANGE.contains(&t.as_str()))
        .collect()
}

/// Global ids the adviser and the admin can see, to reach past NOT_FOUND.
async fn demo_ids(app: &TestApp, token: &str) -> Vec<String> {
    let (_, body) = app
        .graphql_as(
            token,
            "{ stayingClosePlans(first: 20) { edges { node { id goals { id } claims { id } youngPerson { id } } } } \
               localAuthorities(first: 5) { nodes { id } } }",
            json!({}),
        )
        .await;
    let mut ids = Vec::new();
    collect_ids(&body["data"], &mut ids);
    ids.sort();
    ids.dedup();
    ids
}

fn collect_ids(value: &Value, ids: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("id", Value::String(id)) => ids.push(id.clone()),
                    _ => collect_ids(v, ids),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, ids)),
        _ => {}
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn fuzz_app() -> closeknit_tests::TestAppBuilder {
    TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .env(
            "CLOSEKNIT_REQUEST_TIMEOUT_MS",
            &REQUEST_TIMEOUT_MS.to_string(),
        )
}

#[tokio::test]
async fn fuzzed_inputs_never_fault_hang_or_write_when_refused() {
    let app = fuzz_app().spawn().await;
    let seed = env_or("CLOSEKNIT_FUZZ_SEED", DEFAULT_SEED);
    run(
        app,
        "dev",
        seed,
        env_or("CLOSEKNIT_FUZZ_CASES", DEFAULT_CASES),
    )
    .await;
}

/// The production profile (no introspection, no suggestions), with the demo
/// accounts loaded so that signed-in callers exist: a third of the cases.
#[tokio::test]
async fn fuzzed_inputs_in_production_never_fault_hang_or_write_when_refused() {
    let app = fuzz_app()
        .env("CLOSEKNIT_PROFILE", "production")
        .env("CLOSEKNIT_DEMO_DATA", "true")
        .env("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:9")
        .env("CLOSEKNIT_METRICS_TOKEN", "fuzz-scrape-secret")
        .env(
            "CLOSEKNIT_JWT_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg\n-----END PRIVATE KEY-----\n",
        )
        .spawn()
        .await;
    let seed = env_or("CLOSEKNIT_FUZZ_SEED", DEFAULT_SEED).wrapping_add(1);
    let cases = env_or("CLOSEKNIT_FUZZ_CASES", DEFAULT_CASES).div_ceil(3);
    run(app, "production", seed, cases).await;
}

async fn run(app: TestApp, profile: &str, seed: u64, cases: usize) {
    let schema = load_schema();
    let adviser = app.staff_token("personal.adviser@northmoor.example").await;
    let admin = app.staff_token("admin@closeknit.example").await;
    let mut ids = demo_ids(&app, &adviser).await;
    ids.extend(demo_ids(&app, &admin).await);
    let tables = tables(&app).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(REQUEST_TIMEOUT_MS + 2000))
        .build()
        .unwrap();
    let mut g = Gen {
        schema: &schema,
        rng: StdRng::seed_from_u64(seed),
        ids,
    };
    let mut failures = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for n in 0..cases {
        let mutation = g.rng.random_bool(0.6);
        let case = make_case(&mut g, mutation);
        // Sessions must survive the run: the signed-in callers do not log out.
        let viewer = match n % 3 {
            0 => None,
            1 => Some(&adviser),
            _ => Some(&admin),
        };
        let viewer = if viewer.is_some() && case.label.contains("logout") {
            None
        } else {
            viewer
        };
        let before = fingerprint(&app, &tables).await;
        let mut request = client
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": case.query, "variables": case.variables}));
        if let Some(token) = viewer {
            request = request.bearer_auth(token);
        }
        let who = if viewer.is_some() {
            "signed in"
        } else {
            "anonymous"
        };
        let describe = || {
            let mut vars = case.variables.to_string();
            if vars.len() > 300 {
                vars.truncate(300);
                vars.push_str("...");
            }
            format!("case {n} ({who}) {}: {} {vars}", case.label, case.query)
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => {
                failures.push(format!("{}: no answer: {err}", describe()));
                continue;
            }
        };
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let codes = error_codes(&body);
        let outcome = if codes.is_empty() {
            format!("{status} ok")
        } else {
            format!("{status} {}", codes.join("+"))
        };
        *tally.entry(outcome).or_default() += 1;
        if status >= 500 || codes.iter().any(|c| c == "INTERNAL_SERVER_ERROR") {
            failures.push(format!("{}: {status} {body}", describe()));
            continue;
        }
        let field = case.label.split(' ').nth(1).unwrap_or_default();
        let refused = !codes.is_empty() && body["data"][field].is_null();
        if refused {
            let after = fingerprint(&app, &tables).await;
            if after != before {
                failures.push(format!(
                    "{}: refused ({codes:?}) but rows changed:\n  before {before}\n  after  {after}",
                    describe()
                ));
            }
        }
    }
    eprintln!(
        "fuzz ({profile}): seed {seed}, {cases} cases, {} failures; outcomes {tally:?}",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "fuzz ({profile}) found {} failures (seed {seed}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
