//! One accepted connection: hyper's HTTP/1 connection around the router, raced against the connection's
//! deadlines (`watch`) and the server's shutdown.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{watch as signal, OwnedSemaphorePermit};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use super::watch::{Expired, Watch, Watched};
use super::{Limits, Peer};

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
            // Each pause in the body may last as long as the headers could take; a client that stops sending
            // halfway gets an error instead of holding the request open.
            let mut req = req.map(|body| Body::new(TimeoutBody::new(limits.header_read_timeout, body)));
            // What `into_make_service_with_connect_info` would add, for handlers that need the peer address.
            req.extensions_mut().insert(ConnectInfo(peer));
            let response = router.oneshot(req).await;
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
