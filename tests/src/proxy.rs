//! A loopback TCP proxy for outage tests: the server under test talks to
//! PostgreSQL through it, and the test cuts it (connections ended, new ones
//! refused), stalls it (bytes held, connections kept) or heals it, without
//! touching the shared PostgreSQL server.

use std::net::SocketAddr;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// What the link to the database does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Bytes flow both ways.
    Up,
    /// Every connection is ended and new ones are closed at once.
    Cut,
    /// Connections are accepted and kept, but no byte moves.
    Stalled,
}

pub struct Proxy {
    pub addr: SocketAddr,
    state: watch::Sender<Link>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on 127.0.0.1:0 forwarding to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (state, _) = watch::channel(Link::Up);
        let upstream = upstream.to_string();
        let states = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let rx = states.subscribe();
                if *rx.borrow() == Link::Cut {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        relay(client, server, rx).await;
                    }
                });
            }
        });
        Proxy { addr, state, task }
    }

    pub fn set(&self, link: Link) {
        self.state.send_replace(link);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.state.send_replace(Link::Cut);
    }
}

async fn relay(client: TcpStream, server: TcpStream, rx: watch::Receiver<Link>) {
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let a = tokio::spawn(pump(cr, sw, rx.clone()));
    let b = tokio::spawn(pump(sr, cw, rx));
    let _ = tokio::join!(a, b);
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut rx: watch::Receiver<Link>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let link = *rx.borrow_and_update();
        match link {
            Link::Cut => return,
            Link::Stalled => {
                if rx.changed().await.is_err() {
                    return;
                }
            }
            Link::Up => {
                tokio::select! {
                    read = from.read(&mut buf) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if to.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    },
                    changed = rx.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// `url` with its `host:port` replaced by `addr`, and the `host:port` it had.
pub fn through(url: &str, addr: SocketAddr) -> (String, String) {
    let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let (userinfo, host) = match authority.rfind('@') {
        Some(at) => (&authority[..=at], &authority[at + 1..]),
        None => ("", authority),
    };
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    (
        format!(
            "{}{userinfo}{addr}{}",
            &url[..scheme_end],
            &rest[authority_end..]
        ),
        host,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_pointed_at_the_proxy() {
        let addr: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        assert_eq!(
            through(
                "postgres://postgres@127.0.0.1:5432/db_1?sslmode=disable",
                addr
            ),
            (
                "postgres://postgres@127.0.0.1:4000/db_1?sslmode=disable".to_string(),
                "127.0.0.1:5432".to_string()
            )
        );
        assert_eq!(
            through("postgres://u:p@localhost/db", addr).1,
            "localhost:5432"
        );
    }
}
