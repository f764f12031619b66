//! Records: what each non-instructed approach must answer, visits only on
//! non-instructed requests and contacts only on instructed ones, only the
//! assigned advocate records and only while the request is worked, who
//! reads records (the young person without the people consulted), the
//! timeline and audit entries without content, and replays.

use closeknit_tests::{
    TestApp,
    advocacy::{
        ADVOCATE, ADVOCATE_TWO, assigned, node, other_provider, own_request, records,
        referral_assigned, refusal, rights_visit, step,
    },
    demo::NORTHMOOR as N,
    staying_close::{count, day},
};
use serde_json::{Value, json};

/// `recordAdvocacyVisit` etc. as `token`, selecting the record's id and
/// the request's version and last timeline entry.
async fn add(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    app.mutate(
        token,
        mutation,
        input,
        "clientMutationId record { id recordType } request { version timeline { event note } }",
    )
    .await
}

fn visit(id: &str, approach: &str) -> Value {
    json!({
        "requestId": id, "occurredOn": day(0), "minutesSpent": 30,
        "approach": approach, "contentWithAdvocate": "UNCLEAR",
    })
}

#[tokio::test]
async fn each_approach_needs_its_answers_and_all_missing_are_named() {
    let app = TestApp::spawn().await;
    let (id, _, advocate, _) = referral_assigned(&app).await;
    let cases: [(&str, &[&str]); 4] = [
        (
            "WATCHING_BRIEF",
            &[
                "whatLifeIsLike",
                "whatIsImportant",
                "wishesAndFeelings",
                "rights",
                "treatedFairly",
                "involvementInDecisions",
            ],
        ),
        ("RIGHTS_BASED", &["rights", "treatedFairly"]),
        ("PERSON_CENTRED", &["whatIsImportant", "wishesAndFeelings"]),
        (
            "WITNESS_OBSERVER",
            &["setting", "whoWasPresent", "whatWasObserved"],
        ),
    ];
    let mut version = 3;
    for (approach, needed) in cases {
        let body = add(&app, &advocate, "recordAdvocacyVisit", visit(&id, approach)).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["fields"], json!(needed), "{body}");
        let message = error["message"].as_str().unwrap();
        assert!(needed.iter().all(|f| message.contains(f)), "{message}");
        // With its answers, the visit is recorded.
        let mut answered = visit(&id, approach);
        for field in needed {
            answered[*field] = json!(format!("An answer for {field}."));
        }
        let body = add(&app, &advocate, "recordAdvocacyVisit", answered).await;
        assert!(body["errors"].is_null(), "{approach}: {body}");
        let done = &body["data"]["recordAdvocacyVisit"];
        assert_eq!(done["record"]["recordType"], "VISIT");
        // A record makes the request's next version and a timeline entry
        // saying only that a record was added.
        version += 1;
        assert_eq!(done["request"]["version"], version);
        let last = done["request"]["timeline"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last, json!({"event": "RECORD_ADDED", "note": null}));
    }
    let stored = count(&app, "SELECT COUNT(*) AS n FROM advocacy_records", vec![]).await;
    assert_eq!(stored, 4);
    // Minutes and dates are checked.
    let mut long = rights_visit(&id);
    long["minutesSpent"] = json!(1441);
    let body = add(&app, &advocate, "recordAdvocacyVisit", long).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "minutesSpent");
    for (offset, problem) in [(2, "future"), (-1, "before the request")] {
        let mut other_day = rights_visit(&id);
        other_day["occurredOn"] = json!(day(offset));
        let body = add(&app, &advocate, "recordAdvocacyVisit", other_day).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "occurredOn");
        assert!(refusal(&body).1.contains(problem), "{body}");
    }
}

#[tokio::test]
async fn visits_are_for_non_instructed_requests_and_contacts_for_instructed() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (referred, _, advocate, _) = referral_assigned(&app).await;
    let contact = |id: &str| {
        json!({"requestId": id, "occurredOn": day(0), "how": "PHONE",
               "inTheirWords": "I want to stay where I am."})
    };
    let body = add(&app, &advocate, "recordAdvocacyContact", contact(&referred)).await;
    let (code, message) = refusal(&body);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("non-instructed"), "{message}");
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    let (own, _) = assigned(&app, &request).await;
    let body = add(&app, &advocate, "recordAdvocacyVisit", rights_visit(&own)).await;
    let (code, message) = refusal(&body);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("recordAdvocacyContact"), "{message}");
    let body = add(&app, &advocate, "recordAdvocacyContact", contact(&own)).await;
    assert!(body["errors"].is_null(), "{body}");
    // Representations, meetings and outcomes are for both kinds.
    for id in [&own, &referred] {
        for (mutation, input) in [
            (
                "recordAdvocacyRepresentation",
                json!({"toWhom": "Pat Reviewer", "role": "Independent reviewing officer", "whatWasRaised": "Contact with her brother.", "response": "Will review the contact plan."}),
            ),
            (
                "recordAdvocacyMeeting",
                json!({"meeting": "Looked-after review", "whoAttended": "IRO, social worker, foster carer", "whatHappened": "Contact plan to be reviewed."}),
            ),
            (
                "recordAdvocacyOutcome",
                json!({"whatChanged": "Weekly contact restored."}),
            ),
        ] {
            let mut input = input;
            input["requestId"] = json!(id);
            input["occurredOn"] = json!(day(0));
            let body = add(&app, &advocate, mutation, input).await;
            assert!(body["errors"].is_null(), "{mutation}: {body}");
        }
    }
}

#[tokio::test]
async fn only_the_assigned_advocate_records_while_the_request_is_worked() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (id, manager, advocate, worker) = referral_assigned(&app).await;
    // The provider's manager may work the request but does not write the
    // advocate's record; the child's social worker may follow it only.
    for token in [&manager, &worker] {
        let body = add(&app, token, "recordAdvocacyVisit", rights_visit(&id)).await;
        assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    }
    // An advocate not assigned, another provider, the young person.
    let two = app.staff_token(ADVOCATE_TWO).await;
    let other = other_provider(&app).await;
    for token in [&two, &other] {
        let body = add(&app, token, "recordAdvocacyVisit", rights_visit(&id)).await;
        assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
    }
    let child = app
        .code_token(&smtp, &format!("young.person.five@{N}"))
        .await;
    let body = add(&app, &child, "recordAdvocacyVisit", rights_visit(&id)).await;
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    // Closed: no more records.
    for mutation in ["recordAdvocacyFirstContact", "startAdvocacyWork"] {
        step(&app, &advocate, mutation, json!({"requestId": id})).await;
    }
    step(
        &app,
        &advocate,
        "closeAdvocacyRequest",
        json!({"requestId": id, "outcome": "VIEWS_REPRESENTED", "whatChanged": "Contact restored."}),
    )
    .await;
    let body = add(&app, &advocate, "recordAdvocacyVisit", rights_visit(&id)).await;
    let (code, message) = refusal(&body);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("closed"), "{message}");
    let stored = count(&app, "SELECT COUNT(*) AS n FROM advocacy_records", vec![]).await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn records_are_read_by_the_advocate_the_provider_and_the_child_without_others_words() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (id, manager, advocate, worker) = referral_assigned(&app).await;
    let body = add(&app, &advocate, "recordAdvocacyVisit", rights_visit(&id)).await;
    assert!(body["errors"].is_null(), "{body}");
    let record = body["data"]["recordAdvocacyVisit"]["record"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let by_id = node(&app, &manager, &record).await;
    assert_eq!(by_id["__typename"], "AdvocacyVisitRecord", "{by_id}");
    assert_eq!(by_id["peopleConsulted"][0]["name"], "Alex Carer");
    for token in [&advocate, &manager] {
        let seen = records(&app, token, &id).await;
        assert_eq!(seen[0]["approach"], "RIGHTS_BASED");
        assert_eq!(seen[0]["peopleConsulted"][0]["name"], "Alex Carer");
        assert_eq!(
            seen[0]["treatedFairly"],
            "Contact was cancelled twice without her being told why."
        );
    }
    // The child sees what their advocate recorded, not what others said.
    let child = app
        .code_token(&smtp, &format!("young.person.five@{N}"))
        .await;
    let seen = records(&app, &child, &id).await;
    assert_eq!(
        seen[0]["rights"],
        "To keep seeing her brother (Article 8; contact plan)."
    );
    assert!(seen[0]["peopleConsulted"].is_null(), "{seen}");
    // The referrer and the authority's manager see the request's status,
    // never its records.
    let la_manager = app.staff_token(&format!("la.manager@{N}")).await;
    for token in [&worker, &la_manager] {
        assert!(records(&app, token, &id).await.is_null());
    }
    let two = app.staff_token(ADVOCATE_TWO).await;
    assert!(records(&app, &two, &id).await.is_null());
    for token in [&worker, &la_manager, &two] {
        assert!(node(&app, token, &record).await.is_null(), "by node");
    }
    let by_child = node(&app, &child, &record).await;
    assert!(by_child["peopleConsulted"].is_null(), "{by_child}");
    // Every read of a record was audited; the child's without the people
    // consulted.
    let reads = count(
        &app,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'advocacy.record.read'",
        vec![],
    )
    .await;
    assert!(reads >= 3, "{reads}");
    let child_id = app.person_id(&format!("young.person.five@{N}")).await;
    let theirs = count(
        &app,
        "SELECT COUNT(*) AS n FROM audit_events e JOIN accounts a ON a.id = e.actor_account_id \
         WHERE e.action = 'advocacy.record.read' AND a.person_id = $1 AND e.fields LIKE '%peopleConsulted%'",
        vec![child_id.into()],
    )
    .await;
    assert_eq!(theirs, 0);
    // The authority's trail shows a record was made, never what it says.
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(&la_manager, "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 100) { edges { node { action fields } } } }", json!({"la": la}))
        .await;
    let text = body.to_string();
    assert!(text.contains("advocacy.record"), "{text}");
    assert!(
        !text.contains("brother") && !text.contains("Alex Carer"),
        "{text}"
    );
    // The people consulted are stored as third-party data.
    let third = count(
        &app,
        "SELECT COUNT(*) AS n FROM advocacy_people_consulted WHERE third_party",
        vec![],
    )
    .await;
    assert_eq!(third, 1);
}

#[tokio::test]
async fn the_young_person_reads_their_contact_records() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    let (id, _) = assigned(&app, &request).await;
    let advocate = app.staff_token(ADVOCATE).await;
    let contact = json!({"requestId": id, "occurredOn": day(0), "how": "IN_PERSON",
        "inTheirWords": "I can't revise if I'm moving.", "whatTheyWant": "Move after my exams."});
    let body = add(&app, &advocate, "recordAdvocacyContact", contact).await;
    assert!(body["errors"].is_null(), "{body}");
    let mine = records(&app, &me, &id).await;
    assert_eq!(
        (
            mine[0]["recordType"].as_str(),
            mine[0]["inTheirWords"].as_str(),
            mine[0]["whatTheyWant"].as_str()
        ),
        (
            Some("CONTACT"),
            Some("I can't revise if I'm moving."),
            Some("Move after my exams.")
        )
    );
}

#[tokio::test]
async fn a_replayed_record_is_recorded_once() {
    let app = TestApp::spawn().await;
    let (id, _, advocate, _) = referral_assigned(&app).await;
    let mut input = rights_visit(&id);
    input["clientMutationId"] = json!("visit-1");
    let first = add(&app, &advocate, "recordAdvocacyVisit", input.clone()).await;
    let again = add(&app, &advocate, "recordAdvocacyVisit", input.clone()).await;
    assert!(
        first["errors"].is_null() && again["errors"].is_null(),
        "{again}"
    );
    assert_eq!(
        first["data"]["recordAdvocacyVisit"]["record"]["id"],
        again["data"]["recordAdvocacyVisit"]["record"]["id"]
    );
    assert_eq!(
        again["data"]["recordAdvocacyVisit"]["clientMutationId"],
        "visit-1"
    );
    let stored = count(&app, "SELECT COUNT(*) AS n FROM advocacy_records", vec![]).await;
    assert_eq!(stored, 1);
    let consulted = count(
        &app,
        "SELECT COUNT(*) AS n FROM advocacy_people_consulted",
        vec![],
    )
    .await;
    assert_eq!(consulted, 1);
    // The same key with other words is a conflict, not a second record.
    input["peopleConsulted"][0]["name"] = json!("Someone Else");
    let body = add(&app, &advocate, "recordAdvocacyVisit", input).await;
    assert_eq!(refusal(&body).0, "CONFLICT");
    // A record made version 4: a client that gives an older version, or
    // a lifecycle step loaded before the record, reloads.
    let mut stale = rights_visit(&id);
    stale["expectedVersion"] = json!(3);
    let body = add(&app, &advocate, "recordAdvocacyVisit", stale).await;
    assert_eq!(refusal(&body).0, "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["details"]["currentVersion"],
        4
    );
    let body = app
        .mutate(
            &advocate,
            "recordAdvocacyFirstContact",
            json!({"requestId": id, "expectedVersion": 3}),
            "request { id }",
        )
        .await;
    assert_eq!(refusal(&body).0, "CONFLICT");
}
