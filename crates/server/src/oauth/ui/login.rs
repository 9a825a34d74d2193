//! The sign-in page: `/login` shows the form (or, with a live session, goes straight back to the app), and its
//! post follows core's decision after the password: on to the app, or to the form that comes next.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use latchkey_core::oauth::hosted::HostedSignIn;
use latchkey_core::pools::UserPool;
use serde::Deserialize;

use super::new_password::NewPasswordPage;
use super::page::Frame;
use super::request::{HostedForm, HostedRequest};
use super::sign_up::ConfirmPage;
use super::username_label;
use crate::oauth::authorize::{finish, redirect};
use crate::oauth::cookies;
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    username: String,
    username_label: &'static str,
    signup_allowed: bool,
}

impl LoginPage {
    fn new(frame: Frame, pool: &UserPool, username: String) -> Self {
        Self {
            frame,
            username,
            username_label: username_label(pool),
            signup_allowed: !pool.admin_create_user_config.allow_admin_create_user_only,
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

pub async fn login_form(State(st): State<Arc<AppState>>, mut request: HostedRequest) -> Response {
    let lk = &st.latchkey;
    if let Some(signed_in) = cookies::session_user(lk, &request.jar, &request.checked.pool).await {
        return finish(lk, request, &signed_in).await;
    }
    let mut frame = request.frame(lk);
    frame.notice = notice_text(request.query.get("notice").map(String::as_str)).map(str::to_string);
    let page = LoginPage::new(frame, &request.checked.pool, request.query_field("username"));
    request.show(&page)
}

#[derive(Deserialize)]
pub struct LoginFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(
    State(st): State<Arc<AppState>>,
    HostedForm { mut request, form }: HostedForm<LoginFields>,
) -> Response {
    let lk = &st.latchkey;
    let (pool, client) = (request.checked.pool.clone(), request.checked.client.clone());
    let username = form.username.trim();
    match lk.hosted_sign_in(&pool, &client, username, &form.password).await {
        Ok(HostedSignIn::SignedIn(signed_in)) => finish(lk, request, &signed_in).await,
        Ok(HostedSignIn::NewPasswordRequired(prompt)) => {
            let page = NewPasswordPage {
                frame: request.frame(lk),
                session: prompt.session,
                username: prompt.username,
                required_fields: prompt.required_attributes,
            };
            request.show(&page)
        }
        Ok(HostedSignIn::ConfirmationRequired { username }) => {
            let page = ConfirmPage {
                frame: request
                    .frame(lk)
                    .notice("Your account is not confirmed yet. Enter the code we sent you."),
                username,
            };
            request.show(&page)
        }
        Ok(HostedSignIn::PasswordResetRequired) => {
            redirect(&format!("/forgotPassword?{}", request.params.to_query()))
        }
        Err(e) => {
            let page = LoginPage::new(request.frame(lk).refused(e), &pool, username.to_string());
            request.show(&page)
        }
    }
}
