//! The lifecycle: every step, reassignment, kind changes, withdrawal, and
//! the refusals (wrong role, another provider, steps out of order, a
//! closed request, a stale version).

use closeknit_tests::{
    TestApp,
    advocacy::{
        ADVOCATE, ADVOCATE_TWO, MANAGER, assigned, other_provider, own_request, person, read,
        referral, refusal, step, young_person,
    },
    demo::NORTHMOOR as N,
};
use serde_json::json;

#[tokio::test]
async fn a_request_runs_from_submitted_to_closed_with_its_history() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    let (id, manager) = assigned(&app, &request).await;
    let advocate = app.staff_token(ADVOCATE).await;
    let seen = read(&app, &advocate, &id).await;
    assert_eq!(
        (seen["status"].as_str(), seen["access"].as_str()),
        (Some("ASSIGNED"), Some("CONTENT"))
    );
    step(
        &app,
        &advocate,
        "recordAdvocacyFirstContact",
        json!({"requestId": id, "expectedVersion": 3}),
    )
    .await;
    step(
        &app,
        &advocate,
        "startAdvocacyWork",
        json!({"requestId": id, "expectedVersion": 4}),
    )
    .await;
    // The manager moves it to another advocate: the first loses it.
    let two = person(&app, ADVOCATE_TWO).await;
    let moved = step(
        &app,
        &manager,
        "assignAdvocate",
        json!({"requestId": id, "advocateId": two, "note": "Sam is away"}),
    )
    .await;
    assert_eq!(moved["status"], "IN_PROGRESS");
    assert!(read(&app, &advocate, &id).await.is_null());
    let advocate_two = app.staff_token(ADVOCATE_TWO).await;
    let closed = step(
        &app,
        &advocate_two,
        "closeAdvocacyRequest",
        json!({
            "requestId": id, "expectedVersion": 6, "outcome": "RESOLVED",
            "whatChanged": "The move waits until after the exams.", "childView": "Happy with it."
        }),
    )
    .await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(closed["outcome"], "RESOLVED");
    let events: Vec<&str> = closed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "SUBMITTED",
            "ACCEPTED",
            "ASSIGNED",
            "FIRST_CONTACT_MADE",
            "IN_PROGRESS",
            "REASSIGNED",
            "CLOSED"
        ]
    );
    assert_eq!(closed["timeline"][5]["note"], "Sam is away");
    // A closed request does not move again.
    let body = app
        .mutate(
            &manager,
            "withdrawAdvocacyRequest",
            json!({"requestId": id, "reason": "x"}),
            "request { id }",
        )
        .await;
    let (code, message) = refusal(&body);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("closed"), "{message}");
    // The young person reads the outcome in their own request.
    let mine = read(&app, &me, &id).await;
    assert_eq!(
        mine["details"]["whatChanged"],
        "The move waits until after the exams."
    );
}

#[tokio::test]
async fn steps_are_refused_out_of_order_at_a_stale_version_or_by_the_wrong_people() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    let id = request["id"].as_str().unwrap();
    let manager = app.staff_token(MANAGER).await;
    let advocate = app.staff_token(ADVOCATE).await;
    // Out of order: first contact before assignment.
    let body = app
        .mutate(
            &manager,
            "recordAdvocacyFirstContact",
            json!({"requestId": id}),
            "request { id }",
        )
        .await;
    assert_eq!(
        refusal(&body),
        (
            "CONFLICT".into(),
            "This request is submitted: it cannot be marked as first contact made now.".into()
        )
    );
    // Stale version.
    let body = app
        .mutate(
            &manager,
            "triageAdvocacyRequest",
            json!({"requestId": id, "expectedVersion": 7, "decision": "ACCEPT"}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["details"]["currentVersion"], 1,
        "{body}"
    );
    // An advocate not assigned cannot know it exists; the young person
    // cannot triage their own; another provider's manager cannot see it.
    let body = app
        .mutate(
            &advocate,
            "triageAdvocacyRequest",
            json!({"requestId": id, "decision": "ACCEPT"}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "NOT_FOUND");
    let body = app
        .mutate(
            &me,
            "triageAdvocacyRequest",
            json!({"requestId": id, "decision": "ACCEPT"}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "FORBIDDEN");
    let other = other_provider(&app).await;
    let body = app
        .mutate(
            &other,
            "triageAdvocacyRequest",
            json!({"requestId": id, "decision": "ACCEPT"}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "NOT_FOUND");
    // Assigning someone who is not the provider's advocate.
    step(
        &app,
        &manager,
        "triageAdvocacyRequest",
        json!({"requestId": id, "decision": "ACCEPT"}),
    )
    .await;
    let stranger = person(&app, &format!("key.worker@{N}")).await;
    let body = app
        .mutate(
            &manager,
            "assignAdvocate",
            json!({"requestId": id, "advocateId": stranger}),
            "request { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "advocateId",
        "{body}"
    );
    // Declining needs a reason.
    let body = app
        .mutate(
            &manager,
            "triageAdvocacyRequest",
            json!({"requestId": id, "decision": "DECLINE"}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT");
}

#[tokio::test]
async fn withdrawal_and_kind_changes_follow_who_may_make_them() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let mine = step(&app, &me, "requestAdvocacy", own_request()).await;
    let withdrawn = step(
        &app,
        &me,
        "withdrawAdvocacyRequest",
        json!({"requestId": mine["id"]}),
    )
    .await;
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    // A non-instructed referral: the referrer withdraws it, with a reason.
    let worker = app.staff_token(&format!("social.worker@{N}")).await;
    let child = young_person(&app, "young.person.five").await;
    let referred = step(
        &app,
        &worker,
        "referForNonInstructedAdvocacy",
        referral(&child),
    )
    .await;
    let body = app
        .mutate(
            &worker,
            "withdrawAdvocacyRequest",
            json!({"requestId": referred["id"]}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT");
    // The child can now instruct: the advocate changes the kind, with the reason kept.
    let (id, manager) = assigned(&app, &referred).await;
    let advocate = app.staff_token(ADVOCATE).await;
    let changed = step(&app, &advocate, "changeAdvocacyKind", json!({"requestId": id, "kind": "INSTRUCTED", "reason": "Now uses a communication aid well."})).await;
    assert_eq!(changed["kind"], "INSTRUCTED");
    let last = changed["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["event"].as_str(), last["note"].as_str()),
        (
            Some("KIND_CHANGED"),
            Some("Now uses a communication aid well.")
        )
    );
    let body = app
        .mutate(
            &advocate,
            "changeAdvocacyKind",
            json!({"requestId": id, "kind": "INSTRUCTED", "reason": "again"}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "CONFLICT");
    // Instructed now: the referrer no longer withdraws it; the manager can.
    let ended = json!({"requestId": id, "reason": "Placement ended."});
    let body = app
        .mutate(
            &worker,
            "withdrawAdvocacyRequest",
            ended.clone(),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "FORBIDDEN");
    let gone = step(&app, &manager, "withdrawAdvocacyRequest", ended).await;
    assert_eq!(gone["status"], "WITHDRAWN");
}
