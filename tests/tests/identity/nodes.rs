//! Identity's `Node`s: `node(id:)` gives back the viewer's own account and
//! the organisations the viewer could already see, and null for anything
//! else (never an error).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit_tests::{TestApp, demo::ADMIN};
use serde_json::{Value, json};

const MANAGER: &str = "la.manager@northmoor.example";
const EASTBROOK_MANAGER: &str = "la.manager@eastbrook.example";
const KEY_WORKER: &str = "key.worker@northmoor.example";

const ME: &str = "{ me { id email givenName familyName updatedAt roles { role organisation { id name kind updatedAt } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id \
    ... on Me { email givenName familyName updatedAt roles { role organisation { id name kind updatedAt } } } \
    ... on OrganisationSummary { name kind updatedAt } } }";

async fn node(app: &TestApp, token: &str, id: &Value) -> Value {
    let (_, body) = app.graphql_as(token, NODE, json!({"id": id})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["node"].clone()
}

async fn me(app: &TestApp, token: &str) -> Value {
    let (_, body) = app.graphql_as(token, ME, json!({})).await;
    body["data"]["me"].clone()
}

#[tokio::test]
async fn an_account_resolves_only_for_its_own_viewer() {
    let app = TestApp::spawn().await;
    let manager = app.staff_token(MANAGER).await;
    let other = app.staff_token(KEY_WORKER).await;
    let mine = me(&app, &manager).await;

    let mut again = node(&app, &manager, &mine["id"]).await;
    assert_eq!(again["__typename"], "Me");
    again.as_object_mut().unwrap().remove("__typename");
    assert_eq!(again, mine, "node gives what `me` gives");

    assert_eq!(node(&app, &other, &mine["id"]).await, Value::Null);
    let (_, anonymous) = app.graphql(NODE, json!({"id": mine["id"]})).await;
    assert_eq!(anonymous["data"]["node"], Value::Null, "{anonymous}");
}

#[tokio::test]
async fn an_organisation_resolves_for_members_admins_and_home_pickers() {
    let app = TestApp::spawn().await;
    let manager = app.staff_token(MANAGER).await;
    let key_worker = app.staff_token(KEY_WORKER).await;
    let eastbrook = app.staff_token(EASTBROOK_MANAGER).await;
    let admin = app.staff_token(ADMIN).await;

    // The manager's team, as `me.roles` shows it.
    let team = me(&app, &manager).await["roles"][0]["organisation"].clone();
    let mut again = node(&app, &manager, &team["id"]).await;
    assert_eq!(again["__typename"], "OrganisationSummary");
    again.as_object_mut().unwrap().remove("__typename");
    assert_eq!(again, team);
    assert_eq!(node(&app, &admin, &team["id"]).await["id"], team["id"]);
    assert_eq!(node(&app, &key_worker, &team["id"]).await, Value::Null);
    assert_eq!(node(&app, &eastbrook, &team["id"]).await, Value::Null);

    // A children's home from the picker: the manager may set up care
    // leavers there; its own key worker holds a role in it; Eastbrook's
    // manager may not.
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(
            &manager,
            "query($la: ID!) { childrensHomes(localAuthorityId: $la) { id name } }",
            json!({"la": la}),
        )
        .await;
    let home = body["data"]["childrensHomes"][0].clone();
    assert!(home["id"].is_string(), "{body}");
    for token in [&manager, &key_worker] {
        let found = node(&app, token, &home["id"]).await;
        assert_eq!((&found["id"], &found["name"]), (&home["id"], &home["name"]));
        assert_eq!(found["kind"], "childrens_home");
    }
    assert_eq!(node(&app, &eastbrook, &home["id"]).await, Value::Null);
}
