//! What a user's document holds about passkeys: the registered credentials and the one registration in progress.

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::Passkey;

use crate::time::Timestamp;

/// How many passkeys a user may register (Cognito's limit).
pub const MAX_PASSKEYS: usize = 20;

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPasskey {
    /// The credential id, base64url without padding (as browsers and ListWebAuthnCredentials show it).
    pub credential_id: String,
    pub friendly_name: String,
    /// The relying party it was registered for: a passkey only signs in on that RP ID.
    pub relying_party_id: String,
    /// `platform` or `cross-platform`, when the browser said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// `internal`, `hybrid`, `usb`, `nfc`, `ble`, ... as the browser reported them.
    #[serde(default)]
    pub transports: Vec<String>,
    pub created: Timestamp,
    /// The public key, algorithm, signature counter and backup state, as `webauthn-rs` keeps them.
    pub passkey: Passkey,
}

/// A registration StartWebAuthnRegistration began and CompleteWebAuthnRegistration has not finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRegistration {
    /// The `webauthn-rs` registration state (challenge, policy), sealed with the master key (purpose
    /// `passkey-registration`).
    pub state: String,
    /// The app client whose access token started it: only that client may complete it.
    pub client_id: String,
    pub expires: Timestamp,
}

/// A user's passkeys, part of the user's record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserPasskeys {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<StoredPasskey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingRegistration>,
}

impl UserPasskeys {
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty() && self.pending.is_none()
    }

    /// The registered passkey with this (base64url) credential id.
    pub fn find(&self, credential_id: &str) -> Option<&StoredPasskey> {
        self.credentials.iter().find(|c| c.credential_id == credential_id)
    }
}
