//! The verifier: its builder (issuer, JWKS source, requirements, leeway, clock) and the order of the checks a
//! token goes through.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crate::claims::{self, Claims, TokenUse};
use crate::error::VerifyError;
use crate::jwks::{self, Fetcher};
use crate::jwt;
use crate::keys::KeyStore;
use crate::requirements::Requirements;

/// "Now", in seconds since the Unix epoch. Replace it in tests with [`VerifierBuilder::clock`].
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Verifies the ID and access tokens of one issuer (a Latchkey or Amazon Cognito user pool).
///
/// Cheap to clone (the keys and settings are shared behind an `Arc`); `Send + Sync`, so one verifier serves every
/// request of an application.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    jwks_uri: Option<String>,
    requirements: Requirements,
    leeway_secs: u64,
    clock: Clock,
    keys: KeyStore,
}

impl Verifier {
    /// Starts a verifier for tokens whose `iss` is exactly `issuer`, e.g. `http://localhost:9229/us-east-1_Abc`
    /// or `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc`.
    pub fn builder(issuer: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder {
            issuer: issuer.into(),
            jwks_uri: None,
            requirements: Requirements::default(),
            leeway: DEFAULT_LEEWAY,
            http: None,
            clock: None,
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
            max_jwks_bytes: DEFAULT_MAX_JWKS_BYTES,
            offline: false,
        }
    }

    /// Verifies `token` against the requirements given to the builder.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_for(token, &self.inner.requirements).await
    }

    /// Verifies `token` against `req` instead of the builder's requirements (issuer, signature, lifetime and
    /// leeway are checked as always).
    ///
    /// Order: shape and `alg` (RS256 only), `iss` (so a foreign token costs no JWKS fetch), key by `kid`,
    /// signature, claim types, `exp`/`nbf`/`iat`, then `req`.
    pub async fn verify_for(&self, token: &str, req: &Requirements) -> Result<Claims, VerifyError> {
        let decoded = jwt::decode(token)?;
        let iss = claims::required_str(&decoded.payload, "iss")?;
        if iss != self.inner.issuer {
            return Err(VerifyError::WrongIssuer {
                expected: self.inner.issuer.clone(),
                found: iss.to_owned(),
            });
        }
        let keys = &self.inner.keys;
        match keys.verify_cached(&decoded.kid, decoded.signing_input, &decoded.signature) {
            Some(verdict) => verdict?,
            None => keys
                .key(&decoded.kid)
                .await?
                .verify_sig(decoded.signing_input, &decoded.signature)
                .map_err(|_| VerifyError::BadSignature)?,
        }
        let claims = Claims::from_payload(decoded.payload)?;
        self.check_lifetime(&claims)?;
        req.check(&claims)?;
        Ok(claims)
    }

    fn check_lifetime(&self, claims: &Claims) -> Result<(), VerifyError> {
        let now = (self.inner.clock)();
        let leeway = self.inner.leeway_secs;
        // RFC 7519 §4.1.4: the token is valid only *before* exp.
        if now >= claims.exp.saturating_add(leeway) {
            return Err(VerifyError::Expired);
        }
        if claims.iat > now.saturating_add(leeway) {
            return Err(VerifyError::IssuedInFuture);
        }
        if let Some(nbf) = claims::numeric_date(&claims.raw, "nbf")? {
            if nbf > now.saturating_add(leeway) {
                return Err(VerifyError::NotYetValid);
            }
        }
        Ok(())
    }

    /// The issuer tokens must name.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Where the JWKS is fetched from (`None` for an offline verifier).
    pub fn jwks_uri(&self) -> Option<&str> {
        self.inner.jwks_uri.as_deref()
    }

    /// The requirements [`Verifier::verify`] applies.
    pub fn requirements(&self) -> &Requirements {
        &self.inner.requirements
    }

    /// Replaces the cached keys with those of `jwks_json` (a JWKS document), e.g. to preload keys in tests or to
    /// run offline. Keys that cannot verify RS256 are skipped; a document with none is an error.
    pub fn cache_jwks(&self, jwks_json: &str) -> Result<(), VerifyError> {
        let keys = jwks::parse(jwks_json.as_bytes())?;
        self.inner.keys.replace(keys);
        Ok(())
    }

    /// Fetches the JWKS now, regardless of the refetch rate limit (e.g. to warm the cache at start-up). Returns
    /// how many usable keys it holds.
    pub async fn refresh_jwks(&self) -> Result<usize, VerifyError> {
        self.inner.keys.refresh().await
    }

    /// The `kid`s of the cached keys.
    pub fn cached_kids(&self) -> Vec<String> {
        self.inner.keys.kids()
    }

    /// How many JWKS fetches this verifier has made (attempts included), for metrics and tests.
    pub fn jwks_fetches(&self) -> u64 {
        self.inner.keys.fetch_count()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("jwks_uri", &self.inner.jwks_uri)
            .field("requirements", &self.inner.requirements)
            .field("leeway_secs", &self.inner.leeway_secs)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Verifier`]; see [`Verifier::builder`].
#[must_use]
pub struct VerifierBuilder {
    issuer: String,
    jwks_uri: Option<String>,
    requirements: Requirements,
    leeway: Duration,
    http: Option<reqwest::Client>,
    clock: Option<Clock>,
    refetch_interval: Duration,
    fetch_timeout: Duration,
    max_jwks_bytes: usize,
    offline: bool,
}

impl VerifierBuilder {
    /// Where to fetch the JWKS (http or https). Default: `{issuer}/.well-known/jwks.json`, where both Latchkey and
    /// Cognito publish it.
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// Accept only ID or only access tokens. Default: either.
    pub fn token_use(mut self, t: TokenUse) -> Self {
        self.requirements.token_use = Some(t);
        self
    }

    /// Accept tokens issued to this app client (repeatable). None configured: any client of the issuer.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.requirements.client_ids.push(id.into());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (whole seconds). Default 5 s.
    pub fn leeway(mut self, d: Duration) -> Self {
        self.leeway = d;
        self
    }

    /// Require membership of at least one of these `cognito:groups`.
    pub fn any_group(mut self, groups: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.requirements.any_group = groups.into_iter().map(Into::into).collect();
        self
    }

    /// Require at least one of these scopes in the access token's `scope`.
    pub fn any_scope(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.requirements.any_scope = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Replace every requirement at once.
    pub fn requirements(mut self, req: Requirements) -> Self {
        self.requirements = req;
        self
    }

    /// The HTTP client for JWKS fetches (proxies, custom roots). The fetch timeout applies to it as well.
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }

    /// The source of "now" (seconds since the Unix epoch). Default: the system clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The least time between two JWKS fetches caused by unknown `kid`s. Default 10 s.
    pub fn jwks_refetch_interval(mut self, d: Duration) -> Self {
        self.refetch_interval = d;
        self
    }

    /// How long one JWKS fetch may take, connection to last byte. Default 5 s.
    pub fn jwks_fetch_timeout(mut self, d: Duration) -> Self {
        self.fetch_timeout = d;
        self
    }

    /// The largest JWKS response accepted. Default 1 MiB.
    pub fn max_jwks_bytes(mut self, n: usize) -> Self {
        self.max_jwks_bytes = n;
        self
    }

    /// Never fetch: use only keys given to [`Verifier::cache_jwks`] (air-gapped services, tests).
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// Checks the configuration and builds the verifier. No network access happens here: the JWKS is fetched on
    /// the first token (or by [`Verifier::refresh_jwks`]).
    pub fn build(self) -> Result<Verifier, VerifyError> {
        if self.issuer.is_empty() {
            return Err(VerifyError::Config("the issuer is empty".into()));
        }
        let fetcher = if self.offline {
            None
        } else {
            let uri = self
                .jwks_uri
                .unwrap_or_else(|| format!("{}/.well-known/jwks.json", self.issuer.trim_end_matches('/')));
            check_jwks_uri(&uri)?;
            let http = match self.http {
                Some(c) => c,
                None => reqwest::Client::builder()
                    .user_agent(concat!("latchkey-verify/", env!("CARGO_PKG_VERSION")))
                    .connect_timeout(self.fetch_timeout)
                    .build()
                    .map_err(|e| VerifyError::Config(format!("cannot build the HTTP client: {e}")))?,
            };
            Some(Fetcher {
                uri,
                http,
                timeout: self.fetch_timeout,
                max_bytes: self.max_jwks_bytes,
            })
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                jwks_uri: fetcher.as_ref().map(|f| f.uri.clone()),
                requirements: self.requirements,
                leeway_secs: self.leeway.as_secs(),
                clock: self.clock.unwrap_or_else(|| Arc::new(system_clock)),
                keys: KeyStore::new(fetcher, self.refetch_interval),
            }),
        })
    }
}

fn check_jwks_uri(uri: &str) -> Result<(), VerifyError> {
    let url = reqwest::Url::parse(uri).map_err(|e| VerifyError::Config(format!("JWKS URI {uri:?}: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(VerifyError::Config(format!(
            "JWKS URI {uri:?}: scheme {other} (http or https required)"
        ))),
    }
}

/// The default clock: the crate's only read of the wall clock.
fn system_clock() -> u64 {
    // Allowed here alone: the workspace bans SystemTime::now so time stays an input; this is that input's default.
    #[allow(clippy::disallowed_methods)]
    let now = std::time::SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
