//! Sign-in: app-client authentication (ClientId + SECRET_HASH), the password and refresh flows of InitiateAuth and
//! AdminInitiateAuth, the NEW_PASSWORD_REQUIRED challenge, sealed sessions, lockout, and Cognito's rules for not
//! revealing whether a user exists.

mod attempts;
mod challenge;
mod client;
mod custom;
mod first_factor;
mod initiate;
mod lockout;
mod outcome;
mod password;
mod refresh;
pub mod session;
mod srp;
mod user_auth;

pub(crate) use attempts::Verdict;
pub(crate) use challenge::ChallengeAnswer;
pub(crate) use client::names_of;
pub(crate) use first_factor::FirstFactorStep;
pub(crate) use outcome::{required, session_expired};
pub(crate) use session::SessionState;

pub use attempts::attempts_exceeded;
pub use client::{secret_hash, ClientProof};
pub use custom::MAX_CUSTOM_ROUNDS;
pub use initiate::Initiator;
pub use outcome::{incorrect, AuthOutcome};
