//! Per-connection deadlines. hyper 1 has one timer for HTTP/1 (`header_read_timeout`), which runs from the moment
//! a connection waits for a request, so it is also the keep-alive idle limit: a 10 s header timeout would close
//! kept-alive connections after 10 s, under a load balancer that keeps them for 60. So the connection is watched
//! here instead, in three phases:
//!
//! - `Head`: from accepting (or from the first byte of a kept-alive connection's next request) until the service
//!   is called with the parsed headers: at most `header_read_timeout`.
//! - `Busy`: the service is answering: no limit here (each pause in a request body is limited separately).
//! - `Idle`: from the answer until the next request's first byte: at most `idle_timeout`.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Head,
    Busy,
    Idle,
}

/// Why a connection's time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    Header,
    Idle,
}

struct State {
    phase: Phase,
    since: Instant,
}

/// The phase of one connection, moved by its socket (`Watched`) and its service, and read by its watchdog.
pub struct Watch {
    state: Mutex<State>,
    /// Wakes the watchdog when a phase with a deadline begins.
    changed: Notify,
}

impl Watch {
    /// A connection just accepted: its first request's headers are due.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                phase: Phase::Head,
                since: Instant::now(),
            }),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is two plain fields, valid whatever a panicking holder was doing.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes arrived: on an idle connection they start the next request's header clock.
    fn bytes_read(&self) {
        let mut s = self.state();
        if s.phase == Phase::Idle {
            s.phase = Phase::Head;
            s.since = Instant::now();
            drop(s);
            self.changed.notify_one();
        }
    }

    /// The headers are in and the service has the request.
    pub fn request_started(&self) {
        self.state().phase = Phase::Busy;
    }

    /// The service has answered; the connection waits for its next request.
    pub fn request_finished(&self) {
        let mut s = self.state();
        s.phase = Phase::Idle;
        s.since = Instant::now();
        drop(s);
        self.changed.notify_one();
    }

    /// Whether the connection is still waiting for a request's headers (so no request is in flight).
    pub fn awaiting_headers(&self) -> bool {
        self.state().phase == Phase::Head
    }

    /// Completes when the current phase has outlived its limit.
    pub async fn expired(&self, limits: Limits) -> Expired {
        loop {
            let notified = self.changed.notified();
            let deadline = {
                let s = self.state();
                match s.phase {
                    Phase::Head => Some((s.since + limits.header_read_timeout, Expired::Header)),
                    Phase::Idle => Some((s.since + limits.idle_timeout, Expired::Idle)),
                    Phase::Busy => None,
                }
            };
            match deadline {
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}

/// A socket that tells its `Watch` when bytes arrive.
pub struct Watched<S> {
    inner: S,
    watch: Arc<Watch>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, watch: Arc<Watch>) -> Self {
        Self { inner, watch }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.watch.bytes_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
