//! The `COGNITO_USER_POOLS` authorizers: the token from the identity header (raw or `Bearer <token>`), checked by
//! `latchkey-verify` against the pool that issued it — an ID token for a route without scopes, an access token
//! holding one of the route's scopes otherwise.

use std::collections::{BTreeMap, HashMap};

use axum::http::{HeaderMap, HeaderName};
use latchkey_verify::{Requirements, TokenUse, Verifier};

use super::config::Authorizer;

/// One authorizer, ready: its header and one verifier per issuer (each caches its pool's JWKS).
struct Ready {
    identity_header: HeaderName,
    verifiers: Vec<(String, Verifier)>,
}

/// Every configured authorizer, by name.
pub struct Authorizers {
    by_name: HashMap<String, Ready>,
}

/// Why a request was refused (logged; the client sees 401 Unauthorized, or 500 when the keys were unavailable).
#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    NoToken,
    UnknownIssuer,
    Invalid(String),
    /// The pool's keys could not be had (its JWKS unreachable): the authorizer's fault, not the token's.
    Unavailable(String),
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Denied::NoToken => f.write_str("no token in the identity header"),
            Denied::UnknownIssuer => f.write_str("the token's issuer is none of the authorizer's pools"),
            Denied::Invalid(why) => write!(f, "token refused: {why}"),
            Denied::Unavailable(why) => write!(f, "cannot check the token: {why}"),
        }
    }
}

impl Authorizers {
    pub fn new(config: &BTreeMap<String, Authorizer>) -> Result<Self, String> {
        let mut by_name = HashMap::new();
        for (name, authorizer) in config {
            if authorizer.issuers.is_empty() {
                return Err(format!("authorizer {name}: no issuers"));
            }
            let identity_header =
                HeaderName::try_from(authorizer.identity_header.as_str()).map_err(|_| {
                    format!(
                        "authorizer {name}: {:?} is not a header name",
                        authorizer.identity_header
                    )
                })?;
            let mut verifiers = Vec::with_capacity(authorizer.issuers.len());
            for issuer in &authorizer.issuers {
                let verifier = Verifier::builder(issuer.as_str())
                    .build()
                    .map_err(|e| format!("authorizer {name}: issuer {issuer}: {e}"))?;
                verifiers.push((issuer.trim_end_matches('/').to_string(), verifier));
            }
            by_name.insert(
                name.clone(),
                Ready {
                    identity_header,
                    verifiers,
                },
            );
        }
        Ok(Self { by_name })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The verified token's claims (all of them, as the token carries them), or why the request is refused.
    pub async fn authorize(
        &self,
        name: &str,
        headers: &HeaderMap,
        scopes: &[String],
    ) -> Result<serde_json::Map<String, serde_json::Value>, Denied> {
        // Names are checked when the router is built, so an unknown one cannot reach here; refuse regardless.
        let ready = self
            .by_name
            .get(name)
            .ok_or_else(|| Denied::Invalid(format!("no authorizer {name}")))?;
        let token = headers
            .get(&ready.identity_header)
            .and_then(|v| v.to_str().ok())
            .and_then(token_from_header)
            .ok_or(Denied::NoToken)?;
        let verifier = match ready.verifiers.as_slice() {
            [(_, only)] => only,
            several => {
                let issuer = latchkey_verify::peek_issuer(token).ok_or(Denied::UnknownIssuer)?;
                let issuer = issuer.trim_end_matches('/');
                several
                    .iter()
                    .find(|(known, _)| known == issuer)
                    .map(|(_, v)| v)
                    .ok_or(Denied::UnknownIssuer)?
            }
        };
        let requirements = requirements(scopes);
        verifier
            .verify_for(token, &requirements)
            .await
            .map(|claims| claims.raw)
            .map_err(|e| match e.is_unavailable() {
                true => Denied::Unavailable(e.to_string()),
                false => Denied::Invalid(e.to_string()),
            })
    }
}

/// A route without scopes takes ID tokens; with scopes, access tokens carrying one of them.
fn requirements(scopes: &[String]) -> Requirements {
    Requirements {
        token_use: Some(if scopes.is_empty() {
            TokenUse::Id
        } else {
            TokenUse::Access
        }),
        client_ids: vec![],
        any_scope: scopes.to_vec(),
        any_group: vec![],
    }
}

/// The token in an identity header: the raw token, or `Bearer <token>` (any case), surrounding spaces ignored.
fn token_from_header(value: &str) -> Option<&str> {
    let value = value.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    };
    let bare_scheme = token.eq_ignore_ascii_case("bearer");
    (!token.is_empty() && !bare_scheme && !token.contains(' ')).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_raw_or_bearer() {
        assert_eq!(token_from_header("abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(token_from_header("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(token_from_header("bearer  abc.def.ghi "), Some("abc.def.ghi"));
        assert_eq!(token_from_header("Bearer "), None);
        assert_eq!(token_from_header(""), None);
        assert_eq!(token_from_header("Basic dXNlcjpwYXNz"), None);
    }

    #[test]
    fn scopes_choose_the_token_use() {
        assert_eq!(requirements(&[]).token_use, Some(TokenUse::Id));
        let r = requirements(&["orders/read".to_string()]);
        assert_eq!(r.token_use, Some(TokenUse::Access));
        assert_eq!(r.any_scope, vec!["orders/read".to_string()]);
    }
}
