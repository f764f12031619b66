//! A caseload page reads each of its plans' lists in one statement, and
//! holds what each plan read on its own holds.

use closeknit_tests::{TestApp, demo::NORTHMOOR as N};
use serde_json::json;

#[tokio::test]
async fn a_caseload_page_reads_its_lists_in_one_statement_each() {
    // No in-process worker: its polling would add statements to the count.
    let app = TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let lists = "id goals { id title progress { note authorName } } \
        nextCheckIn { dueOn overdue } nextReview { dueOn } claims { id amountPence status } \
        checkIns { id status } reviews { id dueOn } \
        entitlements { kind capPence claimedPence remainingPence } \
        comments { id body authorName } responses { planVersion agrees words } \
        accommodation { id type suitable ssda903Code } inTouch { id status } activities { id code }";
    // Other work (SQLite's notification polling, a batch split on a busy
    // machine) can only add statements: the fewest of three runs counts.
    let mut statements = Vec::new();
    let mut pages = Vec::new();
    for first in [1, 10] {
        let mut fewest = f64::MAX;
        for _ in 0..3 {
            let before = app.metric("closeknit_db_statements_total", "").await;
            let (_, body) = app
                .graphql_as(
                    &manager,
                    &format!(
                        "{{ stayingClosePlans(first: {first}) {{ edges {{ node {{ {lists} }} }} }} }}"
                    ),
                    json!({}),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
            let after = app.metric("closeknit_db_statements_total", "").await;
            fewest = fewest.min(after - before);
            pages.push(body["data"]["stayingClosePlans"]["edges"].clone());
        }
        statements.push(fewest);
    }
    let plans = pages.last().unwrap().as_array().unwrap();
    assert!(plans.len() >= 5, "the demo authority has several plans");
    assert!(statements[0] > 0.0, "statements are counted");
    // One list read per plan would add a statement for each further plan.
    let extra = statements[1] - statements[0];
    assert!(
        extra < (plans.len() - 1) as f64,
        "one plan: {} statements, {} plans: {}",
        statements[0],
        plans.len(),
        statements[1]
    );
    // Batched lists hold what each plan read on its own holds.
    let mut with_goals = 0;
    for edge in plans {
        let node = &edge["node"];
        let (_, single) = app
            .graphql_as(
                &manager,
                &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {lists} }} }}"),
                json!({"id": node["id"]}),
            )
            .await;
        assert_eq!(&single["data"]["stayingClosePlan"], node);
        with_goals += usize::from(!node["goals"].as_array().unwrap().is_empty());
    }
    assert!(with_goals >= 2, "{plans:?}");
}

#[tokio::test]
async fn a_caseload_page_reads_its_young_people_in_a_fixed_number_of_statements() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_WORKER_IN_PROCESS", "false")
        .spawn()
        .await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let fields = "id youngPerson { givenName familyName childRef category }";
    let mut statements = Vec::new();
    let mut pages = Vec::new();
    for first in [1, 100] {
        let mut fewest = f64::MAX;
        for _ in 0..3 {
            let before = app.metric("closeknit_db_statements_total", "").await;
            let (_, body) = app
                .graphql_as(
                    &manager,
                    &format!(
                        "{{ stayingClosePlans(first: {first}) {{ edges {{ node {{ {fields} }} }} }} }}"
                    ),
                    json!({}),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
            let after = app.metric("closeknit_db_statements_total", "").await;
            fewest = fewest.min(after - before);
            pages.push(body["data"]["stayingClosePlans"]["edges"].clone());
        }
        statements.push(fewest);
    }
    let plans = pages.last().unwrap().as_array().unwrap();
    assert!(plans.len() >= 5, "the demo authority has several plans");
    // Profiles, then the children's homes they name: never one per plan.
    eprintln!(
        "youngPerson: 1 plan {}, {} plans {}",
        statements[0],
        plans.len(),
        statements[1]
    );
    assert!(
        statements[1] <= statements[0] + 1.0,
        "one plan: {} statements, {} plans: {}",
        statements[0],
        plans.len(),
        statements[1]
    );
    for edge in plans {
        let node = &edge["node"];
        let (_, single) = app
            .graphql_as(
                &manager,
                &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {fields} }} }}"),
                json!({"id": node["id"]}),
            )
            .await;
        assert_eq!(&single["data"]["stayingClosePlan"], node);
        assert!(node["youngPerson"]["childRef"].is_string(), "{node}");
    }
    // Each plan's read is audited with the fields released, as before.
    let audited = closeknit::db::raw::query(
        &app.db,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'plan.read' \
         AND fields = '[\"id\",\"youngPerson\"]'",
        vec![],
    )
    .await
    .unwrap();
    let n: i64 = audited[0].try_get("", "n").unwrap();
    assert!(n as usize >= 4 * plans.len(), "{n} reads audited");
}
