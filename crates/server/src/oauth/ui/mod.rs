//! The hosted UI's pages, one file per family: sign-in, new password, sign-up and confirmation, password reset.
//! Each handler takes a checked request (`HostedRequest`) or a CSRF-checked form (`HostedForm<T>`), calls the
//! same core use case as the API, and shows a page (its struct embeds the shared `Frame`) or moves on.

mod assets;
mod login;
mod new_password;
mod page;
mod request;
mod reset;
mod sign_up;

pub use assets::{custom_css, logo, stylesheet};
pub use login::{login_form, login_submit};
pub use new_password::new_password_submit;
pub use page::{error_route, secure_headers, PageError};
pub use request::{Fields, HostedRequest};
pub use reset::{confirm_forgot_form, confirm_forgot_submit, forgot_form, forgot_submit};
pub use sign_up::{confirm_form, confirm_submit, signup_form, signup_submit};

use latchkey_core::pools::UserPool;
use latchkey_core::users::names::is_username_attribute;

/// The label of the sign-in name field.
fn username_label(pool: &UserPool) -> &'static str {
    if is_username_attribute(pool, "email") {
        "Email"
    } else {
        "Username"
    }
}
