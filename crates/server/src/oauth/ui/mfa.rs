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

/// The authenticator app being set up: what the page shows of it. The form carries the secret back, so a mistyped
/// code shows the same secret again (its URI and QR code are made again from it).
pub(super) struct TotpView {
    secret: String,
    /// The secret in groups of four, as authenticator apps show a key and take it typed (spaces ignored); the
    /// groups also let the line break in the page's narrow box.
    secret_groups: String,
    /// The otpauth URI as a QR code, an SVG data URI (the page's CSP allows `data:` images only).
    qr: String,
    setup_session: String,
}

impl TotpView {
    fn new(setup: TotpSetup) -> Self {
        let groups: Vec<String> = setup
            .secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        Self {
            qr: qr_data_uri(&setup.uri),
            secret_groups: groups.join(" "),
            secret: setup.secret,
            setup_session: setup.session,
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
    /// The factors the challenge offered, carried by the form (`factors`) so a refused choice is shown again with
    /// its options.
    factor_field: String,
    /// The address the email-setup form was given, shown again when it is refused.
    email: String,
    totp: Option<TotpView>,
}

/// The factors a page can name.
const FACTORS: [&str; 3] = ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_MFA"];

/// The known factor names of `names`, in order, each once (a posted `factors` field is the browser's word).
fn known_factors<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if FACTORS.contains(&name) && !out.iter().any(|f| f == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// The factors the hosted UI can set up during a sign-in (an SMS factor needs a phone number set beforehand).
fn can_set_up(factors: &[String]) -> Vec<String> {
    factors.iter().filter(|f| *f != "SMS_MFA").cloned().collect()
}

const NOTHING_TO_SET_UP: &str =
    "Your account needs multi-factor authentication, and none of its kinds can be set up here. Contact your administrator.";

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
    /// The page of `step` for `prompt`, offering `factors` (the challenge's, or those the form carried).
    fn new(frame: Frame, prompt: &MfaPrompt, step: &'static str, factors: Vec<String>) -> Self {
        let shown = if step == "setup-choose" {
            can_set_up(&factors)
        } else {
            factors.clone()
        };
        Self {
            frame,
            challenge: prompt.challenge.clone(),
            session: prompt.session.clone(),
            username: prompt.username.clone(),
            step,
            destination: prompt.destination().unwrap_or_default().to_string(),
            factors: shown
                .into_iter()
                .map(|f| {
                    let l = label(&f);
                    (f, l)
                })
                .collect(),
            factor_field: factors.join(" "),
            email: String::new(),
            totp: None,
        }
    }
}

/// Shows the page for `prompt`, which offers `factors`; `chosen` is the factor an MFA_SETUP choice picked. An
/// MFA_SETUP offering only one factor the page can set up starts its setup at once.
async fn show_step(
    mut request: HostedRequest,
    prompt: MfaPrompt,
    factors: Vec<String>,
    chosen: Option<&str>,
) -> Response {
    let frame = request.frame();
    let settable = can_set_up(&factors);
    let setup_choice = match (prompt.challenge.as_str(), chosen) {
        ("MFA_SETUP", Some(c)) => settable.iter().find(|f| *f == c).cloned(),
        ("MFA_SETUP", None) if settable.len() == 1 => Some(settable[0].clone()),
        _ => None,
    };
    let step = match (prompt.challenge.as_str(), setup_choice.as_deref()) {
        ("SELECT_MFA_TYPE", _) => "choose",
        ("MFA_SETUP", Some("SOFTWARE_TOKEN_MFA")) => "setup-totp",
        ("MFA_SETUP", Some("EMAIL_OTP")) => "setup-email",
        ("MFA_SETUP", _) => "setup-choose",
        _ => "code",
    };
    let mut page = MfaPage::new(frame, &prompt, step, factors);
    if step == "setup-choose" && settable.is_empty() {
        page.frame.error = Some(NOTHING_TO_SET_UP.to_string());
    }
    if step != "setup-totp" {
        return request.show(&page);
    }
    let Checked { pool, client, .. } = &request.checked;
    match request
        .lk()
        .hosted_totp_setup(pool, client, &prompt.session)
        .await
    {
        Ok(setup) => {
            page.totp = Some(TotpView::new(setup));
            request.show(&page)
        }
        // No secret to show: the choice again (the only factor, when there was no choice), with the reason.
        Err(e) => {
            page.frame = page.frame.refused(e);
            page.step = "setup-choose";
            request.show(&page)
        }
    }
}

/// Shows the page for the challenge `prompt` of a sign-in (`chosen`: the factor an MFA_SETUP choice picked).
pub(super) async fn show_prompt(request: HostedRequest, prompt: MfaPrompt, chosen: Option<&str>) -> Response {
    let factors = known_factors(prompt.factors().iter().map(String::as_str));
    show_step(request, prompt, factors, chosen).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MfaFields {
    challenge: String,
    session: String,
    username: String,
    /// MFA_SETUP's choice between factors, which only picks the next form.
    setup_choice: String,
    /// Carried back for showing the form again: where the code went, the factors offered (space-separated), and
    /// the secret of the app being set up.
    destination: String,
    factors: String,
    secret: String,
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
    let factors = known_factors(form.factors.split_whitespace());
    if form.challenge == "MFA_SETUP" && !form.setup_choice.is_empty() {
        return show_step(request, prompt, factors, Some(&form.setup_choice)).await;
    }
    let Checked { pool, client, .. } = &request.checked;
    let answer = MfaPageAnswer {
        challenge: &form.challenge,
        session: &form.session,
        username: &form.username,
        fields: &form.fields,
    };
    let e = match request.lk().hosted_mfa(pool, client, answer).await {
        Ok(next) => return follow(request, next).await,
        Err(e) => e,
    };
    // The same form again, with the reason.
    let field = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    let setup_session = field("setup_session");
    let mut step = match form.challenge.as_str() {
        "SELECT_MFA_TYPE" => "choose",
        "MFA_SETUP" if !setup_session.is_empty() => "setup-totp",
        "MFA_SETUP" if form.fields.contains_key("email") => "setup-email",
        "MFA_SETUP" => "setup-choose",
        _ => "code",
    };
    let totp = match step {
        "setup-totp" => {
            let Checked { pool, client, .. } = &request.checked;
            match request
                .lk()
                .hosted_totp_again(pool, client, &setup_session, &form.secret)
            {
                Ok(setup) => Some(TotpView::new(setup)),
                // A setup session or secret that is not this sign-in's: the choice of factor instead.
                Err(_) => {
                    step = "setup-choose";
                    None
                }
            }
        }
        _ => None,
    };
    let mut page = MfaPage::new(request.frame().refused(e), &prompt, step, factors);
    page.destination = form.destination;
    page.email = field("email");
    page.totp = totp;
    request.show(&page)
}
