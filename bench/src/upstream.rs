//! The trivial upstream of the gateway scenario, in the bench process: on a thread and runtime of its own, it
//! answers `GET {anything}/.well-known/jwks.json` with the benchmark's JWKS (what the gateway's authorizer fetches)
//! and everything else with 200 `{"ok":true,"sub":…}`, echoing the claim header the gateway adds so a run can tell
//! that the request really went through the authorizer. `Upstream::serve` runs the bench's other trivial server,
//! the triggers group's Lambda, the same way.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::sync::oneshot;

/// The header the gateway's HTTP integration is configured to fill with the token's `sub` claim.
pub const SUB_HEADER: &str = "x-claim-sub";

/// A running upstream; it stops when this is dropped.
pub struct Upstream {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(req: &Request<Incoming>, jwks: &Bytes) -> Response<Full<Bytes>> {
    let body = if req.uri().path().ends_with("/.well-known/jwks.json") {
        jwks.clone()
    } else {
        let sub = req.headers().get(SUB_HEADER).and_then(|v| v.to_str().ok());
        Bytes::from(json!({"ok": true, "sub": sub}).to_string())
    };
    let mut resp = Response::new(Full::new(body));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

/// Accepts connections on `listener` until `stop`, each answered by `handler` (HTTP/1.1, keep-alive).
async fn serve<H, F>(listener: tokio::net::TcpListener, handler: H, mut stop: oneshot::Receiver<()>)
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let answer = handler(req);
                async move { Ok::<_, Infallible>(answer.await) }
            });
            // A connection closed by the client ends here; nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Upstream {
    /// Listens on a free loopback port now (so its address is known before the tokens naming it are made) and
    /// serves `jwks_json` once `start` is called.
    pub fn bind() -> Result<std::net::TcpListener, String> {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("upstream: {e}"))?;
        l.set_nonblocking(true).map_err(|e| format!("upstream: {e}"))?;
        Ok(l)
    }

    /// Serves `jwks_json` and the echo on `listener` (see the module's doc).
    pub fn start(listener: std::net::TcpListener, jwks_json: String) -> Result<Upstream, String> {
        let jwks = Bytes::from(jwks_json);
        Upstream::serve("bench-upstream", listener, move |req: Request<Incoming>| {
            let resp = answer(&req, &jwks);
            async move { resp }
        })
    }

    /// Serves on `listener` with `handler`, from a thread named `name` with a one-thread runtime of its own, apart
    /// from the load generator's: any of the bench's trivial servers (this upstream, the triggers' Lambda).
    pub fn serve<H, F>(name: &str, listener: std::net::TcpListener, handler: H) -> Result<Upstream, String>
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + 'static,
        F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
    {
        let addr = listener.local_addr().map_err(|e| format!("{name}: {e}"))?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let thread_name = name.to_string();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let name = thread_name;
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("{name} runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => {
                            let _ = ready_tx.send(Ok(()));
                            serve(l, handler, stop_rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("{name}: {e}")));
                        }
                    }
                });
            })
            .map_err(|e| format!("{name} thread: {e}"))?;
        ready_rx
            .recv()
            .map_err(|_| format!("the {name} thread ended before it was ready"))??;
        Ok(Upstream {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Conn, Endpoint};

    #[tokio::test]
    async fn serves_the_jwks_and_echoes_the_claim_header() {
        let listener = Upstream::bind().unwrap();
        let up = Upstream::start(listener, r#"{"keys":[{"kid":"k1"}]}"#.into()).unwrap();
        let mut conn = Conn::new(Endpoint::new(up.addr, "", ""));
        let jwks = conn.get("/us-east-1_X/.well-known/jwks.json", &[]).await.unwrap();
        assert_eq!(jwks.status, 200);
        assert_eq!(jwks.body["keys"][0]["kid"], "k1");
        let plain = conn.get("/items", &[]).await.unwrap();
        assert_eq!(plain.body, json!({"ok": true, "sub": null}));
        let with = conn.get("/items", &[(SUB_HEADER, "abc")]).await.unwrap();
        assert_eq!(with.body, json!({"ok": true, "sub": "abc"}));
    }
}
