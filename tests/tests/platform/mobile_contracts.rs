//! Every operation the apps send (`mobile-contracts/<app>/*.graphql`, with
//! variables from `mobile-contracts/fixtures/<Name>.json`) must parse and
//! validate against the live server, so a schema change that breaks an app
//! fails here before it ships. Each app's operations run as its demo
//! account ([`APPS`]), on both databases. Without an expected response
//! (`fixtures/<Name>.response.json`) business errors (an id from the
//! fixtures that does not exist) are expected and contract errors are not;
//! with one, the operation must succeed against the requests [`Scene`]
//! sets up first, and its response must have the expected shape.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use closeknit_tests::{
    TestApp,
    advocacy::{ADVOCATE, assigned, own_request, referral_assigned, step},
    demo::YOUNG_PERSON,
    error_codes,
    smtp::SmtpSink,
    staying_close::day,
    training,
};
use serde_json::{Value, json};

/// Each app folder and the demo account its operations run as (an app
/// folder missing here fails the test).
const APPS: [(&str, &str); 3] = [
    ("care-leaver-app", YOUNG_PERSON),
    ("advocate-app", ADVOCATE),
    ("carer-app", KINSHIP_CARER),
];

/// The demo kinship carer (signs in with emailed codes, like young people).
const KINSHIP_CARER: &str = "kinship.carer@northmoor.example";

/// What the fixtures' `{{name}}` placeholders stand for: today's date,
/// requests the demo advocate works (the young person's own, and a social
/// worker's referral of young.person.five), or that the young person
/// withdraws, and training sessions and bookings of the carer's and the
/// young person's ([`training_scene`]).
struct Scene(BTreeMap<String, String>);

impl Scene {
    async fn set_up(app: &TestApp, young: &str, carer: &str, other_young: &str) -> Scene {
        let advocate = app.staff_token(ADVOCATE).await;
        // An own request the advocate is in touch about, with a contact
        // the young person reads back.
        let instructed = worked(app, young, &advocate).await;
        let contact = json!({"requestId": instructed, "occurredOn": day(0), "how": "IN_PERSON",
            "inTheirWords": "I need someone with me at the review.", "whatTheyWant": "To be heard."});
        let body = app
            .mutate(&advocate, "recordAdvocacyContact", contact, "record { id }")
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let to_close = worked(app, young, &advocate).await;
        let to_withdraw = step(app, young, "requestAdvocacy", own_request()).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (non_instructed, ..) = referral_assigned(app).await;
        let mut scene: BTreeMap<String, String> = [
            ("today", day(0)),
            ("instructedRequest", instructed),
            ("requestToClose", to_close),
            ("requestToWithdraw", to_withdraw),
            ("nonInstructedRequest", non_instructed),
        ]
        .map(|(k, v)| (k.to_string(), v))
        .into();
        scene.extend(training_scene(app, "carer", "KINSHIP_CARERS", carer, None).await);
        scene.extend(
            training_scene(app, "careLeaver", "CARE_LEAVERS", young, Some(other_young)).await,
        );
        Scene(scene)
    }

    /// `value` with every `{{name}}` string replaced.
    fn fill(&self, value: Value) -> Value {
        match value {
            Value::String(s) => match s.strip_prefix("{{").and_then(|s| s.strip_suffix("}}")) {
                Some(name) => json!(
                    self.0
                        .get(name)
                        .unwrap_or_else(|| panic!("no {{{{{name}}}}}"))
                ),
                None => Value::String(s),
            },
            Value::Array(items) => items.into_iter().map(|v| self.fill(v)).collect(),
            Value::Object(map) => map.into_iter().map(|(k, v)| (k, self.fill(v))).collect(),
            other => other,
        }
    }
}

/// An own request of the young person, assigned to the advocate, who has
/// made first contact: its id.
async fn worked(app: &TestApp, young: &str, advocate: &str) -> String {
    let request = step(app, young, "requestAdvocacy", own_request()).await;
    let (id, _) = assigned(app, &request).await;
    step(
        app,
        advocate,
        "recordAdvocacyFirstContact",
        json!({"requestId": id}),
    )
    .await;
    id
}

/// A session of a new course for `audience` that `token` may book
/// (`{{<who>Session}}`), one of theirs booked to cancel
/// (`{{<who>BookingToCancel}}`), and two offered places, to accept and to
/// decline (`{{<who>Offer}}`, `{{<who>OfferToDecline}}`). The places
/// offered are freed by `other` (a new kinship carer when `None`).
async fn training_scene(
    app: &TestApp,
    who: &str,
    audience: &str,
    token: &str,
    other: Option<&str>,
) -> Vec<(String, String)> {
    let coordinator = app.staff_token(training::COORDINATOR).await;
    let (_, facilitator) = training::facilitator(app).await;
    let course = training::course(app, &coordinator, &[audience], 24).await;
    let session = |places| {
        let (coordinator, course, facilitator) = (&coordinator, &course, &facilitator);
        async move {
            training::session(
                app,
                coordinator,
                course,
                facilitator,
                &training::Plan::places(places),
            )
            .await
        }
    };
    let other = match other {
        Some(other) => other.to_string(),
        None => training::carers(app, "Northmoor Children's Services", 1)
            .await
            .remove(0),
    };
    let to_cancel = session(5).await;
    let booked = training::book(app, token, &to_cancel).await;
    let booking = booked["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{booked}"))
        .to_string();
    let offer = training::offered(app, &session(1).await, &other, token).await;
    let to_decline = training::offered(app, &session(1).await, &other, token).await;
    let name = |suffix: &str| format!("{who}{suffix}");
    vec![
        (name("Session"), session(5).await),
        (name("BookingToCancel"), booking),
        (name("Offer"), offer),
        (name("OfferToDecline"), to_decline),
    ]
}

/// Problems with `got` against the expected shape `want`: the same keys,
/// values of the same JSON type (a `null` in `want` allows anything), a
/// list non-empty where `want`'s is, each item shaped like one of
/// `want`'s items.
fn shape(at: &str, want: &Value, got: &Value, problems: &mut Vec<String>) {
    match (want, got) {
        (Value::Null, _) => {}
        (Value::Object(w), Value::Object(g)) => {
            let keys = |m: &serde_json::Map<String, Value>| {
                m.keys().cloned().collect::<std::collections::BTreeSet<_>>()
            };
            if keys(w) != keys(g) {
                problems.push(format!("{at}: keys {:?}, expected {:?}", keys(g), keys(w)));
                return;
            }
            for (key, w) in w {
                shape(&format!("{at}.{key}"), w, &g[key], problems);
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if !w.is_empty() && g.is_empty() {
                problems.push(format!("{at}: empty, expected items"));
            }
            for (i, item) in g.iter().enumerate() {
                let fits = |w: &Value| {
                    let mut p = Vec::new();
                    shape("", w, item, &mut p);
                    p.is_empty()
                };
                if !w.is_empty() && !w.iter().any(fits) {
                    problems.push(format!("{at}[{i}]: {item} is shaped like no expected item"));
                }
            }
        }
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => {}
        _ => problems.push(format!("{at}: {got}, expected something like {want}")),
    }
}

/// An app's operations, in name order: (name, document).
fn operations(folder: &Path) -> Vec<(String, String)> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("graphql"))
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// A fixture file's JSON, if it exists.
fn fixture(root: &Path, file: &str) -> Option<Value> {
    let text = std::fs::read_to_string(root.join("fixtures").join(file)).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}")))
}

/// Sends one operation as `token`; the problems found.
async fn check(
    app: &TestApp,
    token: &str,
    scene: &Scene,
    (name, document): (&str, &str),
) -> Vec<String> {
    let root = contracts();
    let variables =
        scene.fill(fixture(&root, &format!("{name}.json")).unwrap_or_else(|| json!({})));
    let (status, body) = app.graphql_as(token, document, variables).await;
    let codes = error_codes(&body);
    let mut problems = Vec::new();
    if codes
        .iter()
        .any(|c| c.starts_with("GRAPHQL_") || c == "BAD_REQUEST")
        || (body["data"].is_null() && codes.is_empty())
    {
        problems.push(format!("{status} {body}"));
    }
    if let Some(want) = fixture(&root, &format!("{name}.response.json")) {
        if !want["data"].is_object() {
            problems.push("the example response has no data".into());
        } else if !codes.is_empty() {
            problems.push(format!("expected success: {body}"));
        } else {
            shape("data", &want["data"], &body["data"], &mut problems);
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{name}: {p}"))
        .collect()
}

fn contracts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mobile-contracts")
}

#[tokio::test]
async fn every_app_operation_validates_against_the_schema() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .spawn()
        .await;
    let young = app.code_token(&smtp, YOUNG_PERSON).await;
    let carer = app.code_token(&smtp, KINSHIP_CARER).await;
    let other_young = app
        .code_token(&smtp, "young.person.two@northmoor.example")
        .await;
    let scene = Scene::set_up(&app, &young, &carer, &other_young).await;
    let root = contracts();
    let folders: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .filter(|f| f != "fixtures")
        .collect();
    for folder in &folders {
        assert!(
            APPS.iter().any(|(app, _)| app == folder),
            "no demo account for app {folder} in APPS"
        );
    }
    // An operation's name (its fixture's name and its metric label)
    // belongs to one app.
    let mut names = BTreeMap::new();
    let mut problems = Vec::new();
    for (folder, account) in APPS {
        let token = match account {
            YOUNG_PERSON => young.clone(),
            KINSHIP_CARER => carer.clone(),
            staff => app.staff_token(staff).await,
        };
        for (name, document) in operations(&root.join(folder)) {
            if let Some(other) = names.insert(name.clone(), folder) {
                problems.push(format!("{name}: in {other} and {folder}"));
            }
            problems.extend(check(&app, &token, &scene, (&name, &document)).await);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(names.len() >= 29, "only {} operations found", names.len());
    // The home screen returns the plan for the signed-in young person.
    let home = std::fs::read_to_string(root.join("care-leaver-app/Home.graphql")).unwrap();
    let (_, body) = app.graphql_as(&young, &home, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["myStayingClosePlan"]["goals"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
