//! The relying party a pool's passkeys belong to: its RP ID, whether the pool lets users sign in with passkeys,
//! and the `webauthn-rs` instance that runs a ceremony for it.
//!
//! The RP ID is `WebAuthnConfiguration.RelyingPartyId` when the pool sets one, else the host of the service's
//! public URL (a loopback address counting as `localhost`, since an IP address cannot be an RP ID). Origins
//! `https://{rp_id}` and `http://{rp_id}` on any port and any subdomain are accepted: browsers allow WebAuthn
//! only in secure contexts, so the http origin only ever works for `localhost`.

use std::net::IpAddr;

use serde_json::Value;
use webauthn_rs::prelude::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::errors::{configuration_missing, not_enabled};
use crate::error::Result;
use crate::pools::UserPool;
use crate::service::{Latchkey, Settings};

/// The name `SignInPolicy.AllowedFirstAuthFactors` gives passkeys.
const WEB_AUTHN_FACTOR: &str = "WEB_AUTHN";

/// Whether the pool's sign-in policy lists WEB_AUTHN among the first factors.
pub fn web_authn_allowed(pool: &UserPool) -> bool {
    lists_web_authn(pool.policies.sign_in_policy.as_ref())
}

fn lists_web_authn(sign_in_policy: Option<&Value>) -> bool {
    sign_in_policy
        .and_then(|p| p.get("AllowedFirstAuthFactors"))
        .and_then(Value::as_array)
        .is_some_and(|factors| factors.iter().any(|f| f.as_str() == Some(WEB_AUTHN_FACTOR)))
}

/// The pool's RP ID, or `None` when neither the pool nor the public URL names a domain.
pub fn relying_party_id(pool: &UserPool, settings: &Settings) -> Option<String> {
    rp_id_of(pool.mfa_settings.web_authn_configuration.as_ref(), settings)
}

fn rp_id_of(web_authn_configuration: Option<&Value>, settings: &Settings) -> Option<String> {
    let configured = web_authn_configuration
        .and_then(|c| c.get("RelyingPartyId"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty());
    match configured {
        Some(id) => Some(id.to_ascii_lowercase()),
        None => host_of(&settings.public_url),
    }
}

/// The host of a URL as an RP ID: a domain as it is, a loopback address as `localhost`, any other address none.
fn host_of(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    if let Some(domain) = url.domain() {
        return Some(domain.to_ascii_lowercase());
    }
    let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']');
    host.parse::<IpAddr>()
        .ok()
        .filter(IpAddr::is_loopback)
        .map(|_| "localhost".to_string())
}

/// A relying party for `rp_id`; `None` when `rp_id` is not a domain.
pub(crate) fn webauthn(rp_id: &str) -> Option<Webauthn> {
    let https = Url::parse(&format!("https://{rp_id}")).ok()?;
    let http = Url::parse(&format!("http://{rp_id}")).ok()?;
    WebauthnBuilder::new(rp_id, &https)
        .ok()?
        .append_allowed_origin(&http)
        .allow_any_port(true)
        .allow_subdomains(true)
        .build()
        .ok()
}

impl Latchkey {
    /// The relying party of a pool that allows passkeys, and its RP ID: WebAuthnNotEnabledException when the
    /// sign-in policy leaves WEB_AUTHN out, WebAuthnConfigurationMissingException when there is no RP ID.
    pub(crate) fn relying_party(&self, pool: &UserPool) -> Result<(Webauthn, String)> {
        if !web_authn_allowed(pool) {
            return Err(not_enabled());
        }
        let rp_id = relying_party_id(pool, &self.settings).ok_or_else(configuration_missing)?;
        let webauthn = webauthn(&rp_id).ok_or_else(configuration_missing)?;
        Ok((webauthn, rp_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(public_url: &str) -> Settings {
        Settings {
            public_url: public_url.into(),
            ..Settings::default()
        }
    }

    #[test]
    fn rp_id_is_the_configured_one_else_the_public_hosts() {
        let configured = json!({"RelyingPartyId": "Auth.Example.com"});
        let s = settings("https://id.example.org:8443");
        assert_eq!(
            rp_id_of(Some(&configured), &s).as_deref(),
            Some("auth.example.com")
        );
        let unset = json!({"UserVerification": "preferred"});
        assert_eq!(rp_id_of(Some(&unset), &s).as_deref(), Some("id.example.org"));
        assert_eq!(rp_id_of(None, &s).as_deref(), Some("id.example.org"));
        let unset = Some(&unset);
        for loopback in [
            "http://127.0.0.1:9229",
            "http://[::1]:9229",
            "http://localhost:9229",
        ] {
            assert_eq!(
                rp_id_of(unset, &settings(loopback)).as_deref(),
                Some("localhost"),
                "{loopback}"
            );
        }
        assert_eq!(rp_id_of(unset, &settings("http://10.1.2.3:9229")), None);
    }

    #[test]
    fn web_authn_must_be_a_first_factor() {
        let both = json!({"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]});
        assert!(lists_web_authn(Some(&both)));
        assert!(!lists_web_authn(Some(
            &json!({"AllowedFirstAuthFactors": ["PASSWORD"]})
        )));
        assert!(!lists_web_authn(None));
    }

    #[test]
    fn the_relying_party_accepts_its_domain_over_http_and_https_on_any_port() {
        let rp = webauthn("localhost").unwrap();
        let origins: Vec<_> = rp.get_allowed_origins().iter().map(Url::as_str).collect();
        assert_eq!(origins, ["https://localhost/", "http://localhost/"]);
        assert!(webauthn("10.1.2.3").is_none());
    }
}
