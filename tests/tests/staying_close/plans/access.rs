//! Who reads which plans: the young person their own, workers and managers
//! their authority's caseload, nobody else; and every read is audited.

use closeknit::db::raw::query;
use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    error_codes,
    staying_close::{my_plan, plan_id_of, plan_of, run},
};
use serde_json::{Value, json};

const LOOKUP: &str = "query($id: ID!) { stayingClosePlan(id: $id) { id } node(id: $id) { id } }";
const CASELOAD: &str =
    "{ stayingClosePlans(first: 50) { edges { node { youngPerson { givenName } } } } }";

/// Each reader and how many plans their caseload holds (Northmoor's
/// workers and managers and Eastbrook's manager theirs; nobody else any).
const CASELOADS: [(&str, usize); 8] = [
    ("la.manager@northmoor.example", 5),
    ("personal.adviser@northmoor.example", 5),
    ("key.worker@northmoor.example", 5),
    ("la.manager@eastbrook.example", 5),
    ("social.worker@northmoor.example", 0),
    ("advocate@brightvoice.example", 0),
    ("training.coordinator@kinshiplearning.example", 0),
    ("admin@closeknit.example", 0),
];

fn caseload_size(body: &Value) -> usize {
    body["data"]["stayingClosePlans"]["edges"]
        .as_array()
        .map_or(usize::MAX, Vec::len)
}

#[tokio::test]
async fn the_young_person_sees_their_own_plan_and_no_other() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let mine = my_plan(&app, &jamie).await;
    assert_eq!(mine["youngPerson"]["givenName"], "Jamie");
    assert_eq!(mine["goals"].as_array().unwrap().len(), 3);
    assert_eq!(mine["keyWorker"]["email"], format!("key.worker@{N}"));
    assert_eq!(mine["nextCheckIn"]["overdue"], false);
    assert_eq!(mine["claims"].as_array().unwrap().len(), 2);

    // Riley's plan, seen through a Northmoor manager.
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let riley = plan_of(&app, &manager, &format!("young.person.two@{N}")).await;
    assert_eq!(riley["youngPerson"]["givenName"], "Riley");
    let riley_id = riley["id"].as_str().unwrap().to_string();

    // Another young person's plan is invisible to Jamie, by id or node.
    let (_, body) = app
        .graphql_as(&jamie, LOOKUP, json!({"id": riley_id}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["stayingClosePlan"].is_null());
    assert!(body["data"]["node"].is_null());
}

#[tokio::test]
async fn caseloads_hold_the_plans_of_assigned_workers_and_managers_only() {
    let app = TestApp::spawn().await;
    let riley_id = plan_id_of(&app, &format!("young.person.two@{N}")).await;
    for (email, expected) in CASELOADS {
        let token = app.staff_token(email).await;
        let (_, body) = app.graphql_as(&token, CASELOAD, json!({})).await;
        assert_eq!(caseload_size(&body), expected, "{email}: {body}");
        let (_, body) = app
            .graphql_as(&token, LOOKUP, json!({"id": riley_id}))
            .await;
        let sees = !body["data"]["stayingClosePlan"].is_null();
        assert_eq!(sees, email.ends_with(N) && expected > 0, "{email}: {body}");
    }
    let (_, body) = app.graphql(CASELOAD, json!({})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn a_key_worker_no_longer_on_the_plan_no_longer_sees_it() {
    let app = TestApp::spawn().await;
    let riley_id = plan_id_of(&app, &format!("young.person.two@{N}")).await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let body = run(
        &app,
        &adviser,
        "updateStayingClosePlan",
        json!({"planId": riley_id, "expectedVersion": 1, "keyWorkerId": null}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let kw = app.staff_token(&format!("key.worker@{N}")).await;
    assert!(
        plan_of(&app, &kw, &format!("young.person.two@{N}"))
            .await
            .is_null()
    );
    assert!(
        !plan_of(&app, &kw, &format!("young.person@{N}"))
            .await
            .is_null()
    );
}

#[tokio::test]
async fn plan_reads_are_audited_and_the_young_person_is_told_who_read() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    my_plan(&app, &jamie).await;
    // Three caseloads holding Jamie's plan: the manager's among them.
    for role in ["la.manager", "personal.adviser", "key.worker"] {
        let token = app.staff_token(&format!("{role}@{N}")).await;
        let (_, body) = app.graphql_as(&token, CASELOAD, json!({})).await;
        assert_eq!(caseload_size(&body), 5, "{role}: {body}");
    }

    // Reads are audited with the fields returned, and Jamie's log says so.
    let reads = query(
        &app.db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'plan.read' AND subject_person_id = $1",
        vec![app.person_id(&format!("young.person@{N}")).await.into()],
    )
    .await
    .unwrap();
    let n: i64 = reads[0].try_get_by_index(0).unwrap();
    assert!(n >= 4, "{n} reads of Jamie's plan recorded");
    let (_, body) = app
        .graphql_as(
            &jamie,
            "{ myActivity(first: 50) { edges { node { description } } } }",
            json!({}),
        )
        .await;
    let text = body.to_string();
    assert!(
        text.contains("Alex Manager") && text.contains("Staying Close plan"),
        "{body}"
    );
}
