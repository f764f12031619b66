//! Live notifications over `graphql-transport-ws` on both databases:
//! authentication in `connection_init`, delivery across two server
//! instances on one database, only the viewer's own, the socket closing
//! (4401) when its session ends on any instance, refusing browsers from
//! other sites, and the stream ending with the server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use closeknit::notifications::{
    model::Kind,
    service::{self, NewNotification},
};
use closeknit_tests::{
    TestApp, error_codes, signing_key_pem,
    ws::{Socket, next, open, send},
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, http::HeaderValue},
};
use uuid::Uuid;

const KEY_WORKER: &str = "key.worker@northmoor.example";
const SUBSCRIBE: &str = "subscription { notificationAdded { title kind urgent } }";

async fn spawn_pair() -> (TestApp, TestApp) {
    let first = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(7))
        .spawn()
        .await;
    let second = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(7))
        .shared_database(&first)
        .spawn()
        .await;
    (first, second)
}

async fn subscribed(app: &TestApp, token: &str) -> Socket {
    closeknit_tests::ws::subscribed_to(app, token, SUBSCRIBE).await
}

async fn notify(db: &DatabaseConnection, person: Uuid, title: &str) {
    let txn = db.begin().await.unwrap();
    service::notify(
        &txn,
        NewNotification {
            person_id: person,
            kind: Kind::TrainingReminder,
            title,
            body: "Your session starts tomorrow at 10:00.",
            subject: None,
            collapse_key: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn a_notification_created_on_one_instance_reaches_a_subscriber_on_the_other() {
    let (first, second) = spawn_pair().await;
    let token = first.staff_token(KEY_WORKER).await;
    let mut socket = subscribed(&first, &token).await;
    // Give the subscription a moment to register before publishing.
    tokio::time::sleep(Duration::from_millis(400)).await;

    let me = second.person_id(KEY_WORKER).await;
    let someone_else = second.person_id("personal.adviser@northmoor.example").await;
    notify(&second.db, someone_else, "Not for you").await;
    notify(&second.db, me, "Workshop tomorrow").await;

    let message = next(&mut socket, Duration::from_secs(10)).await.unwrap();
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "1");
    assert_eq!(
        message["payload"]["data"]["notificationAdded"],
        json!({"title": "Workshop tomorrow", "kind": "TRAINING_REMINDER", "urgent": false}),
        "only the viewer's own notification arrives"
    );
    // A second one arrives too, in order.
    notify(&second.db, me, "Bring a notebook").await;
    let message = next(&mut socket, Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        message["payload"]["data"]["notificationAdded"]["title"],
        "Bring a notebook"
    );
}

#[tokio::test]
async fn connection_init_without_a_valid_token_is_refused() {
    let app = TestApp::spawn().await;
    for payload in [json!({}), json!({"authorization": "Bearer not-a-token"})] {
        let mut socket = open(&app).await;
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": payload}),
        )
        .await;
        let reply = next(&mut socket, Duration::from_secs(5)).await;
        assert_eq!(reply, Some(json!({"closed": 4403})), "{payload}");
    }
    // Subscriptions are not served over plain HTTP.
    let (_, body) = app.graphql(SUBSCRIBE, json!({})).await;
    assert!(body["errors"].is_array(), "{body}");
}

#[tokio::test]
async fn the_stream_ends_when_the_session_ends_and_sockets_close_at_shutdown() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(7))
        .spawn()
        .await;
    let token = app.staff_token(KEY_WORKER).await;
    let mut socket = subscribed(&app, &token).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let me = app.person_id(KEY_WORKER).await;

    let (_, body) = app
        .graphql_as(
            &token,
            "mutation { logoutEverywhere { sessionsEnded } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    notify(&app.db, me, "After logout").await;
    // The stream may see the ended session first (and complete) or the
    // socket may be closed first; either way nothing is delivered and the
    // socket closes with 4401.
    let mut message = next(&mut socket, Duration::from_secs(10)).await.unwrap();
    if message["type"] == "complete" {
        message = next(&mut socket, Duration::from_secs(5)).await.unwrap();
    }
    assert_eq!(
        message,
        json!({"closed": 4401}),
        "closed, and nothing delivered, after logout"
    );

    // A fresh session's socket is closed when the server stops.
    let token = app.staff_token(KEY_WORKER).await;
    let mut socket = subscribed(&app, &token).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = tokio::spawn(app.stop());
    let closed = next(&mut socket, Duration::from_secs(5)).await;
    assert!(
        closed.is_none()
            || closed
                .as_ref()
                .is_some_and(|m| m.get("closed").is_some() || m["type"] == "complete"),
        "{closed:?}"
    );
    tokio::time::timeout(Duration::from_secs(10), stopped)
        .await
        .expect("the server stops promptly with a socket open")
        .unwrap();
}

#[tokio::test]
async fn only_subscriptions_are_served_and_the_socket_ends_with_its_token() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_ACCESS_TOKEN_TTL_SECS", "2")
        .spawn()
        .await;
    let token = app.staff_token(KEY_WORKER).await;
    let mut socket = subscribed(&app, &token).await;
    for (id, query) in [
        (
            "2",
            "{ youngPeople(first: 5) { edges { node { givenName } } } }",
        ),
        ("3", "mutation { logoutEverywhere { sessionsEnded } }"),
    ] {
        send(
            &mut socket,
            json!({"id": id, "type": "subscribe", "payload": {"query": query}}),
        )
        .await;
        let reply = next(&mut socket, Duration::from_secs(5)).await.unwrap();
        assert_eq!(reply["id"], id, "{reply}");
        assert!(reply.to_string().contains("Only subscriptions"), "{reply}");
        assert!(!reply.to_string().contains("givenName\":\""), "{reply}");
        // Drain the completion that follows an operation's last result.
        if reply["type"] == "next" {
            let done = next(&mut socket, Duration::from_secs(5)).await.unwrap();
            assert_eq!(done["type"], "complete", "{done}");
        }
    }
    // The mutation did not run: the session is still there.
    let (_, body) = app.graphql_as(&token, "{ me { email } }", json!({})).await;
    assert_eq!(body["data"]["me"]["email"], KEY_WORKER, "{body}");
    // The access token lives 2 s; then the socket is closed.
    let mut closed = None;
    for _ in 0..10 {
        match next(&mut socket, Duration::from_secs(5)).await {
            Some(message) if message.get("closed").is_some() => {
                closed = Some(message);
                break;
            }
            Some(_) => continue,
            None => break,
        }
    }
    assert_eq!(closed, Some(json!({"closed": 4401})));
}

/// Opens the socket with `Origin: origin` (if any): `Ok` when upgraded,
/// otherwise the refusal's status and JSON body.
async fn open_from(app: &TestApp, origin: Option<&str>) -> Result<Socket, (u16, Value)> {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    match connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_ref()
                .map(|b| serde_json::from_slice(b).unwrap())
                .unwrap_or(Value::Null);
            Err((status, body))
        }
        Err(other) => panic!("connecting from {origin:?}: {other}"),
    }
}

#[tokio::test]
async fn browsers_on_other_sites_cannot_open_the_socket() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_CORS_ORIGINS", "https://app.closeknit.example")
        .spawn()
        .await;
    let own = format!("http://{}", app.addr);
    let own_https = format!("https://{}", app.addr);
    let other_port = format!("http://127.0.0.1:{}", app.addr.port().wrapping_add(1));
    let look_alike = format!("http://{}.evil.example", app.addr);
    for origin in [
        "https://evil.example",
        "null",
        other_port.as_str(),
        look_alike.as_str(),
    ] {
        match open_from(&app, Some(origin)).await {
            Ok(_) => panic!("a socket was opened from {origin}"),
            Err((status, body)) => {
                assert_eq!(status, 403, "{origin}: {body}");
                assert_eq!(error_codes(&body), ["FORBIDDEN"], "{origin}: {body}");
            }
        }
    }
    // Native apps (no Origin), the server's own pages and configured
    // origins get the socket, and it works.
    let token = app.staff_token(KEY_WORKER).await;
    for origin in [
        None,
        Some(own.as_str()),
        Some(own_https.as_str()),
        Some("https://app.closeknit.example"),
    ] {
        let mut socket = open_from(&app, origin)
            .await
            .unwrap_or_else(|refused| panic!("{origin:?} refused: {refused:?}"));
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
        )
        .await;
        let ack = next(&mut socket, Duration::from_secs(5)).await.unwrap();
        assert_eq!(ack["type"], "connection_ack", "{origin:?}: {ack}");
    }
}

/// Waits (up to 5 s) for the socket to be closed; returns the close code
/// and how long it took from `since`.
async fn closed_within(socket: &mut Socket, since: std::time::Instant) -> (Value, Duration) {
    let message = next(socket, Duration::from_secs(5)).await;
    (message.unwrap_or(Value::Null), since.elapsed())
}

#[tokio::test]
async fn logging_out_everywhere_closes_the_accounts_sockets_on_every_instance() {
    let (first, second) = spawn_pair().await;
    let db = if closeknit_tests::on_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    // Two sessions of one account, a socket on each instance, and someone
    // else's socket that must stay open.
    let token = first.staff_token(KEY_WORKER).await;
    let other_session = second.staff_token(KEY_WORKER).await;
    let adviser = "personal.adviser@northmoor.example";
    let bystander_token = second.staff_token(adviser).await;
    let mut on_first = subscribed(&first, &token).await;
    let mut on_second = subscribed(&second, &other_session).await;
    let mut bystander = subscribed(&second, &bystander_token).await;

    let started = std::time::Instant::now();
    let (_, body) = first
        .graphql_as(
            &token,
            "mutation { logoutEverywhere { sessionsEnded } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["logoutEverywhere"]["sessionsEnded"], 2,
        "{body}"
    );
    let (same, same_delay) = closed_within(&mut on_first, started).await;
    let (other, other_delay) = closed_within(&mut on_second, started).await;
    eprintln!(
        "{db}: logoutEverywhere closed the socket on the same instance after {same_delay:?}, \
         on the other instance after {other_delay:?}"
    );
    assert_eq!(same, json!({"closed": 4401}), "same instance");
    assert_eq!(other, json!({"closed": 4401}), "other instance");

    // The bystander's socket still works.
    notify(&first.db, second.person_id(adviser).await, "Still here").await;
    let message = next(&mut bystander, Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        message["payload"]["data"]["notificationAdded"]["title"], "Still here",
        "{message}"
    );
}

#[tokio::test]
async fn logging_out_closes_that_sessions_sockets_only() {
    let (first, second) = spawn_pair().await;
    let db = if closeknit_tests::on_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let leaving = first.staff_token(KEY_WORKER).await;
    let staying = first.staff_token(KEY_WORKER).await;
    let mut leaving_socket = subscribed(&second, &leaving).await;
    let mut staying_socket = subscribed(&second, &staying).await;

    let started = std::time::Instant::now();
    let (_, body) = first
        .graphql_as(&leaving, "mutation { logout { sessionsEnded } }", json!({}))
        .await;
    assert_eq!(body["data"]["logout"]["sessionsEnded"], 1, "{body}");
    let (closed, delay) = closed_within(&mut leaving_socket, started).await;
    eprintln!("{db}: logout closed the session's socket on the other instance after {delay:?}");
    assert_eq!(closed, json!({"closed": 4401}));

    // The account's other session keeps its socket, and it still delivers.
    notify(
        &first.db,
        first.person_id(KEY_WORKER).await,
        "Still signed in",
    )
    .await;
    let message = next(&mut staying_socket, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        message["payload"]["data"]["notificationAdded"]["title"], "Still signed in",
        "{message}"
    );
}
