//! The listener against real sockets: silent, half-sent and stalled clients are closed after the header timeout,
//! kept-alive connections live for the idle timeout, the cap holds connections back instead of failing them,
//! and shutdown lets a request in flight finish.

use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::*;
use crate::config::{load, Options};

/// Told when `/slow` has begun answering (only the shutdown test calls it).
static SLOW_STARTED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Generous: only how long a test waits for something that must happen, never a measurement.
const PATIENCE: Duration = Duration::from_secs(10);

fn router() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route(
            "/slow",
            get(|| async {
                SLOW_STARTED.notify_one();
                tokio::time::sleep(Duration::from_millis(300)).await;
                "slow"
            }),
        )
        .route(
            "/echo",
            post(|body: axum::body::Bytes| async move { body.len().to_string() }),
        )
        .route(
            "/peer",
            get(|ConnectInfo(peer): axum::extract::ConnectInfo<Peer>| async move { peer.to_string() }),
        )
}

use axum::extract::ConnectInfo;

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

async fn start(limits: Limits, cap: usize) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve(listener, router(), limits, cap, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop: Some(stop),
        done,
    }
}

fn limits(header_ms: u64, idle_ms: u64) -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections: None,
    }
}

/// Sends one request and reads its response on a kept-alive connection (responses here are small, so one
/// read after the headers' end suffices once Content-Length bytes are in).
async fn exchange(conn: &mut TcpStream, request: &str) -> String {
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(PATIENCE, conn.read(&mut buf))
            .await
            .expect("no response")
            .unwrap();
        assert!(
            n > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= len {
                return text;
            }
        }
    }
}

/// Waits for the server to close the connection; returns what it sent before closing.
async fn closed_by_server(conn: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let outcome = tokio::time::timeout(PATIENCE, conn.read_to_end(&mut got)).await;
    assert!(outcome.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&got).to_string()
}

const GET: &str = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let server = start(limits(200, 60_000), 100).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(closed_by_server(&mut silent).await, "");
    // The server still serves others.
    let mut other = TcpStream::connect(server.addr).await.unwrap();
    assert!(exchange(&mut other, GET).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn half_sent_headers_are_cut_off() {
    let server = start(limits(200, 60_000), 100).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: 1\r\n")
        .await
        .unwrap();
    // Trickling a header line now and then, for far longer than the timeout, does not extend the deadline:
    // the server closes the connection while the trickle is still going.
    let mut closed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if slow.write_all(b"X-More: 1\r\n").await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut buf)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "the trickle of header lines kept the connection open");
}

#[tokio::test]
async fn a_stalled_body_is_cut_off() {
    let server = start(limits(300, 60_000), 100).await;
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345")
        .await
        .unwrap();
    let sent = closed_by_server(&mut stalled).await;
    assert!(!sent.starts_with("HTTP/1.1 200"), "{sent}");
    // A whole body is fine.
    let mut fine = TcpStream::connect(server.addr).await.unwrap();
    let answer = exchange(
        &mut fine,
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n1234567890",
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("10"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_at_one_deadline() {
    // One byte every 100 ms never pauses as long as the 300 ms timeout, but the whole body must arrive within it.
    let server = start(limits(300, 60_000), 100).await;
    let mut trickle = TcpStream::connect(server.addr).await.unwrap();
    trickle
        .write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if trickle.write_all(b"x").await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(1), trickle.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let _ = tokio::time::timeout(PATIENCE, trickle.read_to_end(&mut answer)).await;
    // A trickle that ran its course would have been answered 200.
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn a_kept_alive_connection_outlives_the_header_timeout_until_the_idle_timeout() {
    let server = start(limits(200, 1_500), 100).await;
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    assert!(exchange(&mut conn, GET).await.starts_with("HTTP/1.1 200"));
    // Idle for three header timeouts, well within the idle timeout: still usable.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(exchange(&mut conn, GET).await.starts_with("HTTP/1.1 200"));
    // Then idle for good: closed.
    assert_eq!(closed_by_server(&mut conn).await, "");
}

#[tokio::test]
async fn the_peer_address_reaches_handlers() {
    let server = start(limits(1_000, 60_000), 100).await;
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    let local = conn.local_addr().unwrap().to_string();
    let answer = exchange(&mut conn, "GET /peer HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(answer.ends_with(&local), "{answer}");
}

#[tokio::test]
async fn at_the_cap_connections_wait_instead_of_failing() {
    // A long header timeout: only the cap decides here.
    let server = start(limits(60_000, 60_000), 2).await;
    let held: Vec<TcpStream> = vec![
        TcpStream::connect(server.addr).await.unwrap(),
        TcpStream::connect(server.addr).await.unwrap(),
    ];
    let mut waiting = TcpStream::connect(server.addr).await.unwrap();
    waiting.write_all(GET.as_bytes()).await.unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut buf)).await;
    assert!(early.is_err(), "answered beyond the cap: {early:?}");
    drop(held);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).ends_with("ok") {
        let n = tokio::time::timeout(PATIENCE, waiting.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    // Timeouts far beyond PATIENCE: only the shutdown may close these connections.
    let mut server = start(limits(60_000, 60_000), 100).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    assert!(exchange(&mut idle, GET).await.starts_with("HTTP/1.1 200"));
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    // Stop only once the request is in flight (stopping earlier would find a connection still awaiting headers).
    tokio::time::timeout(PATIENCE, SLOW_STARTED.notified())
        .await
        .unwrap();
    let _ = server.stop.take().map(|s| s.send(()));
    let answer = closed_by_server(&mut busy).await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("slow"),
        "{answer}"
    );
    assert_eq!(
        closed_by_server(&mut idle).await,
        "",
        "idle connections close at shutdown"
    );
    assert_eq!(
        closed_by_server(&mut silent).await,
        "",
        "connections that sent nothing close at shutdown"
    );
    tokio::time::timeout(PATIENCE, server.done)
        .await
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[test]
fn settings_parse_and_refuse_nonsense() {
    assert_eq!(duration("x", "10s"), Ok(Duration::from_secs(10)));
    assert_eq!(duration("x", "7d"), Ok(Duration::from_secs(7 * 86_400)));
    assert!(duration("x", "0s").is_err());
    assert!(duration("idle_timeout", "soon")
        .unwrap_err()
        .contains("idle_timeout"));
    let config = Config {
        max_connections: Some(0),
        ..Config::default()
    };
    assert!(Limits::from_config(&config).is_err());
}

#[test]
fn counts_and_durations_come_from_any_layer() {
    let dir = std::env::temp_dir().join(format!("lk-config-conn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("c.toml");
    std::fs::write(&file, "max_connections = 300\nheader_read_timeout = \"3s\"\n").unwrap();
    let flags = Options {
        config: Some(file),
        idle_timeout: Some("2m".into()),
        ..Default::default()
    };
    let (c, _) = load(&flags, Vec::new()).unwrap();
    let limits = Limits::from_config(&c).unwrap();
    assert_eq!(limits.max_connections, Some(300));
    assert_eq!(limits.header_read_timeout, std::time::Duration::from_secs(3));
    assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(120));
    // Environment values are strings, numbers included.
    let env = vec![("LATCHKEY_MAX_CONNECTIONS".to_string(), "500".to_string())];
    let (c, unknown) = load(&Options::default(), env).unwrap();
    assert!(unknown.is_empty());
    assert_eq!(c.max_connections, Some(500));
    for (name, value) in [
        ("LATCHKEY_MAX_CONNECTIONS", "many"),
        ("LATCHKEY_MAX_CONNECTIONS", "0"),
        ("LATCHKEY_HEADER_READ_TIMEOUT", "10"),
        ("LATCHKEY_OUTBOX_RETENTION", "0s"),
    ] {
        let env = vec![(name.to_string(), value.to_string())];
        assert!(load(&Options::default(), env).is_err(), "{name}={value}");
    }
}
