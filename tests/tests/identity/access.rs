//! Who may see what, over real HTTP on both databases: the policy matrix
//! for every demo role (own and other authority, own and other young
//! person), field-level guards, and the audit trail those reads leave.
//! Each domain's operations have their own matrix (`advocacy_access`,
//! `training_access`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

use closeknit_tests::{
    TestApp,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    error_codes,
};
use serde_json::{Value, json};

use super::matrix::token;

const YOUNG_PEOPLE: &str =
    "{ youngPeople(first: 50) { edges { node { id givenName localAuthority { onsCode } } } } }";

/// (given name, authority code) of each young person the viewer can list.
async fn listed(app: &TestApp, token: &str) -> Result<BTreeSet<(String, String)>, Vec<String>> {
    let (_, body) = app.graphql_as(token, YOUNG_PEOPLE, json!({})).await;
    if !error_codes(&body).is_empty() {
        return Err(error_codes(&body));
    }
    Ok(body["data"]["youngPeople"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["givenName"].as_str().unwrap().to_string(),
                e["node"]["localAuthority"]["onsCode"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect())
}

/// Global ids of the young people of one authority, as its manager sees them.
async fn young_people_of(app: &TestApp, manager_token: &str) -> Vec<(String, String)> {
    let (_, body) = app.graphql_as(manager_token, YOUNG_PEOPLE, json!({})).await;
    body["data"]["youngPeople"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["givenName"].as_str().unwrap().to_string(),
                e["node"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn id_of<'a>(people: &'a [(String, String)], name: &str) -> &'a str {
    &people.iter().find(|(n, _)| n == name).unwrap().1
}

#[derive(Debug, PartialEq)]
enum Dob {
    /// The whole profile is out of reach (`node` is null).
    Hidden,
    /// The profile is visible but the date of birth is FORBIDDEN.
    Forbidden,
    Shown,
}

async fn date_of_birth(app: &TestApp, token: &str, id: &str) -> Dob {
    let (_, body) = app
        .graphql_as(
            token,
            "query($id: ID!) { node(id: $id) { ... on YoungPerson { givenName dateOfBirth } } }",
            json!({"id": id}),
        )
        .await;
    let node = &body["data"]["node"];
    if node.is_null() {
        assert!(error_codes(&body).is_empty(), "{body}");
        return Dob::Hidden;
    }
    assert_eq!(node["givenName"], "Jamie", "{body}");
    if error_codes(&body) == ["FORBIDDEN"] {
        assert!(node["dateOfBirth"].is_null());
        assert_eq!(body["errors"][0]["path"], json!(["node", "dateOfBirth"]));
        return Dob::Forbidden;
    }
    assert_eq!(node["dateOfBirth"], "2007-03-14", "{body}");
    Dob::Shown
}

/// `Ok` or the error codes of a query.
async fn outcome(app: &TestApp, token: &str, query: &str, variables: Value) -> Result<(), String> {
    let (_, body) = app.graphql_as(token, query, variables).await;
    match error_codes(&body).as_slice() {
        [] => Ok(()),
        codes => Err(codes.join(",")),
    }
}

const TRAIL: &str =
    "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 5) { edges { node { action } } } }";
const ACTIVITY: &str = "{ myActivity(first: 5) { edges { node { description } } } }";
const CLIENTS: &str = "{ apiClients(first: 5) { edges { node { name } } } }";

/// Every young person of an authority (six each in the demo data).
const ALL_NORTHMOOR: &str = "Jamie@N Riley@N Alexis@N Jordan@N Avery@N Quinn@N";
const ALL_EASTBROOK: &str = "Jamie@E Riley@E Alexis@E Jordan@E Avery@E Quinn@E";

/// One role's row of the policy matrix.
struct Row {
    email: &'static str,
    /// The young people listed (`name@N` or `name@E`).
    listed: &'static str,
    /// Northmoor's Jamie's date of birth.
    dob: Dob,
    northmoor_trail: bool,
    eastbrook_trail: bool,
    /// Their own activity log.
    activity: bool,
    api_clients: bool,
}

const fn row(
    email: &'static str,
    listed: &'static str,
    dob: Dob,
    trails: (bool, bool),
    activity: bool,
    api_clients: bool,
) -> Row {
    Row {
        email,
        listed,
        dob,
        northmoor_trail: trails.0,
        eastbrook_trail: trails.1,
        activity,
        api_clients,
    }
}

const NONE: (bool, bool) = (false, false);

#[rustfmt::skip]
const MATRIX: [Row; 12] = [
    row("young.person@northmoor.example", "Jamie@N", Dob::Shown, NONE, true, false),
    row("young.person.two@northmoor.example", "Riley@N", Dob::Hidden, NONE, true, false),
    row("kinship.carer@northmoor.example", "", Dob::Hidden, NONE, true, false),
    row("key.worker@northmoor.example", ALL_NORTHMOOR, Dob::Forbidden, NONE, false, false),
    row("personal.adviser@northmoor.example", ALL_NORTHMOOR, Dob::Shown, NONE, false, false),
    row("social.worker@northmoor.example", ALL_NORTHMOOR, Dob::Forbidden, NONE, false, false),
    row("la.manager@northmoor.example", ALL_NORTHMOOR, Dob::Shown, (true, false), false, false),
    row("la.manager@eastbrook.example", ALL_EASTBROOK, Dob::Hidden, (false, true), false, false),
    row("advocate@brightvoice.example", "", Dob::Hidden, NONE, false, false),
    row("advocacy.manager@brightvoice.example", "", Dob::Hidden, NONE, false, false),
    row("training.coordinator@kinshiplearning.example", "", Dob::Hidden, NONE, false, false),
    row("admin@closeknit.example", "", Dob::Hidden, NONE, false, true),
];

/// The (name, authority code) set a row's `listed` names.
fn wanted(list: &str) -> BTreeSet<(String, String)> {
    list.split_whitespace()
        .map(|p| {
            let (name, la) = p.split_once('@').unwrap();
            let code = if la == "N" { "E06099001" } else { "E10099002" };
            (name.to_string(), code.to_string())
        })
        .collect()
}

/// Whether a query's outcome is what the matrix allows: success, or FORBIDDEN.
fn as_allowed(allowed: bool, got: Result<(), String>) -> bool {
    if allowed {
        got.is_ok()
    } else {
        got == Err("FORBIDDEN".into())
    }
}

#[tokio::test]
async fn the_policy_matrix_holds_for_every_role() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let n_manager = app.staff_token(&format!("la.manager@{N}")).await;
    let e_manager = app.staff_token(&format!("la.manager@{E}")).await;
    let north = young_people_of(&app, &n_manager).await;
    let jamie_n = id_of(&north, "Jamie").to_string();
    let la_n = app.local_authority_id("E06099001").await;
    let la_e = app.local_authority_id("E10099002").await;

    let mut failures = Vec::new();
    for row in MATRIX {
        let email = row.email;
        let token = match email {
            "la.manager@northmoor.example" => n_manager.clone(),
            "la.manager@eastbrook.example" => e_manager.clone(),
            e => token(&app, &smtp, e).await,
        };
        let trail_n = outcome(&app, &token, TRAIL, json!({"la": la_n})).await;
        let trail_e = outcome(&app, &token, TRAIL, json!({"la": la_e})).await;
        let checks = [
            (
                "young people listed",
                listed(&app, &token).await == Ok(wanted(row.listed)),
            ),
            (
                "date of birth",
                date_of_birth(&app, &token, &jamie_n).await == row.dob,
            ),
            ("Northmoor trail", as_allowed(row.northmoor_trail, trail_n)),
            ("Eastbrook trail", as_allowed(row.eastbrook_trail, trail_e)),
            (
                "activity log",
                as_allowed(
                    row.activity,
                    outcome(&app, &token, ACTIVITY, json!({})).await,
                ),
            ),
            (
                "API clients",
                as_allowed(
                    row.api_clients,
                    outcome(&app, &token, CLIENTS, json!({})).await,
                ),
            ),
        ];
        for (what, ok) in checks {
            if !ok {
                failures.push(format!("{email}: {what}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn anonymous_viewers_are_told_to_sign_in() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
    let la = app.local_authority_id("E06099001").await;
    for (query, vars) in [
        (YOUNG_PEOPLE, json!({})),
        (TRAIL, json!({"la": la})),
        (ACTIVITY, json!({})),
        (CLIENTS, json!({})),
    ] {
        let (_, body) = app.graphql(query, vars).await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"], "{query}: {body}");
    }
}

#[tokio::test]
async fn reads_are_audited_with_the_fields_released_and_shown_in_plain_words() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let key_worker = app.staff_token(&format!("key.worker@{N}")).await;
    let jamie = id_of(&young_people_of(&app, &manager).await, "Jamie").to_string();
    let la_n = app.local_authority_id("E06099001").await;

    assert_eq!(date_of_birth(&app, &adviser, &jamie).await, Dob::Shown);
    assert_eq!(
        date_of_birth(&app, &key_worker, &jamie).await,
        Dob::Forbidden
    );

    let (_, body) = app
        .graphql_as(
            &manager,
            "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 50) { edges { node { \
             action recordType recordId fields requestId subjectId \
             actor { kind name role organisationName } } } } }",
            json!({"la": la_n}),
        )
        .await;
    let events: Vec<&Value> = body["data"]["auditTrail"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|e| e["action"] == "young_person.read" && e["recordId"] == jamie.as_str())
        .collect();
    let by = |name: &str| {
        events
            .iter()
            .find(|e| e["actor"]["name"] == name)
            .unwrap_or_else(|| panic!("no read by {name}: {body}"))
    };
    let adviser_read = by("Chris Adviser");
    assert_eq!(adviser_read["fields"], json!(["givenName", "dateOfBirth"]));
    assert_eq!(adviser_read["actor"]["role"], "personal_adviser");
    assert_eq!(adviser_read["actor"]["kind"], "ACCOUNT");
    assert_eq!(adviser_read["subjectId"], jamie.as_str());
    assert_ne!(adviser_read["requestId"], "-");
    // The key worker asked for the date of birth but was not given it.
    assert_eq!(by("Taylor Keyworker")["fields"], json!(["givenName"]));
    // Sign-ins of the authority's people are in its trail too.
    let trail = body.to_string();
    assert!(trail.contains("session.create"), "{trail}");

    // The young person sees, in plain words, who looked at their profile,
    // but not their own reads.
    let own = app.code_token(&smtp, &format!("young.person@{N}")).await;
    assert_eq!(date_of_birth(&app, &own, &jamie).await, Dob::Shown);
    let (_, body) = app
        .graphql_as(
            &own,
            "{ myActivity(first: 20) { edges { node { occurredAt description } } } }",
            json!({}),
        )
        .await;
    let lines: Vec<&str> = body["data"]["myActivity"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "You signed in.",
            "Taylor Keyworker (your key worker at Northmoor Lodge Children's Home) looked at your profile.",
            "Chris Adviser (a personal adviser at Northmoor Children's Services) looked at your profile.",
            // The manager listed the authority's young people at the start.
            "Alex Manager (a manager at Northmoor Children's Services) looked at your profile.",
        ],
        "{body}"
    );
}

#[tokio::test]
async fn a_list_audits_exactly_the_page_returned() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let count = || async {
        closeknit::db::raw::query(
            &app.db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'young_person.read'",
            vec![],
        )
        .await
        .unwrap()[0]
            .try_get_by_index::<i64>(0)
            .unwrap()
    };
    let before = count().await;
    let (_, body) = app
        .graphql_as(
            &manager,
            "{ youngPeople(first: 1) { pageInfo { hasNextPage } nodes { givenName } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["youngPeople"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        count().await,
        before + 1,
        "one profile shown, one read recorded"
    );
    // Asking only for the page info reads no profile fields, but the
    // profiles were still fetched for the viewer: each is recorded.
    let (_, body) = app
        .graphql_as(
            &manager,
            "{ youngPeople(first: 5) { pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // Five of the authority's six young people: five more reads.
    assert_eq!(count().await, before + 6);
}
