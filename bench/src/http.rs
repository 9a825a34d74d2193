//! The load generator's HTTP client: one HTTP/1.1 keep-alive connection per worker (hyper's connection-level
//! client, so the number of connections is exactly the number of workers), AWS JSON 1.1 requests to the user-pool
//! and identity-pool APIs, and SigV4 signing for the admin operations as the AWS SDKs do it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use aws_lc_rs::{digest, hmac};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// Where requests go, and the admin key they are signed with.
pub struct Endpoint {
    pub addr: SocketAddr,
    /// The Host header (`127.0.0.1:PORT`), which SigV4 signs.
    pub host: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    /// The local address connections are made from (127.0.0.2, ... are loopback addresses too, so one machine can
    /// be several clients); the system's choice when `None`.
    pub source: Option<IpAddr>,
}

impl Endpoint {
    pub fn new(addr: SocketAddr, access_key_id: &str, secret_access_key: &str) -> Arc<Self> {
        Arc::new(Self {
            addr,
            host: addr.to_string(),
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            region: "us-east-1".into(),
            source: None,
        })
    }

    /// The same server, reached from `source`.
    pub fn reached_from(&self, source: IpAddr) -> Arc<Self> {
        Arc::new(Self {
            addr: self.addr,
            host: self.host.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            region: self.region.clone(),
            source: Some(source),
        })
    }
}

/// One answer: the HTTP status, the JSON body, and the error name when there is one (`__type` without the
/// `namespace#` some servers put in front).
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn error_type(&self) -> Option<String> {
        if self.status == 200 {
            return None;
        }
        // AWS JSON names the error in `__type`; the OAuth endpoints in `error`.
        let t = self
            .body
            .get("__type")
            .or_else(|| self.body.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let t = t.rsplit('#').next().unwrap_or(t);
        Some(if t.is_empty() {
            format!("HTTP {}", self.status)
        } else {
            t.to_string()
        })
    }

    pub fn str_at(&self, path: &[&str]) -> Option<String> {
        let mut v = &self.body;
        for p in path {
            v = v.get(*p)?;
        }
        v.as_str().map(str::to_string)
    }
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

/// `YYYYMMDDTHHMMSSZ` now.
fn amz_date() -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::now_utc().format(format).unwrap_or_default()
}

/// An AWS JSON 1.1 API of the server: its `X-Amz-Target` prefix and its SigV4 service name.
#[derive(Clone, Copy)]
struct Api {
    target_prefix: &'static str,
    service: &'static str,
}

/// User pools (`cognito-idp`).
const USER_POOLS: Api = Api {
    target_prefix: "AWSCognitoIdentityProviderService",
    service: "cognito-idp",
};
/// Identity pools (`cognito-identity`).
const IDENTITY_POOLS: Api = Api {
    target_prefix: "AWSCognitoIdentityService",
    service: "cognito-identity",
};

/// SigV4's signing key: HMAC-SHA256 of the date, region, service and `aws4_request` in turn, starting from the
/// secret.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    let first = hmac::Key::new(hmac::HMAC_SHA256, format!("AWS4{secret}").as_bytes());
    [date, region, service, "aws4_request"]
        .iter()
        .fold(first, |key, part| {
            hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&key, part.as_bytes()).as_ref())
        })
}

/// The SigV4 `Authorization` header for POST / (signed: content-type, host, x-amz-date, x-amz-target).
fn authorization(ep: &Endpoint, service: &str, target: &str, body: &[u8], amz_date: &str) -> String {
    let date = amz_date.get(..8).unwrap_or_default();
    let canonical = format!(
        "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:{}\nx-amz-date:{amz_date}\nx-amz-target:{target}\n\ncontent-type;host;x-amz-date;x-amz-target\n{}",
        ep.host,
        hex_sha256(body)
    );
    let scope = format!("{date}/{}/{service}/aws4_request", ep.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let key = signing_key(&ep.secret_access_key, date, &ep.region, service);
    let sig = hex::encode(hmac::sign(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={sig}",
        ep.access_key_id
    )
}

/// A keep-alive connection, opened on first use and again after the server closes it.
pub struct Conn {
    ep: Arc<Endpoint>,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Connections opened (1 when keep-alive held throughout).
    pub opened: u64,
}

impl Conn {
    pub fn new(ep: Arc<Endpoint>) -> Self {
        Self {
            ep,
            sender: None,
            opened: 0,
        }
    }

    async fn connect(&mut self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = match self.ep.source {
            None => tokio::net::TcpStream::connect(self.ep.addr).await,
            Some(source) => {
                let socket = if source.is_ipv4() {
                    tokio::net::TcpSocket::new_v4()
                } else {
                    tokio::net::TcpSocket::new_v6()
                };
                match socket.and_then(|s| s.bind(SocketAddr::new(source, 0)).map(|()| s)) {
                    Ok(s) => s.connect(self.ep.addr).await,
                    Err(e) => Err(e),
                }
            }
        }
        .map_err(|e| format!("connect {}: {e}", self.ep.addr))?;
        stream.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            // Ends when the server or this side closes the connection; nothing to report.
            let _ = connection.await;
        });
        self.opened += 1;
        Ok(sender)
    }

    /// Opens the connection now (so a run's first request does not pay for it).
    pub async fn open(&mut self) -> Result<(), String> {
        if self.sender.is_none() {
            self.sender = Some(self.connect().await?);
        }
        Ok(())
    }

    async fn ready_sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        let usable = match self.sender.as_mut() {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        if !usable {
            self.sender = Some(self.connect().await?);
        }
        self.sender.as_mut().ok_or_else(|| "no connection".to_string())
    }

    /// Sends the request `build` makes and reads the JSON answer. A request that fails because the server had
    /// closed the kept-alive connection is retried once on a new one; anything else is an error of this call.
    async fn send(
        &mut self,
        build: impl Fn() -> Result<Request<Full<Bytes>>, String>,
    ) -> Result<Reply, String> {
        let mut last = String::new();
        for _ in 0..2 {
            let req = build()?;
            let sender = self.ready_sender().await?;
            match sender.send_request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let bytes = resp
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| format!("reading the answer: {e}"))?
                        .to_bytes();
                    let body = if bytes.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                    };
                    return Ok(Reply { status, body });
                }
                Err(e) => {
                    self.sender = None;
                    last = format!("{e}");
                }
            }
        }
        Err(last)
    }

    /// Calls `AWSCognitoIdentityProviderService.<op>` with `body`, signed with SigV4 when `signed`.
    pub async fn call(&mut self, op: &str, body: &Value, signed: bool) -> Result<Reply, String> {
        self.call_api(USER_POOLS, op, body, signed).await
    }

    /// Calls `AWSCognitoIdentityService.<op>` with `body`, signed with SigV4 when `signed`.
    pub async fn call_identity(&mut self, op: &str, body: &Value, signed: bool) -> Result<Reply, String> {
        self.call_api(IDENTITY_POOLS, op, body, signed).await
    }

    async fn call_api(&mut self, api: Api, op: &str, body: &Value, signed: bool) -> Result<Reply, String> {
        let target = format!("{}.{op}", api.target_prefix);
        let payload = Bytes::from(body.to_string());
        let ep = self.ep.clone();
        self.send(|| {
            let mut req = Request::post("/")
                .header("host", &ep.host)
                .header("content-type", "application/x-amz-json-1.1")
                .header("x-amz-target", &target);
            if signed {
                let date = amz_date();
                req = req
                    .header(
                        "authorization",
                        authorization(&ep, api.service, &target, &payload, &date),
                    )
                    .header("x-amz-date", date);
            }
            req.body(Full::new(payload.clone()))
                .map_err(|e| format!("request: {e}"))
        })
        .await
    }

    /// POSTs an `application/x-www-form-urlencoded` body to `path` (the OAuth token endpoint), with an
    /// `Authorization` header when given.
    pub async fn post_form(
        &mut self,
        path: &str,
        form: &str,
        authorization: Option<&str>,
    ) -> Result<Reply, String> {
        let payload = Bytes::from(form.to_string());
        let ep = self.ep.clone();
        self.send(|| {
            let mut req = Request::post(path)
                .header("host", &ep.host)
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(a) = authorization {
                req = req.header("authorization", a);
            }
            req.body(Full::new(payload.clone()))
                .map_err(|e| format!("request: {e}"))
        })
        .await
    }

    /// GET `path` with `headers` (the gateway scenario's requests, with and without a token).
    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Result<Reply, String> {
        let ep = self.ep.clone();
        self.send(|| {
            let mut req = Request::get(path).header("host", &ep.host);
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            req.body(Full::new(Bytes::new()))
                .map_err(|e| format!("request: {e}"))
        })
        .await
    }

    /// GET `path`: the status only (readiness probes).
    pub async fn get_status(&mut self, path: &str) -> Result<u16, String> {
        let req = Request::get(path)
            .header("host", &self.ep.host)
            .body(Full::new(Bytes::new()))
            .map_err(|e| format!("request: {e}"))?;
        let sender = self.ready_sender().await?;
        let resp = sender.send_request(req).await.map_err(|e| format!("{e}"))?;
        let status = resp.status().as_u16();
        let _ = resp.into_body().collect().await;
        Ok(status)
    }
}
