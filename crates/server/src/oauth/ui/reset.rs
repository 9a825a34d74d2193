//! The password-reset pages: `/forgotPassword` sends a code, `/confirmForgotPassword` takes it with the new
//! password and sends the browser back to sign in.

use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::page::Frame;
use super::request::{HostedForm, HostedRequest};
use super::username_label;
use crate::oauth::authorize::{redirect, with_params};

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    frame: Frame,
    username: String,
    username_label: &'static str,
}

#[derive(Template)]
#[template(path = "confirm_forgot.html")]
struct ConfirmForgotPage {
    frame: Frame,
    username: String,
}

pub async fn forgot_form(mut request: HostedRequest) -> Response {
    let page = ForgotPage {
        frame: request.frame(),
        username: String::new(),
        username_label: username_label(&request.checked.pool),
    };
    request.show(&page)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ForgotFields {
    username: String,
}

pub async fn forgot_submit(HostedForm { mut request, form }: HostedForm<ForgotFields>) -> Response {
    let lk = request.lk();
    let username = form.username.trim().to_string();
    match lk
        .hosted_forgot_password(&request.checked.client, &username)
        .await
    {
        Ok(()) => redirect(&with_params(
            &format!("/confirmForgotPassword?{}", request.params.to_query()),
            '?',
            &[("username", &username)],
        )),
        Err(e) => {
            let page = ForgotPage {
                frame: request.frame().refused(e),
                username,
                username_label: username_label(&request.checked.pool),
            };
            request.show(&page)
        }
    }
}

pub async fn confirm_forgot_form(mut request: HostedRequest) -> Response {
    let page = ConfirmForgotPage {
        frame: request
            .frame()
            .notice("We sent you a code. Enter it with your new password."),
        username: request.query_field("username"),
    };
    request.show(&page)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForgotFields {
    username: String,
    code: String,
    password: String,
}

pub async fn confirm_forgot_submit(
    HostedForm { mut request, form }: HostedForm<ConfirmForgotFields>,
) -> Response {
    let lk = request.lk();
    let reset = lk
        .hosted_confirm_forgot_password(
            &request.checked.client,
            &form.username,
            form.code.trim(),
            &form.password,
        )
        .await;
    match reset {
        Ok(()) => redirect(&format!(
            "/login?{}&notice=password_reset",
            request.params.to_query()
        )),
        Err(e) => {
            let page = ConfirmForgotPage {
                frame: request.frame().refused(e),
                username: form.username,
            };
            request.show(&page)
        }
    }
}
