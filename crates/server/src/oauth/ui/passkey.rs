//! The passkey page: shown by the sign-in form's passkey button, it carries the WEB_AUTHN challenge's request
//! options for `/ui/passkey.js` (the only script the hosted UI has, which this page alone may run), and its post
//! (`/passkey`, the browser's assertion with the Session) signs the user in through core and goes on to the app. A
//! refused post shows the sign-in form again with the reason.

use askama::Template;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use latchkey_core::oauth::hosted::PasskeyPrompt;
use serde::Deserialize;

use super::login::{follow, refused};
use super::page::Frame;
use super::request::{HostedForm, HostedRequest};
use crate::oauth::params::Checked;

#[derive(Template)]
#[template(path = "passkey.html")]
struct PasskeyPage {
    frame: Frame,
    session: String,
    username: String,
    /// The request options as JSON safe inside a `<script>` element (no `<`, `>` or `&`).
    options_json: String,
}

/// The strict CSP of every page, with the hosted UI's own script allowed.
const PASSKEY_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                           frame-ancestors 'none'; base-uri 'none'";

/// JSON text that cannot end the `<script>` element it sits in: `<`, `>` and `&` as JSON escapes.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Shows the passkey page for `prompt`.
pub(super) fn show_passkey(mut request: HostedRequest, prompt: PasskeyPrompt) -> Response {
    let page = PasskeyPage {
        frame: request.frame(),
        session: prompt.session,
        username: prompt.username,
        options_json: script_safe(&prompt.options_json),
    };
    let mut resp = request.show(&page);
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PASSKEY_CSP),
    );
    resp
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasskeyFields {
    session: String,
    username: String,
    /// The browser's AuthenticationResponseJSON.
    credential: String,
}

pub async fn passkey_submit(HostedForm { request, form }: HostedForm<PasskeyFields>) -> Response {
    let Checked { pool, client, .. } = &request.checked;
    let outcome = request
        .lk()
        .hosted_passkey_finish(pool, client, &form.session, &form.username, &form.credential)
        .await;
    match outcome {
        Ok(next) => follow(request, next).await,
        Err(e) => refused(request, e, &form.username),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_cannot_close_their_script_element() {
        let json = r#"{"rpId":"</script><script>alert(1)</script>&"}"#;
        let safe = script_safe(json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["rpId"], "</script><script>alert(1)</script>&");
    }
}
