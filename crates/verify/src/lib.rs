//! Verify the ID and access tokens of a Latchkey user pool, or of an Amazon Cognito user pool, in your own
//! services: what `aws-jwt-verify` is for Node.
//!
//! A [`Verifier`] is configured once per issuer. It fetches the issuer's JWKS over http or https on first use,
//! keeps the parsed RSA keys, and refetches when a token names a `kid` it does not know (key rotation) — at most
//! once per interval, one fetch shared by every concurrent miss, so made-up `kid`s cannot flood the JWKS
//! endpoint. Each token is checked for:
//!
//! * signature: RS256 only (`none`, HS256 and every other `alg` are refused before any key is used);
//! * `iss`: exactly the configured issuer;
//! * `exp`, `nbf` and `iat` (not in the future), with a leeway (5 s by default);
//! * `token_use` (`id` or `access`), when required;
//! * the app client: `aud` of an ID token, `client_id` of an access token, when client ids are configured;
//! * any-of scopes (`scope`) and any-of groups (`cognito:groups`), when required.
//!
//! ```no_run
//! use latchkey_verify::{TokenUse, Verifier, VerifyError};
//!
//! # async fn run(token: &str) -> Result<(), VerifyError> {
//! let verifier = Verifier::builder("http://localhost:9229/us-east-1_Example")
//!     // or "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example" for Amazon Cognito
//!     .token_use(TokenUse::Access)
//!     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
//!     .any_scope(["orders/read"])
//!     .build()?;
//!
//! let claims = verifier.verify(token).await?;
//! println!("{} ({:?}) may read orders", claims.sub, claims.username);
//! # Ok(()) }
//! ```
//!
//! With the `axum` feature (on by default), [`VerifyLayer`] protects routes and puts the [`Claims`] in the
//! request, where handlers take them as an extractor; [`Authenticated`] verifies inside the handler instead:
//!
//! ```no_run
//! # #[cfg(feature = "axum")] {
//! use axum::{routing::get, Router};
//! use latchkey_verify::{Claims, Verifier, VerifyLayer};
//!
//! async fn whoami(claims: Claims) -> String {
//!     format!("hello {}", claims.username.unwrap_or(claims.sub))
//! }
//!
//! # fn app(verifier: Verifier) -> Router {
//! Router::new()
//!     .route("/whoami", get(whoami))
//!     .layer(VerifyLayer::new(verifier))
//! # }
//! # }
//! ```
//!
//! Several pools? Build one verifier per issuer and pick with [`peek_issuer`].

mod claims;
mod error;
#[cfg(feature = "axum")]
mod extract;
mod jwks;
mod jwt;
mod keys;
#[cfg(feature = "axum")]
mod layer;
mod requirements;
mod verifier;

pub use claims::{Claims, TokenUse};
pub use error::VerifyError;
#[cfg(feature = "axum")]
pub use extract::{AuthRejection, Authenticated};
pub use jwt::{peek_issuer, MAX_TOKEN_BYTES};
#[cfg(feature = "axum")]
pub use layer::{bearer_token, VerifyLayer, VerifyService};
pub use requirements::Requirements;
pub use verifier::{Clock, Verifier, VerifierBuilder};
