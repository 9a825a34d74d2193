//! The stored user: Cognito's view (username, `sub`, attributes, status, enabled) plus what sign-in needs
//! (password hash, SRP verifier, the global sign-out instant; lockout state is a store counter, see
//! `auth::lockout`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{CognitoError, ErrorKind};
use crate::time::Timestamp;

pub const STATUS_UNCONFIRMED: &str = "UNCONFIRMED";
pub const STATUS_CONFIRMED: &str = "CONFIRMED";
pub const STATUS_FORCE_CHANGE_PASSWORD: &str = "FORCE_CHANGE_PASSWORD";
pub const STATUS_RESET_REQUIRED: &str = "RESET_REQUIRED";
/// Users signed in through a federated identity provider (none yet; the status is reserved for them).
pub const STATUS_EXTERNAL_PROVIDER: &str = "EXTERNAL_PROVIDER";

/// UserNotFoundException, as Cognito words it wherever a named user is missing.
pub(crate) fn user_not_found() -> CognitoError {
    CognitoError::new(ErrorKind::UserNotFoundException, "User does not exist.")
}

/// The refusal on every path that would act for a disabled user (sign-in, refresh, tokens, password reset).
pub(crate) fn user_disabled() -> CognitoError {
    CognitoError::new(ErrorKind::NotAuthorizedException, "User is disabled.")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub pool_id: String,
    /// The internal, immutable username (the `sub` UUID in pools whose sign-in name is email or phone).
    pub username: String,
    pub sub: String,
    /// Every attribute but `sub`, as Cognito's string values (`"true"`/`"false"` for the `*_verified` ones).
    pub attributes: BTreeMap<String, String>,
    /// UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD or RESET_REQUIRED.
    pub status: String,
    pub enabled: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    /// SRP salt and verifier (lowercase hex) for USER_SRP_AUTH.
    #[serde(default)]
    pub srp_salt: Option<String>,
    #[serde(default)]
    pub srp_verifier: Option<String>,
    /// When a temporary password set by an administrator stops working.
    #[serde(default)]
    pub temporary_password_expires: Option<Timestamp>,
    /// Access tokens issued before this instant are refused (GlobalSignOut).
    #[serde(default)]
    pub tokens_valid_after: Option<Timestamp>,
    /// The user's MFA factors and preference (`crate::mfa`).
    #[serde(default, skip_serializing_if = "crate::mfa::UserMfa::is_empty")]
    pub mfa: crate::mfa::UserMfa,
    /// The user's passkeys and a registration in progress (`crate::passkeys`).
    #[serde(default, skip_serializing_if = "crate::passkeys::UserPasskeys::is_empty")]
    pub passkeys: crate::passkeys::UserPasskeys,
    #[serde(skip)]
    pub version: i64,
}

impl User {
    /// A new, enabled user in `status`, created at `now`, with no password yet (sign-up and AdminCreateUser add
    /// theirs with `PasswordMaterial::apply`; the benchmark seeder sets a shared hash).
    pub fn new(
        pool_id: &str,
        username: String,
        sub: String,
        attributes: BTreeMap<String, String>,
        status: &str,
        now: Timestamp,
    ) -> Self {
        Self {
            pool_id: pool_id.to_string(),
            username,
            sub,
            attributes,
            status: status.to_string(),
            enabled: true,
            created: now,
            modified: now,
            password_hash: None,
            srp_salt: None,
            srp_verifier: None,
            temporary_password_expires: None,
            tokens_valid_after: None,
            mfa: Default::default(),
            passkeys: Default::default(),
            version: 1,
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        if name == "sub" {
            return Some(&self.sub);
        }
        self.attributes.get(name).map(String::as_str)
    }

    /// Whether a new sign-in may end with tokens for this user: enabled, and confirmed (or federated). Every
    /// other status has a step left (confirmation, a new password) that must come first.
    pub fn may_start_session(&self) -> bool {
        self.enabled && matches!(self.status.as_str(), STATUS_CONFIRMED | STATUS_EXTERNAL_PROVIDER)
    }

    pub fn is_verified(&self, attribute: &str) -> bool {
        self.attributes
            .get(&format!("{attribute}_verified"))
            .map(String::as_str)
            == Some("true")
    }
}
