//! `latchkey gateway`: a reverse proxy that behaves as API Gateway's REST API with Cognito user pool authorizers.

pub mod config;
