//! One accepted connection: hyper's HTTP/1 connection around the router, raced against the connection's
//! deadlines (`watch`) and the server's shutdown.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{watch as signal, OwnedSemaphorePermit};
use tower::ServiceExt;

use super::watch::{Expired, Watch, Watched};
use super::{Limits, Peer};

/// The largest request body read (axum's own default limit for its body extractors).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// An answer for a body that did not arrive whole in time, or is too large; the connection closes after it.
fn refuse(status: StatusCode) -> Response {
    let mut response = status.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

pub async fn run(
    stream: TcpStream,
    peer: Peer,
    router: Router,
    limits: Limits,
    mut stopping: signal::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    // Small JSON answers: send them now rather than wait for more to coalesce.
    let _ = stream.set_nodelay(true);
    let watch = Arc::new(Watch::new());
    let io = TokioIo::new(Watched::new(stream, watch.clone()));
    let service_watch = watch.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let watch = service_watch.clone();
        let router = router.clone();
        async move {
            watch.request_started();
            // The whole body must arrive within the header timeout of the request's start: a deadline per pause
            // would let a client that sends a byte every few seconds hold the connection for ever. Every body
            // this service takes is small, so it is read here, whole, before any handler runs.
            let (parts, body) = req.into_parts();
            let read = axum::body::to_bytes(Body::new(body), MAX_BODY_BYTES);
            let response = match tokio::time::timeout(limits.header_read_timeout, read).await {
                Ok(Ok(bytes)) => {
                    let mut req = Request::from_parts(parts, Body::from(bytes));
                    // What `into_make_service_with_connect_info` would add, for handlers that need the peer.
                    req.extensions_mut().insert(ConnectInfo(peer));
                    router.oneshot(req).await
                }
                Ok(Err(_)) => Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE)),
                Err(_) => Ok(refuse(StatusCode::REQUEST_TIMEOUT)),
            };
            watch.request_finished();
            response
        }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::pin!(connection);
    let mut closing = false;
    loop {
        tokio::select! {
            done = connection.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            why = watch.expired(limits) => {
                // Dropping the connection closes the socket. An expired idle connection has no request in
                // flight, and an expired header read has only part of one.
                match why {
                    Expired::Header => tracing::debug!(%peer, "closing a connection that did not send its request headers in time"),
                    Expired::Idle => tracing::trace!(%peer, "closing an idle connection"),
                }
                return;
            }
            changed = stopping.changed(), if !closing => {
                // Server shutdown (or its sender gone): finish the request in flight, then close. A connection
                // still waiting for headers has none in flight; hyper would wait for them, so it is closed here.
                let _ = changed;
                if watch.awaiting_headers() {
                    return;
                }
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}
