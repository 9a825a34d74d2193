//! The typed claims of a verified Cognito ID or access token, read once from the payload's JSON object.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::VerifyError;

/// Cognito's `token_use` claim: which of the two JWTs a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// An ID token: the user's attributes, `aud` = the app client id.
    Id,
    /// An access token: `scope`, `client_id`, `username`; what APIs accept.
    Access,
}

impl TokenUse {
    /// The claim's value: `"id"` or `"access"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }

    /// Parses the claim's value; anything but `"id"` or `"access"` is `None`.
    pub fn parse(s: &str) -> Option<TokenUse> {
        match s {
            "id" => Some(TokenUse::Id),
            "access" => Some(TokenUse::Access),
            _ => None,
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a token that passed every check.
///
/// The typed fields are the ones applications read most; every claim, custom attributes included
/// (`custom:tenant`, `cognito:roles`, ...), is in `raw`.
#[derive(Clone, Debug)]
pub struct Claims {
    /// The user's immutable id (`sub`).
    pub sub: String,
    /// The issuer (`iss`), equal to the verifier's.
    pub iss: String,
    /// `token_use`.
    pub token_use: TokenUse,
    /// The app client the token was issued to: an access token's `client_id`, an ID token's `aud`.
    pub client_id: Option<String>,
    /// The user name: an access token's `username`, an ID token's `cognito:username`.
    pub username: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// When the user authenticated, seconds since the Unix epoch.
    pub auth_time: Option<u64>,
    /// `cognito:groups` (empty when the user is in none).
    pub groups: Vec<String>,
    /// `scope`, split on spaces (ID tokens have none).
    pub scopes: Vec<String>,
    /// `email` (ID tokens only).
    pub email: Option<String>,
    /// The whole payload.
    pub raw: Map<String, Value>,
}

impl Claims {
    /// Reads the typed claims out of a payload. `iss`, `sub`, `token_use`, `exp` and `iat` are required, with the
    /// types Cognito gives them; the optional ones must have their type when present.
    pub(crate) fn from_payload(raw: Map<String, Value>) -> Result<Claims, VerifyError> {
        let token_use_str = required_str(&raw, "token_use")?;
        let token_use = TokenUse::parse(token_use_str).ok_or(VerifyError::InvalidClaim("token_use"))?;
        let client_id = match token_use {
            TokenUse::Access => optional_str(&raw, "client_id")?,
            TokenUse::Id => match raw.get("aud") {
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            },
        };
        let username = match optional_str(&raw, "username")? {
            Some(u) => Some(u),
            None => optional_str(&raw, "cognito:username")?,
        };
        let groups = match raw.get("cognito:groups") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|g| g.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(VerifyError::InvalidClaim("cognito:groups"))?,
            Some(_) => return Err(VerifyError::InvalidClaim("cognito:groups")),
        };
        let scopes = match optional_str(&raw, "scope")? {
            Some(s) => s
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => Vec::new(),
        };
        Ok(Claims {
            sub: required_str(&raw, "sub")?.to_owned(),
            iss: required_str(&raw, "iss")?.to_owned(),
            token_use,
            client_id,
            username,
            exp: numeric_date(&raw, "exp")?.ok_or(VerifyError::MissingClaim("exp"))?,
            iat: numeric_date(&raw, "iat")?.ok_or(VerifyError::MissingClaim("iat"))?,
            auth_time: numeric_date(&raw, "auth_time")?,
            groups,
            scopes,
            email: optional_str(&raw, "email")?,
            raw,
        })
    }

    /// True when the token carries `scope` (access tokens).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// True when the user is in `group` (`cognito:groups`).
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

pub(crate) fn required_str<'a>(
    raw: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, VerifyError> {
    match raw.get(name) {
        Some(Value::String(s)) => Ok(s),
        None => Err(VerifyError::MissingClaim(name)),
        Some(_) => Err(VerifyError::InvalidClaim(name)),
    }
}

fn optional_str(raw: &Map<String, Value>, name: &'static str) -> Result<Option<String>, VerifyError> {
    match raw.get(name) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(VerifyError::InvalidClaim(name)),
    }
}

/// A JWT NumericDate: seconds since the epoch, an integer (Cognito) or a non-negative number (RFC 7519 allows
/// fractions; they are truncated).
pub(crate) fn numeric_date(raw: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, VerifyError> {
    let Some(v) = raw.get(name) else {
        return Ok(None);
    };
    let Value::Number(n) = v else {
        return Err(VerifyError::InvalidClaim(name));
    };
    if let Some(secs) = n.as_u64() {
        return Ok(Some(secs));
    }
    match n.as_f64() {
        // Truncation is the intent; the range check keeps the cast exact in its integer part.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(f) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => Ok(Some(f as u64)),
        _ => Err(VerifyError::InvalidClaim(name)),
    }
}
