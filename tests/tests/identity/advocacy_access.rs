//! Every advocacy operation (and advocacy records and shares by `node`)
//! as every demo role and anonymously, over real HTTP on both databases:
//! what each account gets, by `account_reach` and
//! `advocacy::access::reach`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::HashMap;

use closeknit_tests::{
    TestApp,
    advocacy::{ADVOCATE, own_request, person, referral, step, young_person},
    staying_close::day,
};
use serde_json::{Value, json};

use super::matrix::{
    ANONYMOUS, BAD, FORB, LISTED, NF, NULL, OK, UNAUTH, UNLISTED, assert_covered, input, outcome,
    send, tokens,
};

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
const CONTENT: &str = "CONTENT";
const OWN: &str = "OWN";
const STATUS: &str = "STATUS";

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

#[tokio::test]
async fn advocacy_operations_follow_the_policy_for_every_role() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let ops = advocacy_ops();
    assert_covered("advoca", ops.iter().map(|op| op.label));
    let tokens = tokens(&app, &smtp, &ACCOUNTS).await;
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
            let body = send(&app, token, op.label, op.document, (op.variables)(&ids)).await;
            let got = outcome(&body, name, &ids.target);
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
