//! The AWS protocol layer: the JSON 1.1 dispatcher on `POST /`, request validation against the Cognito API
//! model, SigV4 verification, and the `__type` error dialect.

pub mod dispatch;
pub mod error;
pub mod model;
pub mod sigv4;
pub mod throttle;
