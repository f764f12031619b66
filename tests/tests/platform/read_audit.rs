//! Reads are recorded before their response leaves, also when many arrive
//! together and share a commit (the group-committing read audit), and a
//! read whose record cannot be written fails instead of answering. Both
//! databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit::db::raw::{exec, query};
use closeknit_tests::{TestApp, error_codes, on_postgres};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const CASELOAD: &str = "{ stayingClosePlans(first: 50) { edges { node { id } } } }";

async fn post(app: &TestApp, token: &str, request_id: &str, query: &str) -> Value {
    send(&app.client, &app.url("/graphql"), token, request_id, query).await
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    request_id: &str,
    query: &str,
) -> Value {
    client
        .post(url)
        .bearer_auth(token)
        .header("x-request-id", request_id)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn recorded(db: &impl ConnectionTrait, request_id: &str) -> Vec<(String, String)> {
    query(
        db,
        "SELECT action, fields FROM audit_events WHERE request_id = $1 ORDER BY id",
        vec![request_id.into()],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get_by_index(0).unwrap(),
            r.try_get_by_index(1).unwrap(),
        )
    })
    .collect()
}

#[tokio::test]
async fn concurrent_reads_are_each_recorded_before_their_response() {
    let app = TestApp::spawn().await;
    let manager = app.staff_token("la.manager@northmoor.example").await;
    let db = app.test_db().connect().await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (client, url, token, db) = (
            app.client.clone(),
            app.url("/graphql"),
            manager.clone(),
            db.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let request_id = format!("read-audit-{i}");
            let body = send(&client, &url, &token, &request_id, CASELOAD).await;
            assert!(body["errors"].is_null(), "{body}");
            let shown = body["data"]["stayingClosePlans"]["edges"]
                .as_array()
                .unwrap()
                .len();
            // Looked at as soon as this response arrived, while the others
            // may still be running: the records are already committed.
            let records = recorded(&db, &request_id).await;
            (shown, records)
        }));
    }
    for task in tasks {
        let (shown, records) = task.await.unwrap();
        assert!(shown > 0);
        assert_eq!(records.len(), shown, "one record per plan shown");
        assert!(
            records
                .iter()
                .all(|(action, fields)| action == "plan.read" && fields == r#"["id"]"#),
            "{records:?}"
        );
    }
}

#[tokio::test]
async fn a_read_that_cannot_be_recorded_fails() {
    let app = TestApp::spawn().await;
    let manager = app.staff_token("la.manager@northmoor.example").await;
    let db = app.test_db().connect().await;
    let refuse: &[&str] = if on_postgres() {
        &[
            "CREATE FUNCTION refuse_plan_reads() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.action = 'plan.read' THEN RAISE EXCEPTION 'refused for a test'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER refuse_plan_reads BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_plan_reads()",
        ]
    } else {
        &[
            "CREATE TRIGGER refuse_plan_reads BEFORE INSERT ON audit_events \
           WHEN NEW.action = 'plan.read' BEGIN SELECT RAISE(ABORT, 'refused for a test'); END",
        ]
    };
    for sql in refuse {
        exec(&db, sql, vec![]).await.unwrap();
    }

    let body = post(&app, &manager, "unrecordable", CASELOAD).await;
    assert_eq!(error_codes(&body), ["INTERNAL_SERVER_ERROR"], "{body}");
    assert!(
        body["data"].is_null() || body["data"]["stayingClosePlans"].is_null(),
        "nothing read is shown: {body}"
    );
    let text = body.to_string();
    assert!(!text.contains("refused for a test"), "{text}");
    assert!(recorded(&db, "unrecordable").await.is_empty());

    // Other records still go through, and plan reads again once they can be
    // recorded.
    let body = post(
        &app,
        &manager,
        "profiles",
        "{ youngPeople(first: 2) { edges { node { id } } } }",
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(recorded(&db, "profiles").await.len(), 2);
    let drop = if on_postgres() {
        "DROP TRIGGER refuse_plan_reads ON audit_events"
    } else {
        "DROP TRIGGER refuse_plan_reads"
    };
    exec(&db, drop, vec![]).await.unwrap();
    let body = post(&app, &manager, "recordable", CASELOAD).await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(!recorded(&db, "recordable").await.is_empty());
}
