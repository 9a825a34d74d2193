//! Passkey registration and management in process, over the wire: StartWebAuthnRegistration's options, every
//! way CompleteWebAuthnRegistration refuses (nothing started, expired, another client, unreadable, wrong origin
//! or relying party, already registered, spent), and ListWebAuthnCredentials / DeleteWebAuthnCredential. A small
//! software authenticator (ES256, `none` attestation) stands in for the browser; the compatibility tests use a
//! real one (tests/compat/test_passkeys.py).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::TestApp;
use serde_json::{json, Value};

const PASSWORD: &str = "Passw0rd!";
const ORIGIN: &str = "http://localhost:5173";

/// CBOR's header for a major type and length (lengths up to 65535 are all these tests need).
fn cbor_head(major: u8, len: usize) -> Vec<u8> {
    let m = major << 5;
    match len {
        0..=23 => vec![m | len as u8],
        24..=255 => vec![m | 24, len as u8],
        _ => vec![m | 25, (len >> 8) as u8, len as u8],
    }
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    [cbor_head(2, b.len()), b.to_vec()].concat()
}

fn cbor_text(t: &str) -> Vec<u8> {
    [cbor_head(3, t.len()), t.as_bytes().to_vec()].concat()
}

/// A platform authenticator holding one ES256 key, answering `navigator.credentials.create` as a browser would.
struct SoftAuthenticator {
    key: EcdsaKeyPair,
    credential_id: Vec<u8>,
}

impl SoftAuthenticator {
    fn new(seed: u8) -> Self {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new()).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        Self {
            key,
            credential_id: (0..16).map(|i| seed.wrapping_mul(31).wrapping_add(i)).collect(),
        }
    }

    fn id(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.credential_id)
    }

    /// The COSE_Key of the public key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let (x, y) = (&point[1..33], &point[33..65]);
        [
            vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21],
            cbor_bytes(x),
            vec![0x22],
            cbor_bytes(y),
        ]
        .concat()
    }

    /// RegistrationResponseJSON for `options`, as if created on `origin` for the RP ID `rp_id`.
    fn register(&self, options: &Value, origin: &str, rp_id: &str) -> Value {
        let client_data = json!({"type": "webauthn.create", "challenge": options["challenge"],
            "origin": origin, "crossOrigin": false})
        .to_string();
        let mut auth_data = digest::digest(&digest::SHA256, rp_id.as_bytes())
            .as_ref()
            .to_vec();
        // User present, user verified, attested credential data.
        auth_data.push(0x45);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend_from_slice(&self.cose_key());
        let attestation = [
            vec![0xa3],
            cbor_text("fmt"),
            cbor_text("none"),
            cbor_text("attStmt"),
            vec![0xa0],
            cbor_text("authData"),
            cbor_bytes(&auth_data),
        ]
        .concat();
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
                "attestationObject": URL_SAFE_NO_PAD.encode(attestation),
                "transports": ["internal", "hybrid"],
            },
        })
    }
}

/// A pool that lets users sign in with passkeys (RP ID `localhost`), a password client, and alice's access
/// token from that client and from a second one.
struct World {
    app: TestApp,
    token: String,
    other_token: String,
}

async fn sign_in(app: &TestApp, client: &str) -> String {
    app.ok(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
        false,
    )
    .await["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn world(factors: Value) -> World {
    let app = common::app().await;
    let pool = app
        .create_pool(
            json!({"PoolName": "p", "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}}),
        )
        .await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "OFF",
            "WebAuthnConfiguration": {"RelyingPartyId": "localhost", "UserVerification": "required"}}),
        true,
    )
    .await;
    let client_body = |name: &str| json!({"UserPoolId": pool, "ClientName": name, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]});
    let client = app.create_client(client_body("web")).await;
    let other = app.create_client(client_body("other")).await;
    app.create_confirmed_user_with(
        &pool,
        "alice",
        PASSWORD,
        json!([{"Name": "email", "Value": "alice@example.com"}]),
    )
    .await;
    // Past the one-second pool cache, so the token checks see the MFA settings.
    app.clock.advance_seconds(2);
    let token = sign_in(&app, &client).await;
    let other_token = sign_in(&app, &other).await;
    World {
        app,
        token,
        other_token,
    }
}

async fn passkey_world() -> World {
    world(json!(["PASSWORD", "WEB_AUTHN"])).await
}

impl World {
    async fn start(&self) -> Value {
        self.app
            .ok(
                "StartWebAuthnRegistration",
                json!({"AccessToken": self.token}),
                false,
            )
            .await["CredentialCreationOptions"]
            .clone()
    }

    async fn complete(&self, token: &str, credential: Value) -> (u16, Value) {
        let (status, body) = self
            .app
            .call(
                "CompleteWebAuthnRegistration",
                json!({"AccessToken": token, "Credential": credential}),
                false,
            )
            .await;
        (status.as_u16(), body)
    }

    async fn register(&self, authenticator: &SoftAuthenticator) {
        let options = self.start().await;
        let credential = authenticator.register(&options, ORIGIN, "localhost");
        let (status, body) = self.complete(&self.token, credential).await;
        assert_eq!(status, 200, "{body}");
    }

    async fn delete(&self, credential_id: &str) -> (u16, Value) {
        let body = json!({"AccessToken": self.token, "CredentialId": credential_id});
        let (status, body) = self.app.call("DeleteWebAuthnCredential", body, false).await;
        (status.as_u16(), body)
    }

    async fn list(&self, extra: Value) -> Value {
        let mut body = json!({"AccessToken": self.token});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.app.ok("ListWebAuthnCredentials", body, false).await
    }
}

fn error_type(body: &Value) -> &str {
    body["__type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn registration_needs_web_authn_among_the_first_factors() {
    let w = world(json!(["PASSWORD"])).await;
    let (status, body) = w
        .app
        .call(
            "StartWebAuthnRegistration",
            json!({"AccessToken": w.token}),
            false,
        )
        .await;
    assert_eq!(status.as_u16(), 400);
    assert_eq!(error_type(&body), "WebAuthnNotEnabledException", "{body}");
    let (_, body) = w.complete(&w.token, json!({})).await;
    assert_eq!(error_type(&body), "WebAuthnNotEnabledException", "{body}");
    // Listing needs no passkey policy: there is nothing to list.
    assert_eq!(w.list(json!({})).await, json!({"Credentials": []}));
}

#[tokio::test]
async fn start_answers_the_bare_creation_options_for_the_pools_relying_party() {
    let w = passkey_world().await;
    let options = w.start().await;
    assert!(options.get("publicKey").is_none(), "{options}");
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], "alice");
    assert_eq!(options["user"]["displayName"], "alice@example.com");
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 43));
    assert!(options["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["alg"] == -7));
    // The user handle is the sub's bytes.
    let user = w.app.ok("GetUser", json!({"AccessToken": w.token}), false).await;
    let sub = user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "sub")
        .unwrap()["Value"]
        .as_str()
        .unwrap()
        .replace('-', "");
    let handle = URL_SAFE_NO_PAD
        .decode(options["user"]["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(hex::encode(handle), sub);
}

#[tokio::test]
async fn a_registration_completes_once_for_the_client_that_started_it() {
    let w = passkey_world().await;
    let authenticator = SoftAuthenticator::new(1);
    let (_, body) = w
        .complete(&w.token, authenticator.register(&json!({}), ORIGIN, "localhost"))
        .await;
    assert_eq!(error_type(&body), "WebAuthnChallengeNotFoundException", "{body}");

    let options = w.start().await;
    let credential = authenticator.register(&options, ORIGIN, "localhost");
    let (_, body) = w.complete(&w.other_token, credential.clone()).await;
    assert_eq!(error_type(&body), "WebAuthnClientMismatchException", "{body}");
    let (status, body) = w.complete(&w.token, credential.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({}));
    let (_, body) = w.complete(&w.token, credential).await;
    assert_eq!(error_type(&body), "WebAuthnChallengeNotFoundException", "{body}");

    // The next registration excludes it, and registering it again is refused.
    let options = w.start().await;
    assert_eq!(options["excludeCredentials"][0]["id"], authenticator.id());
    let (_, body) = w
        .complete(&w.token, authenticator.register(&options, ORIGIN, "localhost"))
        .await;
    assert_eq!(
        error_type(&body),
        "WebAuthnCredentialNotSupportedException",
        "{body}"
    );
}

#[tokio::test]
async fn bad_credentials_are_refused_and_spend_the_registration() {
    let w = passkey_world().await;
    let authenticator = SoftAuthenticator::new(2);
    type Forge = fn(&SoftAuthenticator, &Value) -> Value;
    let cases: [(Forge, &str); 4] = [
        (|_, _| json!({"id": "x"}), "InvalidParameterException"),
        (
            |a, _| a.register(&json!({"challenge": "AAAA"}), ORIGIN, "localhost"),
            "InvalidParameterException",
        ),
        (
            |a, options| a.register(options, "https://evil.example", "localhost"),
            "WebAuthnOriginNotAllowedException",
        ),
        (
            |a, options| a.register(options, ORIGIN, "example.com"),
            "WebAuthnRelyingPartyMismatchException",
        ),
    ];
    for (forge, expected) in cases {
        let options = w.start().await;
        let (status, body) = w.complete(&w.token, forge(&authenticator, &options)).await;
        assert_eq!((status, error_type(&body)), (400, expected), "{body}");
        let good = authenticator.register(&options, ORIGIN, "localhost");
        let (_, body) = w.complete(&w.token, good).await;
        assert_eq!(error_type(&body), "WebAuthnChallengeNotFoundException", "{body}");
    }
    assert_eq!(w.list(json!({})).await, json!({"Credentials": []}));
}

#[tokio::test]
async fn a_registration_expires_after_five_minutes() {
    let w = passkey_world().await;
    let options = w.start().await;
    w.app.clock.advance_seconds(301);
    let credential = SoftAuthenticator::new(3).register(&options, ORIGIN, "localhost");
    let (_, body) = w.complete(&w.token, credential).await;
    assert_eq!(error_type(&body), "WebAuthnChallengeNotFoundException", "{body}");
}

#[tokio::test]
async fn credentials_are_listed_in_pages_and_deleted_by_id() {
    let w = passkey_world().await;
    let keys: Vec<_> = (10..13).map(SoftAuthenticator::new).collect();
    for k in &keys {
        w.register(k).await;
    }
    let first = w.list(json!({"MaxResults": 2})).await;
    let listed = first["Credentials"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let c = &listed[0];
    assert_eq!(c["CredentialId"], keys[0].id());
    assert_eq!(c["RelyingPartyId"], "localhost");
    assert_eq!(c["AuthenticatorAttachment"], "platform");
    assert_eq!(c["AuthenticatorTransports"], json!(["internal", "hybrid"]));
    assert_eq!(c["FriendlyCredentialName"], "Platform authenticator");
    assert_eq!(c["CreatedAt"].as_f64().unwrap() as i64, w.app.clock_ms() / 1000);
    let token = first["NextToken"].as_str().unwrap();
    let second = w.list(json!({"MaxResults": 2, "NextToken": token})).await;
    assert_eq!(second["Credentials"][0]["CredentialId"], keys[2].id());
    assert!(second.get("NextToken").is_none(), "{second}");

    let (status, body) = w
        .app
        .call(
            "ListWebAuthnCredentials",
            json!({"AccessToken": w.token, "MaxResults": 21}),
            false,
        )
        .await;
    assert_eq!(
        (status.as_u16(), error_type(&body)),
        (400, "InvalidParameterException")
    );

    let (_, body) = w.delete("bm9uZQ").await;
    assert_eq!(error_type(&body), "ResourceNotFoundException", "{body}");
    let (status, body) = w.delete(&keys[1].id()).await;
    assert_eq!((status, body), (200, json!({})));
    let ids: Vec<_> = w.list(json!({})).await["Credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["CredentialId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [keys[0].id(), keys[2].id()]);
}
