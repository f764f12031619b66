//! A small SMTP server on loopback for tests: it speaks enough of RFC 5321
//! for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every
//! message it accepts, and can be told to refuse messages with a transient
//! error to simulate an outage.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body), dot-unstuffed.
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
    stop: CancellationToken,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_at("127.0.0.1:0".parse().expect("address")).await
    }

    /// A loopback port nothing listens on (yet): an SMTP server that is
    /// down, until [`SmtpSink::start_at`] brings one up there.
    pub async fn closed_port() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr")
    }

    /// A sink on a given address (e.g. one from [`SmtpSink::closed_port`]).
    pub async fn start_at(addr: SocketAddr) -> SmtpSink {
        let listener = TcpListener::bind(addr).await.expect("bind smtp");
        let sink = SmtpSink {
            addr: listener.local_addr().expect("addr"),
            messages: Arc::default(),
            refuse: Arc::default(),
            stop: CancellationToken::new(),
        };
        let accept = sink.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = accept.stop.cancelled() => break,
                    conn = listener.accept() => {
                        let Ok((stream, _)) = conn else { continue };
                        let session = accept.clone();
                        tokio::spawn(async move { session.serve(stream).await });
                    }
                }
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("lock").clone()
    }

    /// Answer the next `n` messages with `451` (try again later).
    pub fn refuse_next(&self, n: usize) {
        self.refuse.store(n, Ordering::SeqCst);
    }

    pub fn stop(&self) {
        self.stop.cancel();
    }

    async fn serve(&self, stream: TcpStream) {
        // Replies are small writes answering small writes: without NODELAY,
        // Nagle's algorithm and delayed ACKs add ~40 ms to every exchange.
        stream.set_nodelay(true).ok();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        if write
            .write_all(b"220 closeknit-test-smtp ready\r\n")
            .await
            .is_err()
        {
            return;
        }
        let mut from = String::new();
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            let read = tokio::select! {
                _ = self.stop.cancelled() => return,
                r = lines.read_line(&mut line) => r,
            };
            match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let command = line.trim_end().to_string();
            let upper = command.to_ascii_uppercase();
            let answer: String = if upper.starts_with("EHLO") {
                "250-closeknit-test-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into()
            } else if upper.starts_with("HELO") {
                "250 hello\r\n".into()
            } else if upper.starts_with("MAIL FROM:") {
                from = command[10..].trim().to_string();
                to.clear();
                "250 ok\r\n".into()
            } else if upper.starts_with("RCPT TO:") {
                to.push(
                    command[8..]
                        .trim()
                        .trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap_or("")
                        .to_string(),
                );
                "250 ok\r\n".into()
            } else if upper == "DATA" {
                if write.write_all(b"354 end with .\r\n").await.is_err() {
                    return;
                }
                let mut data = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(unstuffed);
                }
                let refused = self
                    .refuse
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refused {
                    "451 try again later\r\n".into()
                } else {
                    self.messages.lock().expect("lock").push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                    });
                    "250 queued\r\n".into()
                }
            } else if upper == "RSET" {
                from.clear();
                to.clear();
                "250 ok\r\n".into()
            } else if upper == "NOOP" {
                "250 ok\r\n".into()
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                "502 not implemented\r\n".into()
            };
            if write.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}
