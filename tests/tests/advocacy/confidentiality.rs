//! Who sees what of a request: content for the advocate assigned, the
//! provider's managers and the young person; status for the authority
//! and a referrer the young person agreed may follow it; nothing for
//! another advocate, another provider or another authority. Every read is
//! audited.

use closeknit_tests::{
    TestApp,
    advocacy::{ADVOCATE_TWO, assigned, other_provider, own_request, read, step},
    demo::{EASTBROOK as E, NORTHMOOR as N},
    staying_close::count,
};
use serde_json::json;

#[tokio::test]
async fn content_stays_with_the_child_their_advocate_and_the_provider() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    let (id, manager) = assigned(&app, &request).await;
    assert_eq!(read(&app, &manager, &id).await["access"], "CONTENT");
    // The authority's manager: status and timeline, no content, no notes.
    let la_manager = app.staff_token(&format!("la.manager@{N}")).await;
    let seen = read(&app, &la_manager, &id).await;
    assert_eq!(
        (seen["access"].as_str(), seen["status"].as_str()),
        (Some("STATUS"), Some("ASSIGNED"))
    );
    assert!(seen["details"].is_null() && seen["outcome"].is_null());
    assert!(
        seen["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["note"].is_null())
    );
    assert_eq!(seen["advocate"]["givenName"], "Sam");
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(&la_manager, "query($la: ID!) { authorityAdvocacyRequests(localAuthorityId: $la) { edges { node { id status details { inTheirWords } } } } }", json!({"la": la}))
        .await;
    let node = &body["data"]["authorityAdvocacyRequests"]["edges"][0]["node"];
    assert_eq!(node["id"], id.as_str(), "newest first: {body}");
    assert!(node["details"].is_null());
    // Nobody else may know it exists: another advocate, another provider,
    // another authority's manager, a key worker; by id and by node.
    let others = [
        app.staff_token(ADVOCATE_TWO).await,
        other_provider(&app).await,
        app.staff_token(&format!("la.manager@{E}")).await,
        app.staff_token(&format!("key.worker@{N}")).await,
    ];
    for token in &others {
        assert!(read(&app, token, &id).await.is_null());
        let (_, body) = app
            .graphql_as(
                token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert!(body["data"]["node"].is_null(), "{body}");
        let (_, body) = app.graphql_as(token, "{ advocacyQueue { edges { node { id } } } advocacyCaseload { edges { node { id } } } }", json!({})).await;
        for list in ["advocacyQueue", "advocacyCaseload"] {
            let listed = body["data"][list]["edges"].as_array().unwrap();
            assert!(
                listed.iter().all(|e| e["node"]["id"] != id.as_str()),
                "{list}: {body}"
            );
        }
    }
    // Every read was audited, content reads naming the details.
    let reads = count(&app, "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'advocacy.read' AND fields LIKE '%details%'", vec![]).await;
    assert!(reads >= 2, "{reads}");
}

#[tokio::test]
async fn the_authority_sees_no_content_in_its_audit_trail_or_notifications() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let me = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let request = step(&app, &me, "requestAdvocacy", own_request()).await;
    assigned(&app, &request).await;
    let la_manager = app.staff_token(&format!("la.manager@{N}")).await;
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(&la_manager, "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 50) { edges { node { action fields } } } }", json!({"la": la}))
        .await;
    let text = body.to_string();
    assert!(body["errors"].is_null(), "{body}");
    assert!(text.contains("advocacy.submit"), "{text}");
    assert!(!text.contains("exams"), "no content in the trail");
    let notes = count(
        &app,
        "SELECT COUNT(*) AS n FROM notifications WHERE body LIKE '%exams%' OR title LIKE '%exams%'",
        vec![],
    )
    .await;
    assert_eq!(notes, 0);
    let jobs = count(
        &app,
        "SELECT COUNT(*) AS n FROM jobs WHERE payload LIKE '%exams%'",
        vec![],
    )
    .await;
    assert_eq!(jobs, 0);
}
