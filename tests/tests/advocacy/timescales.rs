//! Timescales: each request's clocks under its contract's terms, their
//! states as time passes, the queue's "at risk" and "breached" filters,
//! the notices the watcher sends exactly once (managers: at risk,
//! breached; the advocate: first contact due soon), and the contract's
//! terms (who reads and sets them, what they refuse).

use chrono::{Duration, Utc};
use closeknit::{
    advocacy::{
        requests::model::{AdvocacyKind, Urgency},
        timescales::model::{Terms, Timescale},
    },
    calendar::{self, Division},
};
use closeknit_tests::{
    TestApp,
    advocacy::{ADVOCATE, MANAGER, assigned, own_request, refusal, step},
    beyond_api::move_advocacy_clock,
    demo::NORTHMOOR as N,
    eventually,
    staying_close::uuid_in,
};
use serde_json::{Value, json};

const CLOCKS: &str = "id providerId localAuthorityId submittedAt \
    timescales { timescale state amount unit startedAt atRiskAt dueAt metAt provisional }";

async fn clocks(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!("query($id: ID!) {{ advocacyRequest(id: $id) {{ {CLOCKS} }} }}"),
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["advocacyRequest"].clone()
}

fn clock<'a>(request: &'a Value, timescale: &str) -> &'a Value {
    request["timescales"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["timescale"] == timescale)
        .unwrap_or_else(|| panic!("no {timescale} in {request}"))
}

fn state(request: &Value, timescale: &str) -> String {
    clock(request, timescale)["state"]
        .as_str()
        .unwrap()
        .to_string()
}

/// How many of `token`'s notifications about request `id` have a title
/// containing `words`.
async fn told(app: &TestApp, token: &str, id: &str, words: &str) -> usize {
    let (_, body) = app
        .graphql_as(
            token,
            "{ notifications(first: 100) { edges { node { title subjectId } } } }",
            json!({}),
        )
        .await;
    body["data"]["notifications"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter(|e| {
                    e["node"]["subjectId"] == id
                        && e["node"]["title"].as_str().unwrap_or("").contains(words)
                })
                .count()
        })
        .unwrap_or(0)
}

/// Waits until `token`'s person has been told `words` once, then sweeps
/// again: still once.
async fn told_once(app: &TestApp, token: &str, id: &str, words: &str) {
    assert!(
        eventually(std::time::Duration::from_secs(10), || async {
            told(app, token, id, words).await == 1
        })
        .await,
        "never told {words:?}"
    );
    closeknit::advocacy::timescales::watch::sweep(&app.db, 100)
        .await
        .unwrap();
    assert_eq!(told(app, token, id, words).await, 1, "{words}");
}

async fn young_persons_request(app: &TestApp, smtp: &closeknit_tests::smtp::SmtpSink) -> Value {
    let me = app.code_token(smtp, &format!("young.person@{N}")).await;
    step(app, &me, "requestAdvocacy", own_request()).await
}

#[tokio::test]
async fn a_new_request_is_due_by_the_standard_terms_over_the_stored_calendar() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let manager = app.staff_token(MANAGER).await;
    let seen = clocks(&app, &manager, request["id"].as_str().unwrap()).await;
    let submitted: chrono::DateTime<Utc> = seen["submittedAt"].as_str().unwrap().parse().unwrap();
    let cal = calendar::store::load(&app.db, Division::EnglandAndWales)
        .await
        .unwrap();
    for (name, timescale) in [
        ("ALLOCATION", Timescale::Allocation),
        ("FIRST_CONTACT", Timescale::FirstContact),
    ] {
        let expected = Terms::standard()
            .start(
                &cal,
                timescale,
                (AdvocacyKind::Instructed, Urgency::Standard),
                submitted,
            )
            .unwrap();
        let got = clock(&seen, name);
        let due: chrono::DateTime<Utc> = got["dueAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(due, expected.due_at, "{name}");
        assert_eq!(got["state"], "PENDING", "{name}");
        assert_eq!(got["unit"], "WORKING_DAYS");
    }
    assert_eq!(clock(&seen, "ALLOCATION")["amount"], 3);
    assert_eq!(clock(&seen, "FIRST_CONTACT")["amount"], 5);
    assert!(
        seen["timescales"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["timescale"] != "CLOSURE_REVIEW"),
        "no closure review before an advocate works it"
    );
}

#[tokio::test]
async fn assignment_and_first_contact_meet_their_timescales_and_closing_stops_the_rest() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let (id, manager) = assigned(&app, &request).await;
    let seen = clocks(&app, &manager, &id).await;
    assert_eq!(state(&seen, "ALLOCATION"), "MET");
    assert_eq!(state(&seen, "FIRST_CONTACT"), "PENDING");
    assert_eq!(state(&seen, "CLOSURE_REVIEW"), "PENDING");
    let advocate = app.staff_token(ADVOCATE).await;
    step(
        &app,
        &advocate,
        "recordAdvocacyFirstContact",
        json!({"requestId": id}),
    )
    .await;
    let seen = clocks(&app, &manager, &id).await;
    assert_eq!(state(&seen, "FIRST_CONTACT"), "MET");
    step(
        &app,
        &advocate,
        "closeAdvocacyRequest",
        json!({"requestId": id, "outcome": "RESOLVED", "whatChanged": "Sorted."}),
    )
    .await;
    let seen = clocks(&app, &manager, &id).await;
    assert_eq!(state(&seen, "CLOSURE_REVIEW"), "STOPPED");
    assert_eq!(state(&seen, "ALLOCATION"), "MET");
}

#[tokio::test]
async fn a_declined_request_stops_its_clocks() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let manager = app.staff_token(MANAGER).await;
    let id = request["id"].as_str().unwrap();
    step(
        &app,
        &manager,
        "triageAdvocacyRequest",
        json!({"requestId": id, "decision": "DECLINE", "declineReason": "NOT_ELIGIBLE"}),
    )
    .await;
    let seen = clocks(&app, &manager, id).await;
    assert_eq!(state(&seen, "ALLOCATION"), "STOPPED");
    assert_eq!(state(&seen, "FIRST_CONTACT"), "STOPPED");
}

/// The queue's ids under a timescale filter.
async fn queue(app: &TestApp, token: &str, states: &[&str]) -> Vec<String> {
    let (_, body) = app
        .graphql_as(
            token,
            "query($f: AdvocacyRequestFilter) { advocacyQueue(filter: $f, first: 50) { edges { node { id } } } }",
            json!({"f": {"timescaleStates": states}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["advocacyQueue"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn at_risk_then_breached_each_told_to_the_manager_once() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let other = young_persons_request(&app, &smtp).await;
    let id = request["id"].as_str().unwrap().to_string();
    let manager = app.staff_token(MANAGER).await;
    // The demo data holds one at risk and one breached per authority.
    let at_risk = queue(&app, &manager, &["AT_RISK"]).await;
    assert_eq!(at_risk.len(), 2, "{at_risk:?}");
    assert!(!at_risk.contains(&id));
    assert_eq!(queue(&app, &manager, &["BREACHED"]).await.len(), 2);
    // Time passes: the allocation timescale passes its at-risk share.
    let now = Utc::now();
    let uuid = uuid_in(&id);
    move_advocacy_clock(
        &app.db,
        uuid,
        "allocation",
        now - Duration::minutes(1),
        now + Duration::hours(2),
    )
    .await;
    let seen = clocks(&app, &manager, &id).await;
    assert_eq!(state(&seen, "ALLOCATION"), "AT_RISK");
    assert!(queue(&app, &manager, &["AT_RISK"]).await.contains(&id));
    assert!(!queue(&app, &manager, &["BREACHED"]).await.contains(&id));
    told_once(&app, &manager, &id, "allocation timescale is at risk").await;
    // Several watchers at once tell nothing twice.
    let db = app.db.clone();
    let sweeps = (0..4).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { closeknit::advocacy::timescales::watch::sweep(&db, 100).await })
    });
    for sweep in sweeps {
        sweep.await.unwrap().unwrap();
    }
    assert_eq!(
        told(&app, &manager, &id, "allocation timescale is at risk").await,
        1
    );
    // More time passes: it is breached.
    move_advocacy_clock(
        &app.db,
        uuid,
        "allocation",
        now - Duration::hours(3),
        now - Duration::minutes(1),
    )
    .await;
    let seen = clocks(&app, &manager, &id).await;
    assert_eq!(state(&seen, "ALLOCATION"), "BREACHED");
    assert!(queue(&app, &manager, &["BREACHED"]).await.contains(&id));
    assert!(!queue(&app, &manager, &["AT_RISK"]).await.contains(&id));
    assert!(
        queue(&app, &manager, &["AT_RISK", "BREACHED"])
            .await
            .contains(&id)
    );
    told_once(&app, &manager, &id, "allocation timescale was missed").await;
    assert_eq!(told(&app, &manager, &id, "was missed").await, 1);
    assert_eq!(told(&app, &manager, &id, "is at risk").await, 1);
    // Assigned late: allocation stays breached (met late), first contact runs.
    let (_, _) = assigned(&app, &request).await;
    let seen = clocks(&app, &manager, &id).await;
    assert_eq!(state(&seen, "ALLOCATION"), "BREACHED");
    assert!(clock(&seen, "ALLOCATION")["metAt"].is_string());
    // The other request was never at risk: no notice names it.
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(
        state(&clocks(&app, &manager, other_id).await, "ALLOCATION"),
        "PENDING"
    );
    assert_eq!(told(&app, &manager, other_id, "timescale").await, 0);
}

#[tokio::test]
async fn a_missed_deadline_found_late_is_told_as_breached_only() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let manager = app.staff_token(MANAGER).await;
    let now = Utc::now();
    let id = request["id"].as_str().unwrap();
    move_advocacy_clock(
        &app.db,
        uuid_in(id),
        "first_contact",
        now - Duration::hours(5),
        now - Duration::hours(1),
    )
    .await;
    told_once(&app, &manager, id, "first contact timescale was missed").await;
    assert_eq!(
        told(&app, &manager, id, "first contact timescale is at risk").await,
        0
    );
}

#[tokio::test]
async fn the_advocate_hears_the_working_day_before_first_contact_is_due() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let (id, manager) = assigned(&app, &request).await;
    let advocate = app.staff_token(ADVOCATE).await;
    let now = Utc::now();
    move_advocacy_clock(
        &app.db,
        uuid_in(&id),
        "first_contact",
        now - Duration::minutes(1),
        now + Duration::hours(20),
    )
    .await;
    told_once(&app, &advocate, &id, "First contact due soon").await;
    // The notice names no content.
    let (_, body) = app
        .graphql_as(
            &advocate,
            "{ notifications(first: 50) { edges { node { title body } } } }",
            json!({}),
        )
        .await;
    assert!(!body.to_string().contains("exams"), "{body}");
    drop(manager);
}

async fn set_terms(app: &TestApp, token: &str, la: &str, provider: &str, extra: Value) -> Value {
    let mut input = json!({
        "localAuthorityId": la, "providerId": provider,
        "workingDayStarts": "08:30", "workingDayEnds": "16:30", "atRiskPercent": 50,
        "timescales": [
            {"timescale": "ALLOCATION", "amount": 2, "unit": "WORKING_DAYS"},
            {"timescale": "FIRST_CONTACT", "amount": 4, "unit": "WORKING_DAYS"},
            {"timescale": "FIRST_CONTACT", "urgency": "URGENT", "amount": 6, "unit": "WORKING_HOURS"},
            {"timescale": "CLOSURE_REVIEW", "amount": 15, "unit": "WORKING_DAYS"},
        ],
    });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.mutate(
        token,
        "setAdvocacyContractTerms",
        input,
        "terms { version standard workingDayStarts workingDayEnds timeZone atRiskPercent \
         timescales { timescale kind urgency amount unit } }",
    )
    .await
}

#[tokio::test]
async fn the_authority_sets_its_contracts_timescales_for_new_requests() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let before = young_persons_request(&app, &smtp).await;
    let la = before["localAuthorityId"].as_str().map(str::to_string);
    let manager = app.staff_token(MANAGER).await;
    let seen = clocks(&app, &manager, before["id"].as_str().unwrap()).await;
    let (la, provider) = (
        la.unwrap_or_else(|| seen["localAuthorityId"].as_str().unwrap().to_string()),
        seen["providerId"].as_str().unwrap().to_string(),
    );
    let la_manager = app.staff_token(&format!("la.manager@{N}")).await;
    // The standard terms until it sets its own; the provider reads them too.
    let read = "query($la: ID!, $p: ID!) { advocacyContractTerms(localAuthorityId: $la, providerId: $p) { version standard atRiskPercent } }";
    let vars = json!({"la": la, "p": provider});
    let (_, body) = app.graphql_as(&manager, read, vars.clone()).await;
    assert_eq!(
        body["data"]["advocacyContractTerms"]["standard"], true,
        "{body}"
    );
    let (_, body) = app
        .graphql_as(&app.staff_token(ADVOCATE).await, read, vars.clone())
        .await;
    assert!(body["data"]["advocacyContractTerms"].is_null(), "{body}");
    // The provider may not set the authority's terms.
    let body = set_terms(&app, &manager, &la, &provider, json!({})).await;
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    // Another authority may not know them.
    let other = app
        .staff_token(&format!("la.manager@{}", closeknit_tests::demo::EASTBROOK))
        .await;
    let body = set_terms(&app, &other, &la, &provider, json!({})).await;
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
    // Terms that leave a timescale out, or are out of range, are refused.
    let body = set_terms(
        &app,
        &la_manager,
        &la,
        &provider,
        json!({"timescales": [{"timescale": "ALLOCATION", "amount": 2, "unit": "WORKING_DAYS"}]}),
    )
    .await;
    let (code, message) = refusal(&body);
    assert_eq!(code, "BAD_USER_INPUT", "{body}");
    assert!(message.contains("first contact"), "{message}");
    let body = set_terms(
        &app,
        &la_manager,
        &la,
        &provider,
        json!({"atRiskPercent": 0}),
    )
    .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
    let body = set_terms(
        &app,
        &la_manager,
        &la,
        &provider,
        json!({"workingDayStarts": "9am"}),
    )
    .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
    // Set by the authority's manager.
    let body = set_terms(
        &app,
        &la_manager,
        &la,
        &provider,
        json!({"expectedVersion": 0}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let terms = &body["data"]["setAdvocacyContractTerms"]["terms"];
    assert_eq!(terms["version"], 1);
    assert_eq!(terms["workingDayStarts"], "08:30");
    assert_eq!(terms["timescales"].as_array().unwrap().len(), 4);
    // A change against the old version is stale.
    let body = set_terms(
        &app,
        &la_manager,
        &la,
        &provider,
        json!({"expectedVersion": 0}),
    )
    .await;
    assert_eq!(refusal(&body).0, "CONFLICT", "{body}");
    // New requests run to them; the earlier one keeps its own.
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let mut urgent = own_request();
    urgent["urgency"] = json!("URGENT");
    let after = step(&app, &me, "requestAdvocacy", urgent).await;
    let seen = clocks(&app, &manager, after["id"].as_str().unwrap()).await;
    let first = clock(&seen, "FIRST_CONTACT");
    assert_eq!(
        (first["amount"].as_i64(), first["unit"].as_str()),
        (Some(6), Some("WORKING_HOURS"))
    );
    assert_eq!(clock(&seen, "ALLOCATION")["amount"], 2);
    let earlier = clocks(&app, &manager, before["id"].as_str().unwrap()).await;
    assert_eq!(clock(&earlier, "ALLOCATION")["amount"], 3);
}

#[tokio::test]
async fn a_record_restarts_the_closure_review() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let request = young_persons_request(&app, &smtp).await;
    let (id, manager) = assigned(&app, &request).await;
    let now = Utc::now();
    // Time passes without activity: the closure review is overdue.
    move_advocacy_clock(
        &app.db,
        uuid_in(&id),
        "closure_review",
        now - Duration::days(2),
        now - Duration::hours(1),
    )
    .await;
    assert_eq!(
        state(&clocks(&app, &manager, &id).await, "CLOSURE_REVIEW"),
        "BREACHED"
    );
    let advocate = app.staff_token(ADVOCATE).await;
    let contact = json!({"requestId": id, "occurredOn": closeknit_tests::staying_close::day(0),
        "how": "PHONE", "inTheirWords": "Still worried.", "whatTheyWant": "A meeting."});
    let body = app
        .mutate(&advocate, "recordAdvocacyContact", contact, "record { id }")
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let seen = clocks(&app, &manager, &id).await;
    let review = clock(&seen, "CLOSURE_REVIEW");
    assert_eq!(review["state"], "PENDING", "{review}");
    let started: chrono::DateTime<Utc> = review["startedAt"].as_str().unwrap().parse().unwrap();
    assert!(started >= now, "restarted at the record");
    assert_eq!(review["amount"], 20);
}
