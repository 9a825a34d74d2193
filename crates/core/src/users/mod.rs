//! Users: the stored model, usernames and aliases as Cognito has them, attributes, and the user operations.

mod admin;
pub mod attributes;
mod credentials;
mod delivery;
mod list;
mod lookup;
mod model;
pub mod names;
mod passwords;
mod profile;
mod save;
mod signup;

pub use admin::AdminCreateUserInput;
pub use list::{parse_filter, ListUsersInput};
pub use lookup::UserRef;
pub use model::*;
pub use signup::{SignUpInput, SignUpOutcome};

use serde_json::{json, Value};

/// Cognito's `UserType`, with the attributes `visible` lets through.
pub fn user_type(user: &User, visible: impl Fn(&str) -> bool) -> Value {
    json!({
        "Username": user.username,
        "Attributes": attributes::to_wire(user, visible),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    })
}
