//! Who may see what, over real HTTP on both databases: the policy matrix
//! for every demo role (own and other authority, own and other young
//! person), every advocacy operation (and advocacy records and shares by
//! `node`) as every demo role and anonymously, field-level guards, and the
//! audit trail those reads leave.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::{BTreeSet, HashMap};

use closeknit_tests::{
    TestApp,
    advocacy::{ADVOCATE, own_request, person, referral, step, young_person},
    demo::{EASTBROOK as E, NORTHMOOR as N},
    error_codes,
    smtp::SmtpSink,
    staying_close::day,
};
use serde_json::{Value, json};

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

/// A demo account's access token (young people and carers sign in with
/// an emailed code, staff with the demo password).
async fn token(app: &TestApp, smtp: &SmtpSink, email: &str) -> String {
    if email.starts_with("young.person") || email.starts_with("kinship.carer") {
        app.code_token(smtp, email).await
    } else {
        app.staff_token(email).await
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

/// Where an advocacy operation's target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Stage {
    Submitted,
    Accepted,
    Assigned,
    FirstContact,
}

/// What an advocacy operation acts on: nothing, young.person's own
/// request, the social worker's referral of young.person.five (both
/// assigned to the demo advocate from `Assigned` on), or something the
/// advocate added to young.person's request (see each variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum On {
    Nothing,
    Own(Stage),
    Referral(Stage),
    WithheldShare,
    /// A share on young.person's request that they were told about.
    ToldShare,
    /// A contact record on young.person's request.
    Record,
}

/// What the variables of an advocacy operation are made from.
struct Ids {
    target: String,
    la: String,
    provider: String,
    jamie: String,
    advocate: String,
}

/// An outcome: `ok`, `null`, a list that `listed` or `unlisted` the
/// target, the `access` a request is read with, or an error code.
const OK: &str = "ok";
const NULL: &str = "null";
const LISTED: &str = "listed";
const UNLISTED: &str = "unlisted";
const CONTENT: &str = "CONTENT";
const OWN: &str = "OWN";
const STATUS: &str = "STATUS";
const FORB: &str = "FORBIDDEN";
const NF: &str = "NOT_FOUND";
const BAD: &str = "BAD_USER_INPUT";
const UNAUTH: &str = "UNAUTHENTICATED";

/// The accounts of the advocacy matrix, in its columns' order.
const ACCOUNTS: [&str; 14] = [
    "young.person@northmoor.example",
    "young.person.two@northmoor.example",
    "kinship.carer@northmoor.example",
    "key.worker@northmoor.example",
    "personal.adviser@northmoor.example",
    "social.worker@northmoor.example",
    "la.manager@northmoor.example",
    "la.manager@eastbrook.example",
    "advocate@brightvoice.example",
    "advocate.two@brightvoice.example",
    "advocacy.manager@brightvoice.example",
    "training.coordinator@kinshiplearning.example",
    "admin@closeknit.example",
    ANONYMOUS,
];

/// No account: requests without a token.
const ANONYMOUS: &str = "anonymous";

/// One advocacy operation (a variant after `/`) and what each account
/// gets, by `account_reach` and `advocacy::access::reach`: the young
/// person their own request, the authority's managers its status, the
/// advocate assigned and the provider's managers its content, the
/// referrer the status of a referral; anyone else may not know it exists.
struct AdvocacyOp {
    label: &'static str,
    on: On,
    document: &'static str,
    variables: fn(&Ids) -> Value,
    expect: [&'static str; 14],
}

fn input(fields: Value) -> Value {
    json!({"input": fields})
}

fn on_target(ids: &Ids, mut fields: Value) -> Value {
    fields["requestId"] = json!(ids.target);
    input(fields)
}

/// A record or share by id, as `node` gives it.
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

#[rustfmt::skip]
fn advocacy_ops() -> Vec<AdvocacyOp> {
    use On::*;
    use Stage::*;
    let op = |label, on, document, variables, expect| AdvocacyOp { label, on, document, variables, expect };
    // Columns: young person, young person two, kinship carer, key worker,
    // personal adviser, social worker, Northmoor manager, Eastbrook
    // manager, advocate, advocate two, advocacy manager, training
    // coordinator, admin, anonymous.
    vec![
        op("myAdvocacyRequests", Own(Assigned), "{ myAdvocacyRequests(first: 50) { edges { node { id } } } }", |_| json!({}),
            [LISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("myAdvocacyReferrals", Referral(Assigned), "{ myAdvocacyReferrals(first: 50) { edges { node { id } } } }", |_| json!({}),
            [UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, LISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("advocacyCaseload", Own(Assigned), "{ advocacyCaseload(first: 50) { edges { node { id } } } }", |_| json!({}),
            [UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, LISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("advocacyQueue", Own(Assigned), "{ advocacyQueue(first: 50) { edges { node { id } } } }", |_| json!({}),
            [UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, UNLISTED, LISTED, UNLISTED, UNLISTED, UNAUTH]),
        op("authorityAdvocacyRequests", Own(Assigned), "query($la: ID!) { authorityAdvocacyRequests(localAuthorityId: $la, first: 50) { edges { node { id } } } }", |i| json!({"la": i.la}),
            [FORB, FORB, FORB, FORB, FORB, FORB, LISTED, FORB, FORB, FORB, FORB, FORB, FORB, UNAUTH]),
        op("advocacyRequest", Own(Assigned), "query($id: ID!) { advocacyRequest(id: $id) { access } }", |i| json!({"id": i.target}),
            [OWN, NULL, NULL, NULL, NULL, NULL, STATUS, NULL, CONTENT, NULL, CONTENT, NULL, NULL, NULL]),
        op("advocacyRequest/referral", Referral(Assigned), "query($id: ID!) { advocacyRequest(id: $id) { access } }", |i| json!({"id": i.target}),
            [NULL, NULL, NULL, NULL, NULL, STATUS, STATUS, NULL, CONTENT, NULL, CONTENT, NULL, NULL, NULL]),
        op("node/record", Record, NODE, |i| json!({"id": i.target}),
            [OK, NULL, NULL, NULL, NULL, NULL, NULL, NULL, OK, NULL, OK, NULL, NULL, NULL]),
        op("node/share", ToldShare, NODE, |i| json!({"id": i.target}),
            [OK, NULL, NULL, NULL, NULL, NULL, OK, NULL, OK, NULL, OK, NULL, NULL, NULL]),
        op("node/withheldShare", WithheldShare, NODE, |i| json!({"id": i.target}),
            [NULL, NULL, NULL, NULL, NULL, NULL, OK, NULL, OK, NULL, OK, NULL, NULL, NULL]),
        op("advocacyContractTerms", Nothing, "query($la: ID!, $p: ID!) { advocacyContractTerms(localAuthorityId: $la, providerId: $p) { version } }", |i| json!({"la": i.la, "p": i.provider}),
            [NULL, NULL, NULL, NULL, NULL, NULL, OK, NULL, NULL, NULL, OK, NULL, NULL, NULL]),
        op("advocacyCommissionerReport", Nothing, "query($la: ID!) { advocacyCommissionerReport(localAuthorityId: $la, from: \"2026-01-01\", to: \"2026-12-31\") { requests } }", |i| json!({"la": i.la}),
            [FORB, FORB, FORB, FORB, FORB, FORB, OK, FORB, FORB, FORB, OK, FORB, FORB, UNAUTH]),
        op("requestAdvocacy", Nothing, "requestAdvocacy", |_| input(own_request()),
            [OK, OK, FORB, BAD, BAD, BAD, BAD, BAD, FORB, FORB, FORB, FORB, FORB, UNAUTH]),
        op("requestAdvocacy/onBehalf", Nothing, "requestAdvocacy", |i| {
                let mut asked = own_request();
                asked["onBehalf"] = json!({"youngPersonId": i.jamie, "referrerRelationship": "OTHER_PROFESSIONAL", "referrerToldProgress": true});
                input(asked)
            },
            [BAD, BAD, BAD, OK, OK, OK, OK, BAD, BAD, BAD, BAD, BAD, BAD, UNAUTH]),
        op("referForNonInstructedAdvocacy", Nothing, "referForNonInstructedAdvocacy", |i| input(referral(&i.jamie)),
            [BAD, BAD, BAD, OK, OK, OK, OK, BAD, BAD, BAD, BAD, BAD, BAD, UNAUTH]),
        op("triageAdvocacyRequest", Own(Submitted), "triageAdvocacyRequest", |i| on_target(i, json!({"decision": "ACCEPT"})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, NF, NF, OK, NF, NF, UNAUTH]),
        op("assignAdvocate", Own(Accepted), "assignAdvocate", |i| on_target(i, json!({"advocateId": i.advocate})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, NF, NF, OK, NF, NF, UNAUTH]),
        op("recordAdvocacyFirstContact", Own(Assigned), "recordAdvocacyFirstContact", |i| on_target(i, json!({})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, OK, NF, NF, UNAUTH]),
        op("startAdvocacyWork", Own(FirstContact), "startAdvocacyWork", |i| on_target(i, json!({})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, OK, NF, NF, UNAUTH]),
        op("closeAdvocacyRequest", Own(FirstContact), "closeAdvocacyRequest", |i| on_target(i, json!({"outcome": "RESOLVED", "whatChanged": "The move waits."})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, OK, NF, NF, UNAUTH]),
        op("withdrawAdvocacyRequest", Own(Submitted), "withdrawAdvocacyRequest", |i| on_target(i, json!({"reason": "No longer needed."})),
            [OK, NF, NF, NF, NF, NF, FORB, NF, NF, NF, OK, NF, NF, UNAUTH]),
        op("withdrawAdvocacyRequest/referral", Referral(Assigned), "withdrawAdvocacyRequest", |i| on_target(i, json!({"reason": "Needs met elsewhere."})),
            [NF, NF, NF, NF, NF, OK, FORB, NF, FORB, NF, OK, NF, NF, UNAUTH]),
        op("changeAdvocacyKind", Referral(Assigned), "changeAdvocacyKind", |i| on_target(i, json!({"kind": "INSTRUCTED", "reason": "Now able to say what she wants."})),
            [NF, NF, NF, NF, NF, FORB, FORB, NF, OK, NF, OK, NF, NF, UNAUTH]),
        op("setAdvocacyContractTerms", Nothing, "setAdvocacyContractTerms", |i| input(json!({
                "localAuthorityId": i.la, "providerId": i.provider,
                "timescales": [
                    {"timescale": "ALLOCATION", "amount": 2, "unit": "WORKING_DAYS"},
                    {"timescale": "FIRST_CONTACT", "amount": 4, "unit": "WORKING_DAYS"},
                    {"timescale": "CLOSURE_REVIEW", "amount": 15, "unit": "WORKING_DAYS"},
                ],
            })),
            [NF, NF, NF, NF, NF, NF, OK, NF, NF, NF, FORB, NF, NF, UNAUTH]),
        op("recordAdvocacyVisit", Referral(Assigned), "recordAdvocacyVisit", |i| input(closeknit_tests::advocacy::rights_visit(&i.target)),
            [NF, NF, NF, NF, NF, FORB, FORB, NF, OK, NF, FORB, NF, NF, UNAUTH]),
        op("recordAdvocacyContact", Own(Assigned), "recordAdvocacyContact", |i| on_target(i, json!({"occurredOn": day(0), "how": "PHONE", "inTheirWords": "I want to stay."})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, FORB, NF, NF, UNAUTH]),
        op("recordAdvocacyRepresentation", Own(Assigned), "recordAdvocacyRepresentation", |i| on_target(i, json!({"occurredOn": day(0), "toWhom": "Pat Reviewer", "role": "Independent reviewing officer", "whatWasRaised": "The move."})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, FORB, NF, NF, UNAUTH]),
        op("recordAdvocacyMeeting", Own(Assigned), "recordAdvocacyMeeting", |i| on_target(i, json!({"occurredOn": day(0), "meeting": "Pathway plan review", "whoAttended": "PA, young person", "whatHappened": "The move was discussed."})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, FORB, NF, NF, UNAUTH]),
        op("recordAdvocacyOutcome", Own(Assigned), "recordAdvocacyOutcome", |i| on_target(i, json!({"occurredOn": day(0), "whatChanged": "The move waits."})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, FORB, NF, NF, UNAUTH]),
        op("shareAdvocacySafeguardingConcern", Own(Assigned), "shareAdvocacySafeguardingConcern", |i| on_target(i, json!({"reason": "Risk of harm.", "whatWasShared": "A worry about home.", "sharedWithName": "Duty team", "sharedWithRole": "MASH", "youngPersonTold": true})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, OK, NF, OK, NF, NF, UNAUTH]),
        op("recordAdvocacySafeguardingRiskPassed", WithheldShare, "recordAdvocacySafeguardingRiskPassed", |i| input(json!({"shareId": i.target})),
            [FORB, NF, NF, NF, NF, NF, FORB, NF, FORB, NF, OK, NF, NF, UNAUTH]),
    ]
}

/// The accounts that set up advocacy targets, and the people named.
struct Actors {
    young: String,
    worker: String,
    manager: String,
    advocate: String,
    advocate_id: String,
    five: String,
}

/// Moves request `id` on to `stage` (from submitted).
async fn advance(app: &TestApp, a: &Actors, id: &str, stage: Stage) {
    if stage >= Stage::Accepted {
        let accept = json!({"requestId": id, "decision": "ACCEPT"});
        step(app, &a.manager, "triageAdvocacyRequest", accept).await;
    }
    if stage >= Stage::Assigned {
        let assign = json!({"requestId": id, "advocateId": a.advocate_id});
        step(app, &a.manager, "assignAdvocate", assign).await;
    }
    if stage >= Stage::FirstContact {
        let contact = json!({"requestId": id});
        step(app, &a.advocate, "recordAdvocacyFirstContact", contact).await;
    }
}

/// A new target of kind `on`: its id (empty for `Nothing`).
async fn new_target(app: &TestApp, a: &Actors, on: On) -> String {
    let (made, stage) = match on {
        On::Nothing => return String::new(),
        On::Referral(stage) => (
            step(
                app,
                &a.worker,
                "referForNonInstructedAdvocacy",
                referral(&a.five),
            )
            .await,
            stage,
        ),
        On::Own(stage) => (
            step(app, &a.young, "requestAdvocacy", own_request()).await,
            stage,
        ),
        On::WithheldShare | On::ToldShare | On::Record => (
            step(app, &a.young, "requestAdvocacy", own_request()).await,
            Stage::Assigned,
        ),
    };
    let id = made["id"].as_str().unwrap().to_string();
    advance(app, a, &id, stage).await;
    let (mutation, mut added) = match on {
        On::Record => (
            "recordAdvocacyContact",
            json!({"occurredOn": day(0), "how": "PHONE",
                "inTheirWords": "I want to stay.", "whatTheyWant": "No move before exams."}),
        ),
        On::WithheldShare | On::ToldShare => (
            "shareAdvocacySafeguardingConcern",
            json!({"reason": "Risk of harm.", "whatWasShared": "A worry about home.",
                "sharedWithName": "Duty team", "sharedWithRole": "MASH",
                "youngPersonTold": on == On::ToldShare}),
        ),
        _ => return id,
    };
    added["requestId"] = json!(id);
    if on == On::WithheldShare {
        added["riskReason"] = json!("Someone at home reads her messages.");
    }
    let item = if on == On::Record { "record" } else { "share" };
    let body = app
        .mutate(&a.advocate, mutation, added, &format!("{item} {{ id }}"))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"][mutation][item]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// What `body` shows: an error code, `null`, whether a list holds
/// `target`, the access a request is read with, or `ok`.
fn advocacy_outcome(body: &Value, root: &str, target: &str) -> String {
    if let Some(code) = error_codes(body).first() {
        return code.clone();
    }
    let data = &body["data"][root];
    let outcome = if data.is_null() {
        NULL
    } else if let Some(edges) = data["edges"].as_array() {
        if edges.iter().any(|e| e["node"]["id"] == target) {
            LISTED
        } else {
            UNLISTED
        }
    } else if let Some(access) = data["access"].as_str() {
        access
    } else {
        OK
    };
    outcome.to_string()
}

/// The advocacy fields of the schema's query and mutation roots.
fn advocacy_root_fields() -> BTreeSet<String> {
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    let mut fields = BTreeSet::new();
    let mut in_root = false;
    for line in schema.lines() {
        if line == "type QueryRoot {" || line == "type MutationRoot {" {
            in_root = true;
        } else if line == "}" {
            in_root = false;
        } else if let Some(field) = line.strip_prefix('\t').filter(|_| in_root) {
            let name: String = field
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.to_lowercase().contains("advoca") {
                fields.insert(name);
            }
        }
    }
    fields
}

/// Sends `op` as `token` (none: anonymously); a change selects only its
/// `clientMutationId`.
async fn send(app: &TestApp, token: &str, op: &AdvocacyOp, ids: &Ids) -> Value {
    let name = op.label.split('/').next().unwrap();
    let document = if op.document.contains('{') {
        op.document.to_string()
    } else {
        let mut chars = name.chars();
        let first = chars.next().unwrap().to_ascii_uppercase();
        let input = format!("{first}{}Input", chars.as_str());
        format!("mutation($input: {input}!) {{ {name}(input: $input) {{ clientMutationId }} }}")
    };
    let variables = (op.variables)(ids);
    let (_, body) = match token {
        "" => app.graphql(&document, variables).await,
        token => app.graphql_as(token, &document, variables).await,
    };
    body
}

#[tokio::test]
async fn advocacy_operations_follow_the_policy_for_every_role() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let ops = advocacy_ops();
    let covered: BTreeSet<String> = ops
        .iter()
        .map(|op| op.label.split('/').next().unwrap().to_string())
        .collect();
    let missing: Vec<String> = advocacy_root_fields()
        .difference(&covered)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "advocacy operations not covered: {missing:?}"
    );
    let mut tokens = Vec::new();
    for email in ACCOUNTS {
        tokens.push(match email {
            ANONYMOUS => String::new(),
            e => token(&app, &smtp, e).await,
        });
    }
    let actors = Actors {
        young: tokens[0].clone(),
        worker: tokens[5].clone(),
        manager: tokens[10].clone(),
        advocate: tokens[8].clone(),
        advocate_id: person(&app, ADVOCATE).await,
        five: young_person(&app, "young.person.five").await,
    };
    let shared_request = new_target(&app, &actors, On::Own(Stage::Assigned)).await;
    let (_, body) = app
        .graphql_as(
            &actors.manager,
            "query($id: ID!) { advocacyRequest(id: $id) { providerId } }",
            json!({"id": shared_request}),
        )
        .await;
    let provider = body["data"]["advocacyRequest"]["providerId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = Ids {
        target: String::new(),
        la: app.local_authority_id("E06099001").await,
        provider,
        jamie: young_person(&app, "young.person").await,
        advocate: actors.advocate_id.clone(),
    };
    let mut shared = HashMap::from([(On::Own(Stage::Assigned), shared_request)]);
    let mut failures = Vec::new();
    for op in &ops {
        let name = op.label.split('/').next().unwrap();
        for ((email, token), want) in ACCOUNTS.iter().zip(&tokens).zip(op.expect) {
            // A change that should be allowed gets a target of its own.
            let mutation = !op.document.contains('{');
            ids.target = if mutation && want == OK {
                new_target(&app, &actors, op.on).await
            } else {
                match shared.get(&op.on) {
                    Some(id) => id.clone(),
                    None => {
                        let id = new_target(&app, &actors, op.on).await;
                        shared.insert(op.on, id.clone());
                        id
                    }
                }
            };
            let body = send(&app, token, op, &ids).await;
            let got = advocacy_outcome(&body, name, &ids.target);
            if got != want {
                failures.push(format!(
                    "{}: {email}: {got}, expected {want}: {body}",
                    op.label
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
