//! The new-password page, shown after signing in with a temporary password: its post answers NEW_PASSWORD_REQUIRED
//! (with any required attributes the user lacks) and goes on to the app, or shows the form again with the reason.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::page::Frame;
use super::request::{AttributeFields, HostedForm};
use crate::oauth::authorize::finish;
use crate::AppState;

#[derive(Template)]
#[template(path = "new_password.html")]
pub(super) struct NewPasswordPage {
    pub frame: Frame,
    /// The sealed NEW_PASSWORD_REQUIRED session.
    pub session: String,
    pub username: String,
    pub required_fields: Vec<String>,
}

#[derive(Deserialize)]
pub struct NewPasswordFields {
    #[serde(default)]
    session: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    attributes: AttributeFields,
}

pub async fn new_password_submit(
    State(st): State<Arc<AppState>>,
    HostedForm { mut request, form }: HostedForm<NewPasswordFields>,
) -> Response {
    let lk = &st.latchkey;
    let (pool, client) = (request.checked.pool.clone(), request.checked.client.clone());
    let answer = lk
        .hosted_new_password(
            &pool,
            &client,
            &form.session,
            &form.username,
            &form.password,
            &form.attributes.0,
        )
        .await;
    match answer {
        Ok(signed_in) => finish(lk, request, &signed_in).await,
        Err(e) => {
            let page = NewPasswordPage {
                frame: request.frame(lk).refused(e),
                required_fields: lk.new_password_fields(&pool, &form.username).await,
                session: form.session,
                username: form.username,
            };
            request.show(&page)
        }
    }
}
