//! Live delivery of new notifications to subscribers, across instances.
//!
//! On PostgreSQL, [`super::service::notify`] issues `pg_notify` inside the
//! caller's transaction, so the event is published exactly when (and only
//! if) the notification commits; every instance LISTENs and fans the event
//! out to its own subscribers. On SQLite (one file, possibly several
//! processes) each instance polls for recently created notifications,
//! looking a few seconds behind the newest it has seen. Either way the inbox stays the source of truth: a client that
//! reconnects fetches what it missed with the `notifications` query.
//!
//! The same hub carries session endings ([`SessionEnded`]), so that every
//! instance closes the subscription sockets of a session (or of every
//! session of an account) as soon as it ends: announced with
//! [`announce_session_ended`] in the revoking transaction on PostgreSQL, and
//! found on SQLite by polling refresh tokens revoked lately (only while this
//! instance has sockets open).

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    error::AppResult,
    identity::directory,
};

/// The PostgreSQL channel notifications are announced on.
pub const CHANNEL: &str = "closeknit_notifications";

/// A notification was committed for a person.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct LiveEvent {
    pub person_id: Uuid,
    pub notification_id: Uuid,
}

/// Announces a notification (PostgreSQL: delivered at commit). A no-op on
/// SQLite, where instances poll.
pub async fn announce(db: &impl ConnectionTrait, event: LiveEvent) -> crate::error::AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        let payload = serde_json::to_string(&event).map_err(crate::error::AppError::internal)?;
        exec(
            db,
            "SELECT pg_notify($1, $2)",
            vec![CHANNEL.into(), payload.into()],
        )
        .await?;
    }
    Ok(())
}

/// The PostgreSQL channel session endings are announced on.
pub const SESSIONS_CHANNEL: &str = "closeknit_sessions";

/// A session ended (logout, refresh-token reuse), or with `session_id`
/// `None` every session of the account (logout everywhere, a disabled
/// account).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionEnded {
    pub account_id: Uuid,
    pub session_id: Option<Uuid>,
}

/// What a socket hears about sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSignal {
    Ended(SessionEnded),
    /// Endings may have been missed (the LISTEN connection was lost):
    /// check the session in the database.
    Recheck,
}

impl SessionSignal {
    /// Whether this ends (or may have ended) the given session.
    pub fn may_end(&self, account_id: Uuid, session_id: Uuid) -> bool {
        match self {
            SessionSignal::Ended(ended) => {
                ended.account_id == account_id && ended.session_id.is_none_or(|s| s == session_id)
            }
            SessionSignal::Recheck => true,
        }
    }
}

/// Announces that sessions ended, inside the transaction that revokes them
/// (PostgreSQL: delivered at commit, so only if the revocation commits). A
/// no-op on SQLite, where instances poll refresh tokens.
pub async fn announce_session_ended(
    db: &impl ConnectionTrait,
    ended: SessionEnded,
) -> crate::error::AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        let payload = serde_json::to_string(&ended).map_err(crate::error::AppError::internal)?;
        exec(
            db,
            "SELECT pg_notify($1, $2)",
            vec![SESSIONS_CHANNEL.into(), payload.into()],
        )
        .await?;
    }
    Ok(())
}

/// This instance's fan-out point for live notification events and session
/// endings.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<LiveEvent>,
    sessions: broadcast::Sender<SessionSignal>,
    shutdown: CancellationToken,
}

impl LiveHub {
    pub fn new(shutdown: CancellationToken) -> Self {
        let (sender, _) = broadcast::channel(1024);
        let (sessions, _) = broadcast::channel(1024);
        LiveHub {
            sender,
            sessions,
            shutdown,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// Session endings from now on (subscribe before authenticating, so
    /// none is missed in between).
    pub fn subscribe_sessions(&self) -> broadcast::Receiver<SessionSignal> {
        self.sessions.subscribe()
    }

    fn publish_session(&self, signal: SessionSignal) {
        let _ = self.sessions.send(signal);
    }

    /// Resolves when the server is shutting down (subscriptions end).
    pub fn shutdown(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    fn publish(&self, event: LiveEvent) {
        // No subscribers is fine.
        let _ = self.sender.send(event);
    }

    /// Feeds the hub from the database until shutdown.
    pub async fn run(self, db: DatabaseConnection) {
        match db.get_database_backend() {
            DbBackend::Postgres => self.listen(db).await,
            _ => self.poll(db).await,
        }
    }

    async fn listen(self, db: DatabaseConnection) {
        use sea_orm::sqlx::postgres::PgListener;
        let pool = db.get_postgres_connection_pool().clone();
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "LISTEN connection failed; retrying");
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            };
            if let Err(err) = listener.listen_all([CHANNEL, SESSIONS_CHANNEL]).await {
                tracing::warn!(error = %err, "LISTEN failed; retrying");
                tokio::select! {
                    _ = self.shutdown.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
            // Endings announced while not listening were missed: sockets
            // check their sessions.
            self.publish_session(SessionSignal::Recheck);
            loop {
                let received = tokio::select! {
                    _ = self.shutdown.cancelled() => return,
                    r = listener.recv() => r,
                };
                match received {
                    Ok(notification) if notification.channel() == SESSIONS_CHANNEL => {
                        match serde_json::from_str::<SessionEnded>(notification.payload()) {
                            Ok(ended) => self.publish_session(SessionSignal::Ended(ended)),
                            Err(err) => tracing::warn!(error = %err, "unreadable session event"),
                        }
                    }
                    Ok(notification) => {
                        match serde_json::from_str::<LiveEvent>(notification.payload()) {
                            Ok(event) => self.publish(event),
                            Err(err) => tracing::warn!(error = %err, "unreadable live event"),
                        }
                    }
                    Err(err) => {
                        // sqlx reconnects on the next recv; events in the
                        // gap are in the inbox.
                        tracing::warn!(error = %err, "LISTEN connection lost");
                        break;
                    }
                }
            }
        }
    }

    /// SQLite: look a little behind the newest creation time seen, so a
    /// notification that committed late (its time is taken before commit)
    /// is still found; ids already published are remembered for the window.
    async fn poll(self, db: DatabaseConnection) {
        const OVERLAP: chrono::Duration = chrono::Duration::seconds(5);
        let mut watermark = chrono::Utc::now();
        let mut seen: std::collections::HashMap<Uuid, chrono::DateTime<chrono::Utc>> =
            std::collections::HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut ended = RevokedPoll::new();
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            // Session endings first: a notification made after a logout and
            // found in the same tick must meet closed sockets, never be
            // delivered to the session that ended.
            ended.poll(&self, &db).await;
            let rows = query(
                &db,
                "SELECT id, person_id, created_at FROM notifications WHERE created_at > $1 \
                 ORDER BY created_at LIMIT 1000",
                vec![(watermark - OVERLAP).into()],
            )
            .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(err) => {
                    tracing::warn!(error = %err, "polling for live notifications failed");
                    continue;
                }
            };
            for row in &rows {
                // An unreadable row is a data bug: logged (not published),
                // without holding up the rest.
                let (id, person, created) = match polled_notification(row) {
                    Ok(polled) => polled,
                    Err(err) => {
                        err.log();
                        continue;
                    }
                };
                watermark = watermark.max(created);
                if seen.insert(id, created).is_none() {
                    self.publish(LiveEvent {
                        person_id: person,
                        notification_id: id,
                    });
                }
            }
            let horizon = watermark - OVERLAP - OVERLAP;
            seen.retain(|_, created| *created >= horizon);
        }
    }
}

/// A polled notification's id, person and creation time.
fn polled_notification(
    row: &sea_orm::QueryResult,
) -> AppResult<(Uuid, Uuid, chrono::DateTime<chrono::Utc>)> {
    Ok((
        get(row, "id")?,
        get(row, "person_id")?,
        get(row, "created_at")?,
    ))
}

/// SQLite: sessions revoked lately (refresh-token families), found the way
/// [`LiveHub::poll`] finds notifications: a little behind the newest
/// revocation seen, remembering families already announced. Only while
/// this instance has sockets listening.
struct RevokedPoll {
    watermark: chrono::DateTime<chrono::Utc>,
    seen: std::collections::HashMap<Uuid, chrono::DateTime<chrono::Utc>>,
}

impl RevokedPoll {
    const OVERLAP: chrono::Duration = chrono::Duration::seconds(5);

    fn new() -> Self {
        RevokedPoll {
            watermark: chrono::Utc::now(),
            seen: std::collections::HashMap::new(),
        }
    }

    async fn poll(&mut self, hub: &LiveHub, db: &DatabaseConnection) {
        if hub.sessions.receiver_count() == 0 {
            // Nobody to tell; a socket opened later authenticates afresh.
            self.watermark = chrono::Utc::now();
            self.seen.clear();
            return;
        }
        let revoked =
            directory::sessions_revoked_since(db, self.watermark - Self::OVERLAP, 1000).await;
        let revoked = match revoked {
            Ok(revoked) => revoked,
            Err(err) => {
                tracing::warn!("polling for ended sessions failed");
                err.log();
                return;
            }
        };
        for session in &revoked {
            self.watermark = self.watermark.max(session.revoked_at);
            if self
                .seen
                .insert(session.session_id, session.revoked_at)
                .is_none()
            {
                hub.publish_session(SessionSignal::Ended(SessionEnded {
                    account_id: session.account_id,
                    session_id: Some(session.session_id),
                }));
            }
        }
        let horizon = self.watermark - Self::OVERLAP - Self::OVERLAP;
        self.seen.retain(|_, revoked| *revoked >= horizon);
    }
}

/// The viewer's new notifications as a stream: filtered to their person,
/// re-checking before each one that their session is still live, and
/// ending at shutdown or when `expires` passes.
pub fn subscription(
    hub: &LiveHub,
    db: DatabaseConnection,
    viewer: crate::auth::viewer::AccountViewer,
    expires: Option<tokio::time::Instant>,
) -> impl futures::Stream<Item = super::graphql::Notification> + use<> {
    struct State {
        rx: broadcast::Receiver<LiveEvent>,
        db: DatabaseConnection,
        viewer: crate::auth::viewer::AccountViewer,
        stop: CancellationToken,
        expires: Option<tokio::time::Instant>,
    }
    let state = State {
        rx: hub.subscribe(),
        db,
        viewer,
        stop: hub.shutdown(),
        expires,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            let expiry = async {
                match state.expires {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let event = tokio::select! {
                _ = state.stop.cancelled() => return None,
                _ = expiry => return None,
                event = state.rx.recv() => event,
            };
            let event = match event {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "a live subscriber fell behind; the inbox has the rest"
                    );
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            if event.person_id != state.viewer.person_id {
                continue;
            }
            // A logged-out or disabled account stops receiving at once.
            match crate::identity::store::principal(
                &state.db,
                state.viewer.account_id,
                state.viewer.session_id,
            )
            .await
            {
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(err) => {
                    err.log();
                    continue;
                }
            }
            match super::store::own(&state.db, state.viewer.person_id, event.notification_id).await
            {
                Ok(Some(row)) => return Some((row.into(), state)),
                Ok(None) => continue,
                Err(err) => {
                    err.log();
                    continue;
                }
            }
        }
    })
}
