//! User pools: the stored model, Cognito's defaults and combination rules, and the pool operations.

mod create;
mod custom_attributes;
mod mfa;
mod model;
pub mod schema;
mod tags;
mod update;

pub use create::CreateUserPoolInput;
pub use mfa::{MfaSettings, SetMfaConfigInput};
pub use model::*;
pub use update::UpdateUserPoolInput;
