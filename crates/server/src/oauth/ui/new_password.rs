//! The new-password page, shown after signing in with a temporary password: its post answers NEW_PASSWORD_REQUIRED
//! (with any required attributes the user lacks) and goes on to the app, or shows the form again with the reason.

use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::login::follow;
use super::page::Frame;
use super::request::{AttributeFields, HostedForm};
use crate::oauth::params::Checked;

#[derive(Template)]
#[template(path = "new_password.html")]
pub(super) struct NewPasswordPage {
    pub frame: Frame,
    /// The sealed NEW_PASSWORD_REQUIRED session.
    pub session: String,
    pub username: String,
    pub required_fields: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewPasswordFields {
    session: String,
    username: String,
    password: String,
    #[serde(flatten)]
    attributes: AttributeFields,
}

pub async fn new_password_submit(
    HostedForm { mut request, form }: HostedForm<NewPasswordFields>,
) -> Response {
    let Checked { pool, client, .. } = &request.checked;
    let answer = request
        .lk()
        .hosted_new_password(
            pool,
            client,
            &form.session,
            &form.username,
            &form.password,
            &form.attributes.0,
        )
        .await;
    match answer {
        Ok(next) => follow(request, next).await,
        Err(e) => {
            let lk = request.lk();
            let required_fields = lk
                .new_password_fields(&request.checked.pool, &form.username)
                .await;
            let page = NewPasswordPage {
                frame: request.frame().refused(e),
                required_fields,
                session: form.session,
                username: form.username,
            };
            request.show(&page)
        }
    }
}
