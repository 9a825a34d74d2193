//! The hosted UI's forms: sign-in, new password, sign-up, confirmation, forgotten password — each GET renders the
//! page, each POST checks the CSRF token, runs the same domain operation as the API, and either moves on or shows
//! the page again with Cognito's message.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use latchkey_core::auth::{secret_hash, ClientProof};
use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
use latchkey_core::users::attributes::{missing_required, AttributeInput};
use latchkey_core::users::{names::is_username_attribute, SignUpInput};
use latchkey_core::Latchkey;
use serde::{Deserialize, Serialize};

use super::authorize::{finish, parse_query, redirect, reject};
use super::cookies;
use super::params::{check, AuthorizeParams, Checked};
use super::views::*;
use crate::AppState;

type Fields = BTreeMap<String, String>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

/// The browser never holds the client secret; the server, which does, computes SECRET_HASH for it.
fn hosted_hash(client: &AppClient, username: &str) -> Option<String> {
    client
        .client_secret
        .as_ref()
        .map(|s| secret_hash(s, username, &client.client_id))
}

fn username_label(pool: &UserPool) -> &'static str {
    if is_username_attribute(pool, "email") {
        "Email"
    } else {
        "Username"
    }
}

fn csrf_failed() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "Your form has expired. Go back, reload the page and try again.",
    )
}

async fn ui_for(_lk: &Latchkey, checked: &Checked) -> Ui {
    super::views::ui_for(&checked.pool, &checked.client.client_id)
}

/// A sealed, short-lived marker that this browser just signed up as `username` with a password: after the
/// confirmation code it may continue to the app without typing the password again.
const SIGNUP_COOKIE: &str = "latchkey-signup";
const SIGNUP_PURPOSE: &str = "hosted-ui-signup";

#[derive(Serialize, Deserialize)]
struct SignupMarker {
    pool_id: String,
    username: String,
    expires: latchkey_core::time::Timestamp,
}

async fn checked(st: &AppState, raw: Option<String>) -> Result<(Checked, AuthorizeParams, Fields), Response> {
    let (params, all) = parse_query(raw);
    match check(&st.latchkey, &params).await {
        Ok(c) => Ok((c, params, all)),
        Err(r) => Err(reject(r)),
    }
}

// ---- sign-in -------------------------------------------------------------------------------------------------

fn notice_text(all: &Fields) -> Option<String> {
    match all.get("notice").map(String::as_str) {
        Some("password_reset") => {
            Some("Your password has been reset. Sign in with your new password.".into())
        }
        Some("confirmed") => Some("Your account is confirmed. Sign in to continue.".into()),
        Some("admin_confirmation") => {
            Some("Your account was created. An administrator must confirm it before you can sign in.".into())
        }
        _ => None,
    }
}

pub async fn login_form(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Response {
    let (checked, params, all) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if let Some(session) = cookies::session(lk, &jar, &checked.pool.id).await {
        if let Ok(Some(user)) = lk.store.get_user(&checked.pool.id, &session.username).await {
            if user.may_start_session() {
                return finish(&st, jar, &checked, &params, &user, session.auth_time).await;
            }
        }
    }
    let (jar, csrf) = cookies::csrf(lk, jar);
    let page = LoginPage {
        ui: ui_for(lk, &checked).await,
        q: params.to_query(),
        csrf,
        error: None,
        notice: notice_text(&all),
        username: all.get("username").cloned().unwrap_or_default(),
        username_label: username_label(&checked.pool),
        signup_allowed: !checked.pool.admin_create_user_config.allow_admin_create_user_only,
    };
    (jar, render(StatusCode::OK, &page)).into_response()
}

pub async fn login_submit(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    Form(f): Form<Fields>,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if !cookies::csrf_ok(lk, &jar, field(&f, "_csrf")) {
        return csrf_failed();
    }
    let username = field(&f, "username").trim().to_string();
    let (pool, client) = (&checked.pool, &checked.client);
    let show = |jar: CookieJar, csrf: String, error: String, ui: Ui| {
        let page = LoginPage {
            ui,
            q: params.to_query(),
            csrf,
            error: Some(error),
            notice: None,
            username: username.clone(),
            username_label: username_label(pool),
            signup_allowed: !pool.admin_create_user_config.allow_admin_create_user_only,
        };
        (jar, render(StatusCode::OK, &page)).into_response()
    };
    let user = match lk
        .authenticate_password(
            pool,
            client,
            &username,
            field(&f, "password"),
            ClientProof::HostedUi,
        )
        .await
    {
        Ok(u) => u,
        Err(e) => {
            let (jar, csrf) = cookies::csrf(lk, jar);
            return show(jar, csrf, e.message().to_string(), ui_for(lk, &checked).await);
        }
    };
    if !user.enabled {
        let (jar, csrf) = cookies::csrf(lk, jar);
        return show(jar, csrf, "User is disabled.".into(), ui_for(lk, &checked).await);
    }
    match user.status.as_str() {
        "CONFIRMED" => finish(&st, jar, &checked, &params, &user, lk.clock.now()).await,
        "FORCE_CHANGE_PASSWORD" => {
            if user
                .temporary_password_expires
                .is_some_and(|t| t <= lk.clock.now())
            {
                let (jar, csrf) = cookies::csrf(lk, jar);
                return show(
                    jar,
                    csrf,
                    "Temporary password has expired and must be reset by an administrator.".into(),
                    ui_for(lk, &checked).await,
                );
            }
            let (jar, csrf) = cookies::csrf(lk, jar);
            let page = NewPasswordPage {
                ui: ui_for(lk, &checked).await,
                q: params.to_query(),
                csrf,
                error: None,
                notice: None,
                session: lk.seal_session(client, &user.username, "NEW_PASSWORD_REQUIRED"),
                username: user.username.clone(),
                required_fields: missing_required(pool, &user),
            };
            (jar, render(StatusCode::OK, &page)).into_response()
        }
        "UNCONFIRMED" => {
            let _ = lk
                .resend_confirmation_code(
                    &client.client_id,
                    &user.username,
                    hosted_hash(client, &user.username).as_deref(),
                )
                .await;
            let (jar, csrf) = cookies::csrf(lk, jar);
            let page = ConfirmPage {
                ui: ui_for(lk, &checked).await,
                q: params.to_query(),
                csrf,
                error: None,
                notice: Some("Your account is not confirmed yet. Enter the code we sent you.".into()),
                username: user.username.clone(),
            };
            (jar, render(StatusCode::OK, &page)).into_response()
        }
        _ => redirect(&format!("/forgotPassword?{}", params.to_query())),
    }
}

pub async fn new_password_submit(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    Form(f): Form<Fields>,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if !cookies::csrf_ok(lk, &jar, field(&f, "_csrf")) {
        return csrf_failed();
    }
    let mut responses = BTreeMap::new();
    responses.insert("USERNAME".to_string(), field(&f, "username").to_string());
    responses.insert("NEW_PASSWORD".to_string(), field(&f, "password").to_string());
    for (k, v) in &f {
        if let Some(attr) = k.strip_prefix("attr_") {
            responses.insert(format!("userAttributes.{attr}"), v.clone());
        }
    }
    match lk
        .set_new_password(
            &checked.pool,
            &checked.client,
            Some(field(&f, "session")),
            &responses,
            false,
        )
        .await
    {
        Ok(user) => finish(&st, jar, &checked, &params, &user, lk.clock.now()).await,
        Err(e) => {
            let (jar, csrf) = cookies::csrf(lk, jar);
            let required = match lk.store.get_user(&checked.pool.id, field(&f, "username")).await {
                Ok(Some(u)) => missing_required(&checked.pool, &u),
                _ => Vec::new(),
            };
            let page = NewPasswordPage {
                ui: ui_for(lk, &checked).await,
                q: params.to_query(),
                csrf,
                error: Some(e.message().to_string()),
                notice: None,
                session: field(&f, "session").to_string(),
                username: field(&f, "username").to_string(),
                required_fields: required,
            };
            (jar, render(StatusCode::OK, &page)).into_response()
        }
    }
}

// ---- sign-up and confirmation --------------------------------------------------------------------------------

fn password_rules(pool: &UserPool) -> String {
    let p = &pool.policies.password_policy;
    let mut rules = vec![format!("at least {} characters", p.minimum_length)];
    if p.require_uppercase {
        rules.push("an uppercase letter".into());
    }
    if p.require_lowercase {
        rules.push("a lowercase letter".into());
    }
    if p.require_numbers {
        rules.push("a number".into());
    }
    if p.require_symbols {
        rules.push("a symbol".into());
    }
    format!("Your password needs {}.", rules.join(", "))
}

/// Required attributes the sign-up form must ask for besides email.
fn extra_fields(pool: &UserPool) -> Vec<String> {
    pool.schema_attributes
        .iter()
        .filter(|a| a.required && !matches!(a.name.as_str(), "sub" | "email"))
        .map(|a| a.name.clone())
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn signup_page(
    ui: Ui,
    checked: &Checked,
    params: &AuthorizeParams,
    csrf: String,
    error: Option<String>,
    f: &Fields,
) -> SignupPage {
    SignupPage {
        ui,
        q: params.to_query(),
        csrf,
        error,
        notice: None,
        username: field(f, "username").to_string(),
        email: field(f, "email").to_string(),
        email_is_username: is_username_attribute(&checked.pool, "email"),
        extra_fields: extra_fields(&checked.pool),
        password_rules: password_rules(&checked.pool),
    }
}

pub async fn signup_form(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if checked.pool.admin_create_user_config.allow_admin_create_user_only {
        return error_page(
            StatusCode::FORBIDDEN,
            "SignUp is not permitted for this user pool",
        );
    }
    let (jar, csrf) = cookies::csrf(lk, jar);
    (
        jar,
        render(
            StatusCode::OK,
            &signup_page(
                ui_for(lk, &checked).await,
                &checked,
                &params,
                csrf,
                None,
                &Fields::new(),
            ),
        ),
    )
        .into_response()
}

pub async fn signup_submit(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    Form(f): Form<Fields>,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if !cookies::csrf_ok(lk, &jar, field(&f, "_csrf")) {
        return csrf_failed();
    }
    let email = field(&f, "email").trim().to_string();
    let email_is_username = is_username_attribute(&checked.pool, "email");
    let username = if email_is_username {
        email.clone()
    } else {
        field(&f, "username").trim().to_string()
    };
    let mut attributes = Vec::new();
    if !email_is_username {
        attributes.push(AttributeInput {
            name: "email".into(),
            value: Some(email.clone()),
        });
    }
    for (k, v) in &f {
        if let Some(attr) = k.strip_prefix("attr_") {
            attributes.push(AttributeInput {
                name: attr.to_string(),
                value: Some(v.clone()),
            });
        }
    }
    let input = SignUpInput {
        client_id: checked.client.client_id.clone(),
        secret_hash: hosted_hash(&checked.client, &username),
        username: username.clone(),
        password: Some(field(&f, "password").to_string()),
        user_attributes: attributes,
    };
    match lk.sign_up(input).await {
        Ok(outcome) => {
            // With email as the username, the internal username is the new sub.
            let internal = if email_is_username {
                outcome.user_sub.clone()
            } else {
                username
            };
            if outcome.code_delivery.is_none() {
                return redirect(&format!("/login?{}&notice=admin_confirmation", params.to_query()));
            }
            let marker = SignupMarker {
                pool_id: checked.pool.id.clone(),
                username: internal.clone(),
                expires: lk.clock.now().plus_seconds(15 * 60),
            };
            let sealed = lk.secrets.master_key.seal(
                lk.rng.as_ref(),
                SIGNUP_PURPOSE,
                &serde_json::to_vec(&marker).unwrap_or_default(),
            );
            let cookie = Cookie::build((SIGNUP_COOKIE, sealed))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(lk.settings.public_url.starts_with("https://"))
                .max_age(time::Duration::minutes(15))
                .build();
            let location = super::authorize::with_params(
                &format!("/confirm?{}", params.to_query()),
                '?',
                &[("username", &internal)],
            );
            (jar.add(cookie), redirect(&location)).into_response()
        }
        Err(e) => {
            let (jar, csrf) = cookies::csrf(lk, jar);
            let page = signup_page(
                ui_for(lk, &checked).await,
                &checked,
                &params,
                csrf,
                Some(e.message().to_string()),
                &f,
            );
            (jar, render(StatusCode::OK, &page)).into_response()
        }
    }
}

pub async fn confirm_form(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Response {
    let (checked, params, all) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    let (jar, csrf) = cookies::csrf(lk, jar);
    let page = ConfirmPage {
        ui: ui_for(lk, &checked).await,
        q: params.to_query(),
        csrf,
        error: None,
        notice: None,
        username: all.get("username").cloned().unwrap_or_default(),
    };
    (jar, render(StatusCode::OK, &page)).into_response()
}

pub async fn confirm_submit(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    Form(f): Form<Fields>,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if !cookies::csrf_ok(lk, &jar, field(&f, "_csrf")) {
        return csrf_failed();
    }
    let username = field(&f, "username").to_string();
    let client = &checked.client;
    let hash = hosted_hash(client, &username);
    let outcome = if f.contains_key("resend") {
        lk.resend_confirmation_code(&client.client_id, &username, hash.as_deref())
            .await
            .map(|_| None)
    } else {
        lk.confirm_sign_up(
            &client.client_id,
            &username,
            field(&f, "code").trim(),
            hash.as_deref(),
            false,
        )
        .await
        .map(Some)
    };
    match outcome {
        Ok(Some(confirmed)) => {
            // The sign-up marker lets this browser skip typing the password again, but only for the account it
            // signed up and has just confirmed: a marker for another account (say, one whose mailbox this browser
            // never saw) signs nobody in.
            let marker = jar
                .get(SIGNUP_COOKIE)
                .and_then(|c| lk.secrets.master_key.open(SIGNUP_PURPOSE, c.value()))
                .and_then(|p| serde_json::from_slice::<SignupMarker>(&p).ok())
                .filter(|m| m.pool_id == checked.pool.id && m.expires > lk.clock.now());
            let jar = jar.remove(Cookie::build(SIGNUP_COOKIE).path("/"));
            let signed_up_here = marker.is_some_and(|m| m.username == confirmed.username);
            if signed_up_here && confirmed.may_start_session() {
                finish(&st, jar, &checked, &params, &confirmed, lk.clock.now()).await
            } else {
                (
                    jar,
                    redirect(&format!("/login?{}&notice=confirmed", params.to_query())),
                )
                    .into_response()
            }
        }
        other => {
            let (error, notice) = match other {
                Ok(_) => (None, Some("We sent you a new code.".to_string())),
                Err(e) => (Some(e.message().to_string()), None),
            };
            let (jar, csrf) = cookies::csrf(lk, jar);
            let page = ConfirmPage {
                ui: ui_for(lk, &checked).await,
                q: params.to_query(),
                csrf,
                error,
                notice,
                username,
            };
            (jar, render(StatusCode::OK, &page)).into_response()
        }
    }
}

// ---- forgotten password --------------------------------------------------------------------------------------

pub async fn forgot_form(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    let (jar, csrf) = cookies::csrf(lk, jar);
    let page = ForgotPage {
        ui: ui_for(lk, &checked).await,
        q: params.to_query(),
        csrf,
        error: None,
        notice: None,
        username: String::new(),
        username_label: username_label(&checked.pool),
    };
    (jar, render(StatusCode::OK, &page)).into_response()
}

pub async fn forgot_submit(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    Form(f): Form<Fields>,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if !cookies::csrf_ok(lk, &jar, field(&f, "_csrf")) {
        return csrf_failed();
    }
    let username = field(&f, "username").trim().to_string();
    let client = &checked.client;
    match lk
        .forgot_password(
            &client.client_id,
            &username,
            hosted_hash(client, &username).as_deref(),
        )
        .await
    {
        Ok(_) => redirect(&super::authorize::with_params(
            &format!("/confirmForgotPassword?{}", params.to_query()),
            '?',
            &[("username", &username)],
        )),
        Err(e) => {
            let (jar, csrf) = cookies::csrf(lk, jar);
            let page = ForgotPage {
                ui: ui_for(lk, &checked).await,
                q: params.to_query(),
                csrf,
                error: Some(e.message().to_string()),
                notice: None,
                username,
                username_label: username_label(&checked.pool),
            };
            (jar, render(StatusCode::OK, &page)).into_response()
        }
    }
}

pub async fn confirm_forgot_form(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
) -> Response {
    let (checked, params, all) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    let (jar, csrf) = cookies::csrf(lk, jar);
    let page = ConfirmForgotPage {
        ui: ui_for(lk, &checked).await,
        q: params.to_query(),
        csrf,
        error: None,
        notice: Some("We sent you a code. Enter it with your new password.".into()),
        username: all.get("username").cloned().unwrap_or_default(),
    };
    (jar, render(StatusCode::OK, &page)).into_response()
}

pub async fn confirm_forgot_submit(
    State(st): State<Arc<AppState>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    Form(f): Form<Fields>,
) -> Response {
    let (checked, params, _) = match checked(&st, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lk = &st.latchkey;
    if !cookies::csrf_ok(lk, &jar, field(&f, "_csrf")) {
        return csrf_failed();
    }
    let username = field(&f, "username").to_string();
    let client = &checked.client;
    let result = lk
        .confirm_forgot_password(
            &client.client_id,
            &username,
            field(&f, "code").trim(),
            field(&f, "password"),
            hosted_hash(client, &username).as_deref(),
        )
        .await;
    match result {
        Ok(()) => redirect(&format!("/login?{}&notice=password_reset", params.to_query())),
        Err(e) => {
            let (jar, csrf) = cookies::csrf(lk, jar);
            let page = ConfirmForgotPage {
                ui: ui_for(lk, &checked).await,
                q: params.to_query(),
                csrf,
                error: Some(e.message().to_string()),
                notice: None,
                username,
            };
            (jar, render(StatusCode::OK, &page)).into_response()
        }
    }
}

/// `/error`: shows the message it is given.
pub async fn error_route(RawQuery(raw): RawQuery) -> Response {
    let all: Fields = serde_urlencoded::from_str(&raw.unwrap_or_default()).unwrap_or_default();
    let message = all
        .get("error")
        .cloned()
        .unwrap_or_else(|| "Something went wrong.".into());
    error_page(StatusCode::BAD_REQUEST, &message)
}
