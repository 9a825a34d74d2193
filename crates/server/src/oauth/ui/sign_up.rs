//! The sign-up and confirmation pages: `/signup` creates the account and sends the browser to `/confirm` with a
//! sign-up marker; `/confirm` takes the code (or sends a new one) and, for the browser that signed the account
//! up, goes straight on to the app.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth::hosted::{Authenticated, HostedSignUp, SignedUp};
use latchkey_core::pools::UserPool;
use latchkey_core::users::names::is_username_attribute;
use serde::Deserialize;

use super::page::{Frame, PageError};
use super::request::{present, AttributeFields, HostedForm, HostedRequest};
use crate::oauth::authorize::{finish, redirect, with_params};
use crate::oauth::cookies;
use crate::oauth::params::Checked;

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    frame: Frame,
    username: String,
    email: String,
    email_is_username: bool,
    /// Required attributes the form asks for besides email.
    extra_fields: Vec<String>,
    password_rules: String,
}

impl SignupPage {
    fn new(frame: Frame, pool: &UserPool, username: String, email: String) -> Self {
        Self {
            frame,
            username,
            email,
            email_is_username: is_username_attribute(pool, "email"),
            extra_fields: pool
                .schema_attributes
                .iter()
                .filter(|a| a.required && !matches!(a.name.as_str(), "sub" | "email"))
                .map(|a| a.name.clone())
                .collect(),
            password_rules: password_rules(pool),
        }
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct ConfirmPage {
    pub frame: Frame,
    pub username: String,
}

fn password_rules(pool: &UserPool) -> String {
    let p = &pool.policies.password_policy;
    let mut rules = vec![format!("at least {} characters", p.minimum_length)];
    for (required, rule) in [
        (p.require_uppercase, "an uppercase letter"),
        (p.require_lowercase, "a lowercase letter"),
        (p.require_numbers, "a number"),
        (p.require_symbols, "a symbol"),
    ] {
        if required {
            rules.push(rule.into());
        }
    }
    format!("Your password needs {}.", rules.join(", "))
}

pub async fn signup_form(mut request: HostedRequest) -> Response {
    let pool = request.checked.pool.clone();
    if pool.admin_create_user_config.allow_admin_create_user_only {
        return PageError::new(
            StatusCode::FORBIDDEN,
            "SignUp is not permitted for this user pool",
        )
        .into_response();
    }
    let page = SignupPage::new(request.frame(), &pool, String::new(), String::new());
    request.show(&page)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignUpFields {
    username: String,
    email: String,
    password: String,
    #[serde(flatten)]
    attributes: AttributeFields,
}

pub async fn signup_submit(HostedForm { mut request, form }: HostedForm<SignUpFields>) -> Response {
    let sign_up = HostedSignUp {
        username: form.username.trim().to_string(),
        email: form.email.trim().to_string(),
        password: form.password,
        attributes: form.attributes.0.into_iter().collect(),
    };
    let q = request.params.to_query();
    let Checked { pool, client, .. } = &request.checked;
    let outcome = request.lk().hosted_sign_up(pool, client, sign_up).await;
    match outcome {
        Ok(SignedUp::AwaitingAdministrator) => redirect(&format!("/login?{q}&notice=admin_confirmation")),
        Ok(SignedUp::Confirmed) => redirect(&format!("/login?{q}&notice=confirmed")),
        Ok(SignedUp::AwaitingCode { username, marker }) => {
            let jar = cookies::keep_sign_up_marker(request.lk(), request.jar.clone(), marker);
            let location = with_params(&format!("/confirm?{q}"), '?', &[("username", &username)]);
            (jar, redirect(&location)).into_response()
        }
        Err(e) => {
            let frame = request.frame().refused(e);
            let page = SignupPage::new(frame, &request.checked.pool, form.username, form.email);
            request.show(&page)
        }
    }
}

pub async fn confirm_form(mut request: HostedRequest) -> Response {
    let page = ConfirmPage {
        frame: request.frame(),
        username: request.query_field("username"),
    };
    request.show(&page)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ConfirmFields {
    username: String,
    code: String,
    /// The "Send a new code" form.
    #[serde(deserialize_with = "present")]
    resend: bool,
}

pub async fn confirm_submit(HostedForm { mut request, form }: HostedForm<ConfirmFields>) -> Response {
    let (lk, Checked { pool, client, .. }) = (request.lk(), &request.checked);
    let frame = if form.resend {
        let sent = lk.hosted_resend_code(client, &form.username).await;
        match sent {
            Ok(()) => request.frame().notice("We sent you a new code."),
            Err(e) => request.frame().refused(e),
        }
    } else {
        let marker = cookies::sign_up_marker(&request.jar);
        let confirmed = lk
            .hosted_confirm_sign_up(pool, client, &form.username, form.code.trim(), marker)
            .await;
        match confirmed {
            Ok(signed_in) => return signed_up_and_confirmed(request, signed_in).await,
            Err(e) => request.frame().refused(e),
        }
    };
    let page = ConfirmPage {
        frame,
        username: form.username,
    };
    request.show(&page)
}

/// After the confirmation: on to the app when core let this browser sign in, else to the sign-in page. The
/// sign-up marker has served either way.
async fn signed_up_and_confirmed(mut request: HostedRequest, signed_in: Option<Authenticated>) -> Response {
    request.jar = cookies::forget_sign_up_marker(request.jar);
    match signed_in {
        Some(signed_in) => finish(request, &signed_in).await,
        None => {
            let location = format!("/login?{}&notice=confirmed", request.params.to_query());
            (request.jar, redirect(&location)).into_response()
        }
    }
}
