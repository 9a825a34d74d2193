//! The STS actions Latchkey answers: GetCallerIdentity (who signed this request) and AssumeRoleWithWebIdentity
//! (an identity pool's OpenID token for a role's credentials). Each returns its XML document or a refusal.

use latchkey_core::identity::WebIdentitySession;
use latchkey_core::time::Timestamp;

use super::error::Refusal;
use super::xml::Doc;
use super::{Params, Request, VERSION};
use crate::aws::sigv4::{self, Signer};
use crate::AppState;

/// The other actions of STS's API: real, but not Latchkey's to answer.
const NOT_IMPLEMENTED: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetSessionToken",
    "GetWebIdentityToken",
];

/// AssumeRoleWithWebIdentity's default session: one hour.
const DEFAULT_DURATION_SECONDS: i64 = 3600;

pub async fn run(
    st: &AppState,
    request_id: &str,
    action: &str,
    params: &Params,
    req: &Request<'_>,
) -> Result<String, Refusal> {
    if action.is_empty() {
        return Err(Refusal::new("MissingAction", 400, "Missing Action"));
    }
    let version = params.get("Version").unwrap_or(VERSION);
    let unknown = || {
        Refusal::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version {version}"),
        )
    };
    if version != VERSION {
        return Err(unknown());
    }
    match action {
        "GetCallerIdentity" => get_caller_identity(st, request_id, req),
        "AssumeRoleWithWebIdentity" => assume_role_with_web_identity(st, request_id, params).await,
        other if NOT_IMPLEMENTED.contains(&other) => Err(Refusal::new(
            "InvalidAction",
            400,
            format!(
                "Latchkey does not implement {other}; its STS answers GetCallerIdentity and AssumeRoleWithWebIdentity."
            ),
        )),
        _ => Err(unknown()),
    }
}

/// `<{action}Response>` around `<{action}Result>`, which `result` fills, and the request's metadata.
fn answer(request_id: &str, action: &str, result: impl FnOnce(&mut Doc)) -> String {
    let mut doc = Doc::default();
    doc.open(&format!("{action}Response"), true)
        .open(&format!("{action}Result"), false);
    result(&mut doc);
    doc.close(&format!("{action}Result"))
        .open("ResponseMetadata", false)
        .text("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&format!("{action}Response"));
    doc.finish()
}

fn get_caller_identity(st: &AppState, request_id: &str, req: &Request<'_>) -> Result<String, Refusal> {
    let lk = &st.latchkey;
    // The admin keys, then temporary credentials, whose secret only their session token holds.
    let lookup = |id: &str, token: Option<&str>| match (st.keys.secret(id), token) {
        (Some(secret), _) => Ok((secret.to_string(), Signer::Admin)),
        (None, Some(token)) => lk
            .open_temporary_credentials(id, token)
            .map(|(secret, principal)| (secret, Signer::Temporary(principal))),
        (None, None) => Err(sigv4::unrecognized()),
    };
    let (_, signer) = sigv4::verify_with(
        &lookup,
        req.method,
        req.uri,
        req.headers,
        req.body,
        lk.clock().now(),
        "sts",
    )?;
    let (arn, user_id, account) = match signer {
        // The admin keys can do anything, as an account's root user can; Terraform's AWS provider reads the
        // account and partition from this.
        Signer::Admin => {
            let account = lk.settings().account_id.clone();
            (format!("arn:aws:iam::{account}:root"), account.clone(), account)
        }
        Signer::Temporary(p) => (p.assumed_role_arn(), p.assumed_role_id(), p.account().to_string()),
    };
    Ok(answer(request_id, "GetCallerIdentity", |doc| {
        doc.text("Arn", &arn)
            .text("UserId", &user_id)
            .text("Account", &account);
    }))
}

async fn assume_role_with_web_identity(
    st: &AppState,
    request_id: &str,
    params: &Params,
) -> Result<String, Refusal> {
    let role_arn = params.required("RoleArn")?;
    let session_name = params.required("RoleSessionName")?;
    let token = params.required("WebIdentityToken")?;
    if !(4..=20_000).contains(&token.len()) {
        return Err(Refusal::new(
            "ValidationError",
            400,
            "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000",
        ));
    }
    let duration = match params.get("DurationSeconds") {
        None => DEFAULT_DURATION_SECONDS,
        Some(text) => text.parse::<i64>().map_err(|_| {
            Refusal::new(
                "ValidationError",
                400,
                format!("1 validation error detected: Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must be a whole number"),
            )
        })?,
    };
    let session = st
        .latchkey
        .assume_role_with_web_identity(role_arn, session_name, token, duration)
        .await?;
    Ok(web_identity_answer(request_id, &session))
}

fn web_identity_answer(request_id: &str, s: &WebIdentitySession) -> String {
    answer(request_id, "AssumeRoleWithWebIdentity", |doc| {
        doc.text("SubjectFromWebIdentityToken", &s.subject)
            .text("Audience", &s.audience)
            .open("AssumedRoleUser", false)
            .text("Arn", &s.principal.assumed_role_arn())
            .text("AssumedRoleId", &s.principal.assumed_role_id())
            .close("AssumedRoleUser")
            .open("Credentials", false)
            .text("SessionToken", &s.credentials.session_token)
            .text("SecretAccessKey", &s.credentials.secret_key)
            .text("Expiration", &iso8601(s.credentials.expiration))
            .text("AccessKeyId", &s.credentials.access_key_id)
            .close("Credentials")
            .text("Provider", &s.provider);
    })
}

/// `2026-11-21T19:14:14Z`: STS's timestamps (whole seconds, UTC).
fn iso8601(t: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(t.seconds())
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}
