//! Asking for an advocate and referring a child: what is stored, who is
//! told, and what is refused.

use closeknit_tests::{
    TestApp,
    advocacy::{FIELDS, MANAGER, own_request, read, referral, refusal, step, young_person},
    demo::{EASTBROOK as E, NORTHMOOR as N},
};
use serde_json::json;

#[tokio::test]
async fn a_young_person_asks_for_an_advocate_in_their_own_words() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    assert_eq!(request["kind"], "INSTRUCTED");
    assert_eq!(request["status"], "SUBMITTED");
    assert_eq!(request["access"], "OWN");
    assert_eq!(request["version"], 1);
    assert_eq!(request["providerName"], "Brightvoice Advocacy");
    assert_eq!(request["referral"]["relationship"], "YOUNG_PERSON");
    assert_eq!(
        request["details"]["inTheirWords"],
        "I do not want to move flats before my exams."
    );
    assert_eq!(request["timeline"][0]["event"], "SUBMITTED");
    // The provider's manager sees it, content and all, in the queue.
    let manager = app.staff_token(MANAGER).await;
    let (_, body) = app
        .graphql_as(&manager, &format!("{{ advocacyQueue(filter: {{unassigned: true}}) {{ edges {{ node {{ {FIELDS} }} }} }} }}"), json!({}))
        .await;
    let node = body["data"]["advocacyQueue"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["id"] == request["id"])
        .unwrap_or_else(|| panic!("not in the queue: {body}"));
    assert_eq!(node["access"], "CONTENT");
    assert_eq!(
        node["details"]["contactMethods"],
        json!(["TEXT_MESSAGE", "APP"])
    );
    // The young person was told it arrived (no content in the words).
    let (_, inbox) = app
        .graphql_as(
            &me,
            "{ notifications(first: 5) { edges { node { kind title body } } } }",
            json!({}),
        )
        .await;
    let note = &inbox["data"]["notifications"]["edges"][0]["node"];
    assert_eq!(note["kind"], "ADVOCACY_UPDATE", "{inbox}");
    assert!(!note["body"].as_str().unwrap().contains("exams"));
}

#[tokio::test]
async fn a_social_worker_refers_a_child_who_cannot_instruct() {
    let app = TestApp::spawn().await;
    let worker = app.staff_token(&format!("social.worker@{N}")).await;
    let child = young_person(&app, "young.person.five").await;
    let request = step(
        &app,
        &worker,
        "referForNonInstructedAdvocacy",
        referral(&child),
    )
    .await;
    assert_eq!(request["kind"], "NON_INSTRUCTED");
    assert_eq!(request["referral"]["byYou"], true);
    // The referrer follows its status, never its content.
    assert_eq!(request["access"], "STATUS");
    assert_eq!(request["status"], "SUBMITTED");
    assert!(request["details"].is_null());
    // A new child (no account) can be recorded by the referrer.
    let la = app.local_authority_id("E06099001").await;
    let mut new_child = referral("");
    new_child["child"] = json!({"givenName": "Robin", "familyName": "Small", "dateOfBirth": "2024-05-01", "localAuthorityId": la});
    let request = step(&app, &worker, "referForNonInstructedAdvocacy", new_child).await;
    assert_eq!(request["child"]["givenName"], "Robin");
    let manager = app.staff_token(MANAGER).await;
    let seen = read(&app, &manager, request["id"].as_str().unwrap()).await;
    assert_eq!(
        seen["details"]["communication"]["needs"],
        json!(["NON_VERBAL", "PICTURES_OR_SYMBOLS"])
    );
    assert_eq!(seen["details"]["knowsChildBest"]["name"], "Alex Carer");
}

#[tokio::test]
async fn a_non_instructed_request_needs_a_professional_and_a_reason() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let started = chrono::Utc::now();
    let worker = app.staff_token(&format!("social.worker@{N}")).await;
    let child = young_person(&app, "young.person.five").await;
    let mut family = referral(&child);
    family["referrerRelationship"] = json!("FAMILY_MEMBER");
    let body = app
        .mutate(
            &worker,
            "referForNonInstructedAdvocacy",
            family,
            "request { id }",
        )
        .await;
    let (code, message) = refusal(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("professional referrer"), "{message}");
    let mut no_reason = referral(&child);
    no_reason["whyNotInstructed"] = json!("  ");
    let body = app
        .mutate(
            &worker,
            "referForNonInstructedAdvocacy",
            no_reason,
            "request { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "whyNotInstructed",
        "{body}"
    );
    // A young person cannot refer anyone, themselves included, as a professional.
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let own = young_person(&app, "young.person").await;
    let body = app
        .mutate(
            &me,
            "referForNonInstructedAdvocacy",
            referral(&own),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT");
    // Another authority's child cannot be referred (not revealed either).
    let eastbrook = app.staff_token(&format!("social.worker@{E}")).await;
    let body = app
        .mutate(
            &eastbrook,
            "referForNonInstructedAdvocacy",
            referral(&child),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT");
    let rows = closeknit_tests::staying_close::count(
        &app,
        "SELECT COUNT(*) AS n FROM advocacy_requests WHERE submitted_at > $1",
        vec![started.into()],
    )
    .await;
    assert_eq!(rows, 0, "nothing half-written");
}

#[tokio::test]
async fn a_worker_asks_on_a_young_persons_behalf_and_a_retry_is_the_same_request() {
    let app = TestApp::spawn().await;
    let started = chrono::Utc::now();
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let child = young_person(&app, "young.person.two").await;
    let mut input = own_request();
    input["onBehalf"] = json!({"youngPersonId": child, "referrerRelationship": "OTHER_PROFESSIONAL", "referrerToldProgress": false});
    input["clientMutationId"] = json!("ask-once");
    let first = step(&app, &adviser, "requestAdvocacy", input.clone()).await;
    let again = step(&app, &adviser, "requestAdvocacy", input).await;
    assert_eq!(first["id"], again["id"]);
    // Without the young person's agreement the referrer sees only receipt.
    assert_eq!(first["access"], "RECEIVED");
    assert!(first["status"].is_null());
    let rows = closeknit_tests::staying_close::count(
        &app,
        "SELECT COUNT(*) AS n FROM advocacy_requests WHERE submitted_at > $1",
        vec![started.into()],
    )
    .await;
    assert_eq!(rows, 1);
}
