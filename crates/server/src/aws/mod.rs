//! The AWS protocol layer: the JSON 1.1 dispatcher on `POST /`, request validation against the Cognito API
//! model, SigV4 verification, the `__type` error dialect, and KMS's `Decrypt` for the custom sender triggers.

pub mod dispatch;
pub mod error;
pub mod kms;
pub mod model;
pub mod sigv4;
pub mod throttle;
