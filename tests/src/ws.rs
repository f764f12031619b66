//! A `graphql-transport-ws` client for tests: open a socket, send, read the
//! next protocol message (pings answered; a close frame read as
//! `{"closed": code}`), and a live subscription to `notificationAdded`.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::TestApp;

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket to `/graphql/ws` speaking `graphql-transport-ws` (not yet
/// initialised).
pub async fn open(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, response) = connect_async(request).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next protocol message within `wait` (pings are answered);
/// `{"closed": code}` for a close frame; `None` on timeout or end.
pub async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??
            .ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    send(socket, json!({"type": "pong"})).await;
                    continue;
                }
                return Some(value);
            }
            Message::Close(frame) => {
                return Some(json!({"closed": frame.map(|f| u16::from(f.code))}));
            }
            _ => continue,
        }
    }
}

/// A socket initialised with `token` and subscribed (id `1`) to `query`.
pub async fn subscribed_to(app: &TestApp, token: &str, query: &str) -> Socket {
    let mut socket = open(app).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    let ack = next(&mut socket, Duration::from_secs(5)).await.unwrap();
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
    )
    .await;
    socket
}

/// A socket subscribed to the viewer's new notifications.
pub async fn subscribed(app: &TestApp, token: &str) -> Socket {
    subscribed_to(app, token, "subscription { notificationAdded { title } }").await
}
