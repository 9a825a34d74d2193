//! Passkeys (WebAuthn): the relying party a pool speaks for, the passkeys stored in a user's document, their
//! registration (StartWebAuthnRegistration, CompleteWebAuthnRegistration), their management
//! (ListWebAuthnCredentials, DeleteWebAuthnCredential), and the verification the USER_AUTH sign-in's WEB_AUTHN
//! challenge calls (`passkey_authentication_start` / `passkey_authentication_finish`).
//!
//! The WebAuthn ceremony itself is `webauthn-rs`'s: a `Webauthn` is built per call for the pool's relying party
//! (see `relying_party`), so a change of `WebAuthnConfiguration` takes effect at once. Between a ceremony's two
//! round trips its state travels sealed: in the user's document for a registration, in the sign-in's Session for
//! an authentication.

mod authenticate;
mod errors;
mod manage;
mod model;
mod register;
mod relying_party;

pub use manage::MAX_LIST_RESULTS;
pub use model::{PendingRegistration, StoredPasskey, UserPasskeys, MAX_PASSKEYS};
pub use relying_party::{relying_party_id, web_authn_allowed};
