//! App clients: the stored model (Cognito's `UserPoolClientType`), Cognito's defaults and rules, and the
//! client operations.

mod model;
mod operations;
mod settings;

pub use model::*;
pub use operations::{CreateClientInput, UpdateClientInput};
pub use settings::ClientSettingsInput;
