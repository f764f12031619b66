//! Advocacy steps the suite shares: the demo provider's people, asking
//! for an advocate and referring a child through the public API, moving a
//! request along, and a second provider (for "another provider" refusals).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use closeknit::identity::{
    model::{Email, Role, SERVICE_ADVOCACY},
    store::{NewAccount, insert_account, insert_commission, insert_organisation},
};
use serde_json::{Value, json};

use crate::{TestApp, demo::NORTHMOOR as N, staying_close::day};

pub const MANAGER: &str = "advocacy.manager@brightvoice.example";
pub const ADVOCATE: &str = "advocate@brightvoice.example";
pub const ADVOCATE_TWO: &str = "advocate.two@brightvoice.example";

/// What the suite reads of a request.
pub const FIELDS: &str = "id version access kind status urgency submittedAt assignedAt \
    firstContactAt endedAt declineReason outcome providerName \
    child { givenName familyName age } advocate { givenName familyName } \
    referral { relationship byYou referrerToldProgress } \
    details { subject eligibility inTheirWords contactMethods whyNotInstructed \
              communication { needs language interpreterNeeded } \
              knowsChildBest { name relationship howToReach } \
              upcomingDecisions { what on } referralBasis whatChanged childView } \
    timeline { version event status kind reason note }";

/// A young person's own request, in their words.
pub fn own_request() -> Value {
    json!({
        "subject": "PLACEMENT_MOVE",
        "eligibility": ["CARE_LEAVER"],
        "inTheirWords": "I do not want to move flats before my exams.",
        "urgency": "STANDARD",
        "contactMethods": ["APP", "TEXT_MESSAGE"],
        "contactTimes": "After 4pm",
    })
}

/// A non-instructed referral of the young person `child` (a global id).
pub fn referral(child: &str) -> Value {
    json!({
        "child": {"youngPersonId": child},
        "referrerRelationship": "SOCIAL_WORKER",
        "subject": "REVIEW_OR_CONFERENCE",
        "eligibility": ["LOOKED_AFTER_CHILD", "SEND"],
        "urgency": "STANDARD",
        "communication": {"needs": ["NON_VERBAL", "PICTURES_OR_SYMBOLS"]},
        "whyNotInstructed": "Non-verbal; uses a few symbols and cannot yet give instructions.",
        "knowsChildBest": {"name": "Alex Carer", "relationship": "Foster carer", "howToReach": "01632 960000"},
        "upcomingDecisions": [{"what": "Looked-after review", "on": day(30)}],
        "referralBasis": "A review is coming and the child's wishes need representing.",
    })
}

/// Runs `mutation` as `token`, expecting success; returns the request.
pub async fn step(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let body = app
        .mutate(token, mutation, input, &format!("request {{ {FIELDS} }}"))
        .await;
    assert!(body["errors"].is_null(), "{mutation}: {body}");
    body["data"][mutation]["request"].clone()
}

/// The first error's code and message of a response.
pub fn refusal(body: &Value) -> (String, String) {
    let e = &body["errors"][0];
    (
        e["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// A request by id as `token` sees it (null when they may not know it).
pub async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!("query($id: ID!) {{ advocacyRequest(id: $id) {{ {FIELDS} }} }}"),
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["advocacyRequest"].clone()
}

/// The global id of a demo person (an advocate, say) as `Person`.
pub async fn person(app: &TestApp, email: &str) -> String {
    crate::global_id("Person", app.person_id(email).await)
}

/// The id of a demo young person as `YoungPerson`.
pub async fn young_person(app: &TestApp, user: &str) -> String {
    crate::global_id("YoungPerson", app.person_id(&format!("{user}@{N}")).await)
}

/// A request accepted and assigned to [`ADVOCATE`]: (id, manager token).
pub async fn assigned(app: &TestApp, request: &Value) -> (String, String) {
    let manager = app.staff_token(MANAGER).await;
    let id = request["id"].as_str().unwrap().to_string();
    step(
        app,
        &manager,
        "triageAdvocacyRequest",
        json!({"requestId": id, "decision": "ACCEPT"}),
    )
    .await;
    let advocate = person(app, ADVOCATE).await;
    step(
        app,
        &manager,
        "assignAdvocate",
        json!({"requestId": id, "advocateId": advocate}),
    )
    .await;
    (id, manager)
}

/// A second advocacy provider, also commissioned by Northmoor, with a
/// manager; returns the manager's token.
pub async fn other_provider(app: &TestApp) -> String {
    let la = crate::staying_close::uuid_in(&app.local_authority_id("E06099001").await);
    let org = insert_organisation(&app.db, "Otherside Advocacy", "advocacy_provider", None)
        .await
        .unwrap();
    insert_commission(
        &app.db,
        org,
        la,
        SERVICE_ADVOCACY,
        crate::staying_close::today(),
    )
    .await
    .unwrap();
    let email = Email::parse("email", "manager@otherside.example").unwrap();
    insert_account(
        &app.db,
        NewAccount {
            given_name: "Other",
            family_name: "Manager",
            email: &email,
            password_hash: Some(closeknit::seed::DEMO_STAFF_PASSWORD_HASH.to_string()),
            date_of_birth: None,
            local_authority_id: None,
            roles: &[(Role::AdvocacyManager, org)],
        },
    )
    .await
    .unwrap();
    app.staff_token("manager@otherside.example").await
}

/// What the suite reads of a request's records (every kind).
pub const RECORD_FIELDS: &str = "id recordType occurredOn recordedAt updatedAt \
    ... on AdvocacyVisitRecord { approach minutesSpent howTheyCommunicated contentWithAdvocate \
        setting whatLifeIsLike whatIsImportant wishesAndFeelings rights treatedFairly \
        involvementInDecisions whoWasPresent whatWasObserved \
        peopleConsulted { name role whatTheySaid } } \
    ... on AdvocacyContactRecord { how inTheirWords whatTheyWant } \
    ... on AdvocacyRepresentationRecord { toWhom role whatWasRaised response } \
    ... on AdvocacyMeetingRecord { meeting whoAttended whatHappened } \
    ... on AdvocacyOutcomeRecord { whatChanged }";

/// A request's records as `token` sees them: the list of records, or
/// null when the request or its records are not shown to them.
pub async fn records(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!(
                "query($id: ID!) {{ advocacyRequest(id: $id) {{ records {{ edges {{ node {{ {RECORD_FIELDS} }} }} }} }} }}"
            ),
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let records = &body["data"]["advocacyRequest"]["records"];
    if records.is_null() {
        return Value::Null;
    }
    Value::Array(
        records["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect(),
    )
}

/// A non-instructed referral of young.person.five by the social worker,
/// accepted and assigned to [`ADVOCATE`]: (id, manager token, advocate
/// token, social worker token).
pub async fn referral_assigned(app: &TestApp) -> (String, String, String, String) {
    let worker = app.staff_token(&format!("social.worker@{N}")).await;
    let child = young_person(app, "young.person.five").await;
    let referred = step(
        app,
        &worker,
        "referForNonInstructedAdvocacy",
        referral(&child),
    )
    .await;
    let (id, manager) = assigned(app, &referred).await;
    let advocate = app.staff_token(ADVOCATE).await;
    (id, manager, advocate, worker)
}

/// A rights-based visit on request `id` (a non-instructed request).
pub fn rights_visit(id: &str) -> Value {
    json!({
        "requestId": id,
        "occurredOn": crate::staying_close::day(0),
        "setting": "Foster home, living room",
        "minutesSpent": 50,
        "approach": "RIGHTS_BASED",
        "howTheyCommunicated": "Used picture cards; smiled at the garden picture.",
        "contentWithAdvocate": "YES",
        "rights": "To keep seeing her brother (Article 8; contact plan).",
        "treatedFairly": "Contact was cancelled twice without her being told why.",
        "peopleConsulted": [
            {"name": "Alex Carer", "role": "Foster carer", "whatTheySaid": "She is upset after cancelled contact."}
        ],
    })
}

/// What the suite reads of a safeguarding share.
pub const SHARE_FIELDS: &str = "id reason whatWasShared sharedWithName sharedWithRole sharedAt \
    youngPersonTold riskReason riskPassedAt updatedAt";

/// A request's safeguarding shares as `token` sees them, with its access
/// and details (null when they may not know the request exists).
pub async fn shares(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!(
                "query($id: ID!) {{ advocacyRequest(id: $id) {{ access details {{ subject }} safeguardingShares {{ {SHARE_FIELDS} }} }} }}"
            ),
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["advocacyRequest"].clone()
}

/// `node(id:)` as `token`, with the fields every advocacy node has and a
/// type name (null when they may not see it).
pub async fn node(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            "query($id: ID!) { node(id: $id) { __typename id \
             ... on AdvocacyVisitRecord { approach peopleConsulted { name } } \
             ... on AdvocacySafeguardingShare { reason riskReason } } }",
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["node"].clone()
}
