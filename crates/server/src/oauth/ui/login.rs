//! The sign-in page: `/login` shows the form (or, with a live session, goes straight back to the app), and its
//! post follows core's decision after the password: on to the app, or to the form that comes next (`follow`,
//! which every sign-in step's page shares).

use askama::Template;
use axum::response::Response;
use latchkey_core::oauth::hosted::HostedSignIn;
use latchkey_core::pools::UserPool;
use latchkey_core::CognitoError;
use serde::Deserialize;

use super::mfa::show_prompt;
use super::new_password::NewPasswordPage;
use super::page::Frame;
use super::passkey::show_passkey;
use super::request::{present, HostedForm, HostedRequest};
use super::sign_up::ConfirmPage;
use super::username_label;
use crate::oauth::authorize::{finish, redirect};
use crate::oauth::params::Checked;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    username: String,
    username_label: &'static str,
    signup_allowed: bool,
    /// The pool lets users sign in with a passkey: the form's second button.
    passkey_allowed: bool,
}

impl LoginPage {
    fn new(frame: Frame, pool: &UserPool, username: String) -> Self {
        Self {
            frame,
            username,
            username_label: username_label(pool),
            signup_allowed: !pool.admin_create_user_config.allow_admin_create_user_only,
            passkey_allowed: pool.allows_first_factor("WEB_AUTHN"),
        }
    }
}

/// What the page that sent the browser here asked to tell the user.
fn notice_text(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("password_reset") => Some("Your password has been reset. Sign in with your new password."),
        Some("confirmed") => Some("Your account is confirmed. Sign in to continue."),
        Some("admin_confirmation") => {
            Some("Your account was created. An administrator must confirm it before you can sign in.")
        }
        _ => None,
    }
}

pub async fn login_form(mut request: HostedRequest) -> Response {
    if let Some(signed_in) = request.session_user().await {
        return finish(request, &signed_in).await;
    }
    let mut frame = request.frame();
    frame.notice = notice_text(request.query.get("notice").map(String::as_str)).map(str::to_string);
    let page = LoginPage::new(frame, &request.checked.pool, request.query_field("username"));
    request.show(&page)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginFields {
    username: String,
    password: String,
    /// The "Sign in with a passkey" button sent the form.
    #[serde(deserialize_with = "present")]
    passkey: bool,
}

pub async fn login_submit(HostedForm { request, form }: HostedForm<LoginFields>) -> Response {
    let username = form.username.trim();
    if form.passkey {
        return start_passkey(request, username).await;
    }
    let Checked { pool, client, .. } = &request.checked;
    let outcome = request
        .lk()
        .hosted_sign_in(pool, client, username, &form.password)
        .await;
    match outcome {
        Ok(next) => follow(request, next).await,
        Err(e) => refused(request, e, username),
    }
}

/// The passkey button: the passkey page for the name typed, or the sign-in form again with the reason.
async fn start_passkey(request: HostedRequest, username: &str) -> Response {
    let Checked { pool, client, .. } = &request.checked;
    match request.lk().hosted_passkey_start(pool, client, username).await {
        Ok(prompt) => show_passkey(request, prompt),
        Err(e) => refused(request, e, username),
    }
}

/// The sign-in form again, with the reason the last step was refused and the name typed.
pub(super) fn refused(mut request: HostedRequest, e: CognitoError, username: &str) -> Response {
    let frame = request.frame().refused(e);
    let page = LoginPage::new(frame, &request.checked.pool, username.to_string());
    request.show(&page)
}

/// Where a sign-in step leads: on to the app, or to the page of the step that comes next.
pub(super) async fn follow(mut request: HostedRequest, next: HostedSignIn) -> Response {
    match next {
        HostedSignIn::SignedIn(signed_in) => finish(request, &signed_in).await,
        HostedSignIn::NewPasswordRequired(prompt) => {
            let page = NewPasswordPage {
                frame: request.frame(),
                session: prompt.session,
                username: prompt.username,
                required_fields: prompt.required_attributes,
            };
            request.show(&page)
        }
        HostedSignIn::ConfirmationRequired { username } => {
            let page = ConfirmPage {
                frame: request
                    .frame()
                    .notice("Your account is not confirmed yet. Enter the code we sent you."),
                username,
            };
            request.show(&page)
        }
        HostedSignIn::PasswordResetRequired => {
            redirect(&format!("/forgotPassword?{}", request.params.to_query()))
        }
        HostedSignIn::Mfa(prompt) => show_prompt(request, prompt, None).await,
    }
}
