//! Latchkey's domain: the Cognito concepts (user pools, app clients, attributes, policies), the rules Cognito
//! applies to them, the errors it answers with, and the ports (`Store`, `Clock`, `Rng`) through which use cases
//! reach the outside world. Nothing here knows about HTTP, SQL or HTML.

pub mod auth;
pub(crate) mod cache;
pub mod clients;
pub(crate) mod codes;
pub mod devices;
pub mod error;
pub mod groups;
pub mod identity;
pub mod ids;
pub mod kms;
pub mod mail;
pub mod mfa;
pub mod oauth;
pub mod passkeys;
pub mod passwords;
pub(crate) mod phantom;
pub mod pools;
pub mod ports;
pub mod purge;
pub mod secrets;
pub mod service;
pub mod srp;
pub mod store;
pub mod time;
pub mod tokens;
pub mod triggers;
pub mod users;

pub use error::{CognitoError, ErrorKind};
pub use service::{IssuerStyle, Latchkey, Ports, Secrets, Settings};
