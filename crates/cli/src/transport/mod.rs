//! The HTTP listener: accepts TCP connections up to a cap and serves each with hyper's HTTP/1 connection, under
//! the timeouts that keep slow or silent clients from holding connections (see `watch`). Replaces `axum::serve`,
//! which has neither a cap nor timeouts: 1,100 half-open connections against a 1,024-file limit made every
//! accept fail with "Too many open files" for as long as the attacker liked.

mod conn;
mod files;
mod watch;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use files::{connection_cap, raise_open_file_limit};

use crate::config::Config;

/// The connection settings, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From accepting a connection (or from a kept-alive connection's first byte) to the end of the request
    /// headers; also the longest pause allowed within a request body.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection may sit between requests. Longer than the 60 s idle timeout of common
    /// load balancers, which must be the ones to close a shared connection, never the server under them.
    pub idle_timeout: Duration,
    /// Connections served at once; `None` derives it from the open-file limit.
    pub max_connections: Option<u64>,
}

impl Limits {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let max_connections = match config.max_connections {
            Some(0) => return Err("max_connections must be at least 1".into()),
            n => n,
        };
        Ok(Self {
            header_read_timeout: duration("header_read_timeout", &config.header_read_timeout)?,
            idle_timeout: duration("idle_timeout", &config.idle_timeout)?,
            max_connections,
        })
    }
}

/// A positive duration such as "10s", "500ms", "5m" or "7d".
pub fn duration(name: &str, text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(format!("{name} must be longer than zero")),
        Err(e) => Err(format!(
            "{name} must be a duration such as 10s, 5m or 7d, not '{text}' ({e})"
        )),
    }
}

/// Counts arrive as TOML integers or, from `LATCHKEY_*` variables, as strings.
pub fn optional_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(u64),
        Text(String),
    }
    match Option::<Count>::deserialize(d)? {
        None => Ok(None),
        Some(Count::Number(n)) => Ok(Some(n)),
        Some(Count::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a whole number, not '{t}'"))),
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets every connection finish
/// the request it is serving, and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    cap: usize,
    shutdown: impl Future<Output = ()>,
) {
    // Each connection holds a permit; at the cap the loop stops accepting, and connections wait in the kernel's
    // backlog instead of failing, until one closes. Waiting for every permit at the end waits for every
    // connection.
    let cap = cap.clamp(1, u32::MAX as usize);
    let permits = Arc::new(Semaphore::new(cap));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut accept_errors = Backoff::default();
    let mut at_cap = false;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break, // never closed
            },
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // EMFILE/ENFILE/ENOBUFS: wait for connections or files to close rather than spin or exit.
                let pause = accept_errors.next();
                tracing::error!(error = %e, retry_in_ms = pause.as_millis() as u64, "accept error");
                drop(permit);
                tokio::select! {
                    () = tokio::time::sleep(pause) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        accept_errors = Backoff::default();
        let full = permits.available_permits() == 0;
        if full && !at_cap {
            tracing::warn!(
                max_connections = cap,
                "connection limit reached: further connections wait to be accepted"
            );
        }
        at_cap = full;
        tokio::spawn(conn::run(
            stream,
            peer,
            router.clone(),
            limits,
            stopping.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    let _ = permits.acquire_many(cap as u32).await;
}

/// Errors about one connection, which the next accept does not repeat.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// 10 ms, doubling to 1 s: short enough to resume as soon as files free up, long enough not to spin.
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Self(Duration::from_millis(10))
    }
}

impl Backoff {
    fn next(&mut self) -> Duration {
        let now = self.0;
        self.0 = (self.0 * 2).min(Duration::from_secs(1));
        now
    }
}

/// The address of the peer, as axum's `ConnectInfo` extractor reads it.
pub type Peer = SocketAddr;

#[cfg(test)]
mod tests;
