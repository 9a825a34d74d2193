//! Sign-in: app-client authentication (ClientId + SECRET_HASH), the password and refresh flows of InitiateAuth and
//! AdminInitiateAuth, the NEW_PASSWORD_REQUIRED challenge, sealed sessions, lockout, and Cognito's rules for not
//! revealing whether a user exists.

mod attempts;
mod challenge;
mod client;
mod first_factor;
pub mod lockout;
mod password;
mod refresh;
pub mod session;
mod srp;

pub(crate) use first_factor::FirstFactorStep;
pub(crate) use srp::{b64_u3072, exponent_from_hex, u3072_b64, MAX_TIMESTAMP_SKEW_SECONDS};

pub use attempts::attempts_exceeded;
pub use client::{names_of as names_for, secret_hash};
pub use password::{incorrect, AuthOutcome, ClientProof};
