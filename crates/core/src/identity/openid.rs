//! The OpenID tokens identity pools issue (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity): RS256 JWTs of the
//! identity issuer, signed by the identity key ring, whose `aud` is the identity pool and `sub` the identity. STS's
//! AssumeRoleWithWebIdentity verifies them (the basic, or classic, flow).

use serde_json::{json, Map, Value};

use crate::error::{CognitoError, ErrorKind, Result};
use crate::service::{IssuerStyle, Latchkey};
use crate::tokens::jwt;

/// GetOpenIdTokenForDeveloperIdentity's longest `TokenDuration` (one day).
pub const MAX_OPENID_TOKEN_SECONDS: i64 = 86_400;

/// What a verified identity OpenID token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityTokenClaims {
    /// `aud`.
    pub identity_pool_id: String,
    /// `sub`.
    pub identity_id: String,
    /// `authenticated` or `unauthenticated`, then the providers the identity signed in with.
    pub amr: Vec<String>,
    /// Epoch seconds.
    pub exp: i64,
}

fn invalid(message: impl Into<String>) -> CognitoError {
    CognitoError::new(ErrorKind::InvalidIdentityToken, message)
}

impl Latchkey {
    /// `iss` of identity OpenID tokens: `{public_url}/cognito-identity`, whose discovery document and JWKS the
    /// server publishes beneath it, or AWS's own `https://cognito-identity.amazonaws.com` under the `aws` issuer
    /// style.
    pub fn identity_issuer(&self) -> String {
        match self.settings.issuer_style {
            IssuerStyle::PublicUrl => format!("{}/cognito-identity", self.settings.public_url),
            IssuerStyle::Aws => "https://cognito-identity.amazonaws.com".to_string(),
        }
    }

    /// GetOpenIdToken / GetOpenIdTokenForDeveloperIdentity: an RS256 JWT, iss = the identity issuer, aud = identity
    /// pool id, sub = identity id, amr = `amr`, exp = now + lifetime.
    pub async fn issue_identity_openid_token(
        &self,
        identity_pool_id: &str,
        identity_id: &str,
        amr: &[String],
        lifetime_seconds: i64,
    ) -> Result<String> {
        if !(1..=MAX_OPENID_TOKEN_SECONDS).contains(&lifetime_seconds) {
            return Err(CognitoError::invalid_parameter(format!(
                "A token lasts from 1 to {MAX_OPENID_TOKEN_SECONDS} seconds, not {lifetime_seconds}."
            )));
        }
        let keys = self.identity_keys().await?;
        let now = self.clock.now().seconds();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(identity_id));
        claims.insert("aud".into(), json!(identity_pool_id));
        claims.insert("amr".into(), json!(amr));
        claims.insert("iss".into(), json!(self.identity_issuer()));
        claims.insert("exp".into(), json!(now + lifetime_seconds));
        claims.insert("iat".into(), json!(now));
        jwt::encode(&keys.active.kid, &claims, &keys.active.pair).map_err(CognitoError::internal)
    }

    /// An identity OpenID token's claims, once its issuer, signature and expiry are checked. InvalidIdentityToken
    /// for anything that is not a token of this issuer; ExpiredTokenException for one that has expired.
    pub async fn verify_identity_openid_token(&self, token: &str) -> Result<IdentityTokenClaims> {
        let parsed = jwt::Unverified::parse(token)
            .ok_or_else(|| invalid("The web identity token is not a valid JWT."))?;
        let issuer = parsed.claim_str("iss").unwrap_or_default();
        if issuer != self.identity_issuer() {
            return Err(invalid(format!(
                "No OpenIDConnect provider found in your account for {issuer}"
            )));
        }
        let unknown_key = || {
            invalid("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
        };
        let kid = parsed.kid().ok_or_else(unknown_key)?;
        let keys = self.identity_keys_with(kid).await?;
        let (n, e) = keys.verifier(kid).ok_or_else(unknown_key)?;
        if !parsed.verify(n, e) {
            return Err(invalid("The web identity token's signature is not valid."));
        }
        let (Some(aud), Some(sub), Some(exp)) = (
            parsed.claim_str("aud"),
            parsed.claim_str("sub"),
            parsed.claim_i64("exp"),
        ) else {
            return Err(invalid(
                "The web identity token lacks its audience, subject or expiry.",
            ));
        };
        let now = self.clock.now().seconds();
        if now >= exp {
            return Err(CognitoError::new(
                ErrorKind::ExpiredTokenException,
                format!(
                    "Token expired: current date/time {now} must be before the expiration date/time {exp}"
                ),
            ));
        }
        let amr = parsed
            .claims
            .get("amr")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        Ok(IdentityTokenClaims {
            identity_pool_id: aud.to_string(),
            identity_id: sub.to_string(),
            amr,
            exp,
        })
    }
}
