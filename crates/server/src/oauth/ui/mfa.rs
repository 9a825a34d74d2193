//! The MFA page: the second factor a sign-in owes, in one form per step — a code (authenticator app, email or
//! SMS), a choice between factors, or setting one up (an authenticator app, with its secret and a QR code, or an
//! email address). Its post answers the challenge through core and goes on to the app or the next step.

use askama::Template;
use axum::response::Response;
use base64::Engine;
use latchkey_core::oauth::hosted::{MfaPageAnswer, MfaPrompt, TotpSetup};
use serde::Deserialize;

use super::login::follow;
use super::page::Frame;
use super::request::{Fields, HostedForm, HostedRequest};
use crate::oauth::params::Checked;

/// The authenticator app being set up: what the page shows of it. The form carries the secret and URI back, so a
/// mistyped code shows the same secret again.
pub(super) struct TotpView {
    secret: String,
    uri: String,
    /// The otpauth URI as a QR code, an SVG data URI (the page's CSP allows `data:` images only).
    qr: String,
    setup_session: String,
}

impl TotpView {
    fn new(secret: String, uri: String, setup_session: String) -> Self {
        Self {
            qr: qr_data_uri(&uri),
            secret,
            uri,
            setup_session,
        }
    }
}

#[derive(Template)]
#[template(path = "mfa.html")]
pub(super) struct MfaPage {
    frame: Frame,
    challenge: String,
    session: String,
    username: String,
    /// `code`, `choose` (SELECT_MFA_TYPE), `setup-choose`, `setup-totp` or `setup-email`.
    step: &'static str,
    /// For a code: where it went (masked), or empty for an authenticator app.
    destination: String,
    /// The factors to choose from, as (wire name, label).
    factors: Vec<(String, &'static str)>,
    totp: Option<TotpView>,
}

fn label(factor: &str) -> &'static str {
    match factor {
        "SOFTWARE_TOKEN_MFA" => "Authenticator app",
        "EMAIL_OTP" => "Email",
        "SMS_MFA" => "Text message (SMS)",
        _ => "Other",
    }
}

fn qr_data_uri(uri: &str) -> String {
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

impl MfaPage {
    fn new(frame: Frame, prompt: &MfaPrompt, step: &'static str) -> Self {
        Self {
            frame,
            challenge: prompt.challenge.clone(),
            session: prompt.session.clone(),
            username: prompt.username.clone(),
            step,
            destination: prompt.destination().unwrap_or_default().to_string(),
            factors: prompt
                .factors()
                .into_iter()
                .filter(|f| step != "setup-choose" || f != "SMS_MFA")
                .map(|f| {
                    let l = label(&f);
                    (f, l)
                })
                .collect(),
            totp: None,
        }
    }

    fn with_totp(mut self, setup: TotpSetup) -> Self {
        self.totp = Some(TotpView::new(setup.secret, setup.uri, setup.session));
        self
    }
}

/// Shows the page for `prompt`. An MFA_SETUP offering only an authenticator app starts its setup at once.
pub(super) async fn show_prompt(
    mut request: HostedRequest,
    prompt: MfaPrompt,
    chosen: Option<&str>,
) -> Response {
    let frame = request.frame();
    let setup_choice = match (prompt.challenge.as_str(), chosen) {
        ("MFA_SETUP", Some(c)) => Some(c.to_string()),
        ("MFA_SETUP", None) => {
            let factors: Vec<String> = prompt.factors().into_iter().filter(|f| f != "SMS_MFA").collect();
            (factors.len() == 1).then(|| factors[0].clone())
        }
        _ => None,
    };
    let step = match (prompt.challenge.as_str(), setup_choice.as_deref()) {
        ("SELECT_MFA_TYPE", _) => "choose",
        ("MFA_SETUP", Some("SOFTWARE_TOKEN_MFA")) => "setup-totp",
        ("MFA_SETUP", Some("EMAIL_OTP")) => "setup-email",
        ("MFA_SETUP", _) => "setup-choose",
        _ => "code",
    };
    let page = MfaPage::new(frame, &prompt, step);
    if step != "setup-totp" {
        return request.show(&page);
    }
    let Checked { pool, .. } = &request.checked;
    match request
        .lk()
        .hosted_totp_setup(pool, &prompt.username, &prompt.session)
        .await
    {
        Ok(setup) => request.show(&page.with_totp(setup)),
        Err(e) => {
            let page = MfaPage {
                frame: request.frame().refused(e),
                ..page
            };
            request.show(&page)
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MfaFields {
    challenge: String,
    session: String,
    username: String,
    /// MFA_SETUP's choice between factors, which only picks the next form.
    setup_choice: String,
    /// Carried back for showing the form again: where the code went, and the app being set up.
    destination: String,
    secret: String,
    totp_uri: String,
    #[serde(flatten)]
    fields: Fields,
}

pub async fn mfa_submit(HostedForm { mut request, form }: HostedForm<MfaFields>) -> Response {
    let prompt = MfaPrompt {
        challenge: form.challenge.clone(),
        session: form.session.clone(),
        username: form.username.clone(),
        parameters: Default::default(),
    };
    if form.challenge == "MFA_SETUP" && !form.setup_choice.is_empty() {
        return show_prompt(request, prompt, Some(&form.setup_choice)).await;
    }
    let Checked { pool, client, .. } = &request.checked;
    let answer = MfaPageAnswer {
        challenge: &form.challenge,
        session: &form.session,
        username: &form.username,
        fields: &form.fields,
    };
    match request.lk().hosted_mfa(pool, client, answer).await {
        Ok(next) => follow(request, next).await,
        Err(e) => {
            // The same form again, with the reason.
            let setup_session = form.fields.get("setup_session").cloned().unwrap_or_default();
            let step = match form.challenge.as_str() {
                "SELECT_MFA_TYPE" => "choose",
                "MFA_SETUP" if !setup_session.is_empty() => "setup-totp",
                "MFA_SETUP" if form.fields.contains_key("email") => "setup-email",
                "MFA_SETUP" => "setup-choose",
                _ => "code",
            };
            let mut page = MfaPage::new(request.frame().refused(e), &prompt, step);
            page.destination = form.destination;
            if step == "setup-totp" {
                page.totp = Some(TotpView::new(form.secret, form.totp_uri, setup_session));
            }
            request.show(&page)
        }
    }
}
