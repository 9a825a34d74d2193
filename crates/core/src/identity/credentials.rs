//! Temporary AWS credentials (GetCredentialsForIdentity, AssumeRoleWithWebIdentity) and the principal they speak
//! for. They are sealed, not stored: the session token is a `MasterKey::seal` blob holding the access key id,
//! the secret key, the role, the session name, the identity and the expiry, so any node with the same master key
//! verifies a request signed with them without a store read, and nothing is left to purge when they expire.

use serde::{Deserialize, Serialize};

use crate::error::{CognitoError, ErrorKind, Result};
use crate::ids::random_string;
use crate::ports::Rng;
use crate::secrets::{constant_time_eq, MasterKey};
use crate::service::Latchkey;
use crate::time::Timestamp;

const SEAL_PURPOSE: &str = "sts-session";
/// Temporary access key ids are `ASIA` and 16 more, as AWS's are.
const ACCESS_KEY_PREFIX: &str = "ASIA";
const ACCESS_KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// 64 characters, so rejection sampling never rejects; AWS's secret keys use the same ones.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const SECRET_LEN: usize = 40;
/// STS's longest role session (12 hours); GetCredentialsForIdentity's hour is well inside it.
pub const MAX_SESSION_SECONDS: i64 = 43_200;

/// `Credentials` as GetCredentialsForIdentity (`SecretKey`) and STS (`SecretAccessKey`) return them.
#[derive(Clone, PartialEq, Eq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_key: String,
    pub session_token: String,
    pub expiration: Timestamp,
}

impl std::fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// Whom temporary credentials speak for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPrincipal {
    pub role_arn: String,
    pub session_name: String,
    pub identity_id: Option<String>,
    pub expiration: Timestamp,
}

/// The parts of `arn:<partition>:iam::<account>:role/<path/><name>` an assumed-role ARN repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub name: &'a str,
}

impl<'a> RoleArn<'a> {
    /// `None` unless `arn` names an IAM role of a 12-digit account.
    pub fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let path_and_name = resource.strip_prefix("role/")?;
        let name = path_and_name.rsplit('/').next()?;
        let valid_name = (1..=64).contains(&name.len()) && name.chars().all(is_iam_name_char);
        let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        (valid_name && valid_account && !partition.is_empty()).then_some(Self {
            partition,
            account,
            name,
        })
    }
}

/// IAM names and STS session names: `[\w+=,.@-]`.
fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// Whether `name` is a valid role session name (STS's `roleSessionNameType`: 2 to 64 of `[\w+=,.@-]`).
pub fn valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len()) && name.chars().all(is_iam_name_char)
}

/// A role's unique id as STS shows it (`AROA` and 17 more): derived from the ARN, since there is no IAM here
/// to assign one, so every node and every session of the role shows the same id.
pub fn role_unique_id(role_arn: &str) -> String {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, role_arn.as_bytes());
    let bits = digest
        .as_ref()
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1));
    let mut id = String::from("AROA");
    let mut value = 0u8;
    for (n, bit) in bits.take(17 * 5).enumerate() {
        value = (value << 1) | bit;
        if n % 5 == 4 {
            id.push(char::from(BASE32[usize::from(value)]));
            value = 0;
        }
    }
    id
}

impl SessionPrincipal {
    fn role(&self) -> Option<RoleArn<'_>> {
        RoleArn::parse(&self.role_arn)
    }

    /// The account that owns the role.
    pub fn account(&self) -> &str {
        self.role().map_or("", |r| r.account)
    }

    /// `arn:aws:sts::<account>:assumed-role/<RoleName>/<session>`.
    pub fn assumed_role_arn(&self) -> String {
        let (partition, account, name) = self
            .role()
            .map_or(("aws", "", ""), |r| (r.partition, r.account, r.name));
        format!(
            "arn:{partition}:sts::{account}:assumed-role/{name}/{}",
            self.session_name
        )
    }

    /// `<role unique id>:<session>`: GetCallerIdentity's `UserId` and AssumedRoleUser's `AssumedRoleId`.
    pub fn assumed_role_id(&self) -> String {
        format!("{}:{}", role_unique_id(&self.role_arn), self.session_name)
    }
}

/// What the session token seals. Short member names keep the token short; it travels with every request.
#[derive(Serialize, Deserialize)]
struct Sealed {
    #[serde(rename = "k")]
    access_key_id: String,
    #[serde(rename = "s")]
    secret_key: String,
    #[serde(rename = "r")]
    role_arn: String,
    #[serde(rename = "n")]
    session_name: String,
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    identity_id: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(rename = "e")]
    expiration: i64,
}

/// New credentials for `principal`, its session token sealed with `master_key`.
pub(crate) fn seal_credentials(
    master_key: &MasterKey,
    rng: &dyn Rng,
    principal: &SessionPrincipal,
) -> Result<TemporaryCredentials> {
    let sealed = Sealed {
        access_key_id: format!(
            "{ACCESS_KEY_PREFIX}{}",
            random_string(rng, ACCESS_KEY_ALPHABET, 16)
        ),
        secret_key: random_string(rng, SECRET_ALPHABET, SECRET_LEN),
        role_arn: principal.role_arn.clone(),
        session_name: principal.session_name.clone(),
        identity_id: principal.identity_id.clone(),
        expiration: principal.expiration.millis(),
    };
    let plain = serde_json::to_vec(&sealed).map_err(|e| CognitoError::internal(e.to_string()))?;
    Ok(TemporaryCredentials {
        session_token: master_key.seal(rng, SEAL_PURPOSE, &plain),
        access_key_id: sealed.access_key_id,
        secret_key: sealed.secret_key,
        expiration: principal.expiration,
    })
}

fn invalid_token() -> CognitoError {
    CognitoError::new(
        ErrorKind::InvalidClientTokenId,
        "The security token included in the request is invalid.",
    )
}

/// The secret key and principal of the credentials whose session token is `session_token`, when `access_key_id`
/// is theirs and they have not expired at `now`.
pub(crate) fn open_credentials(
    master_key: &MasterKey,
    now: Timestamp,
    access_key_id: &str,
    session_token: &str,
) -> Result<(String, SessionPrincipal)> {
    let plain = master_key
        .open(SEAL_PURPOSE, session_token)
        .ok_or_else(invalid_token)?;
    let sealed: Sealed = serde_json::from_slice(&plain).map_err(|_| invalid_token())?;
    // The token is authentic; the key id must be the one it was issued with, or a token could be paired with
    // another credential's key id.
    if !constant_time_eq(sealed.access_key_id.as_bytes(), access_key_id.as_bytes()) {
        return Err(invalid_token());
    }
    let expiration = Timestamp::from_millis(sealed.expiration);
    if now >= expiration {
        return Err(CognitoError::new(
            ErrorKind::ExpiredToken,
            "The security token included in the request is expired",
        ));
    }
    Ok((
        sealed.secret_key,
        SessionPrincipal {
            role_arn: sealed.role_arn,
            session_name: sealed.session_name,
            identity_id: sealed.identity_id,
            expiration,
        },
    ))
}

impl Latchkey {
    /// Credentials for `role_arn` valid `lifetime_seconds` (3600 for GetCredentialsForIdentity).
    pub fn issue_role_credentials(
        &self,
        role_arn: &str,
        session_name: &str,
        identity_id: Option<&str>,
        lifetime_seconds: i64,
    ) -> Result<TemporaryCredentials> {
        if RoleArn::parse(role_arn).is_none() {
            return Err(CognitoError::invalid_parameter(format!(
                "{role_arn} is not a valid role ARN."
            )));
        }
        if !valid_session_name(session_name) {
            return Err(CognitoError::invalid_parameter(format!(
                "{session_name} is not a valid role session name."
            )));
        }
        if !(1..=MAX_SESSION_SECONDS).contains(&lifetime_seconds) {
            return Err(CognitoError::invalid_parameter(format!(
                "A session lasts from 1 to {MAX_SESSION_SECONDS} seconds, not {lifetime_seconds}."
            )));
        }
        // Whole seconds: every wire shows the expiry to the second, so the credentials end when they say.
        let expiration = Timestamp::from_millis((self.clock.now().seconds() + lifetime_seconds) * 1000);
        let principal = SessionPrincipal {
            role_arn: role_arn.to_string(),
            session_name: session_name.to_string(),
            identity_id: identity_id.map(str::to_string),
            expiration,
        };
        seal_credentials(&self.secrets.master_key, self.rng.as_ref(), &principal)
    }

    /// The secret key and principal of temporary credentials, from the access key id and session token a
    /// request carries. InvalidClientTokenId when they are not credentials this service issued (forged, altered,
    /// sealed under another master key, or paired with another key id); ExpiredToken once they have expired.
    pub fn open_temporary_credentials(
        &self,
        access_key_id: &str,
        session_token: &str,
    ) -> Result<(String, SessionPrincipal)> {
        open_credentials(
            &self.secrets.master_key,
            self.clock.now(),
            access_key_id,
            session_token,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::tests::CountingRng;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use std::sync::atomic::AtomicU8;

    const ROLE: &str = "arn:aws:iam::123456789012:role/service/Cognito_AppAuth_Role";

    fn principal(expiration: Timestamp) -> SessionPrincipal {
        SessionPrincipal {
            role_arn: ROLE.into(),
            session_name: "CognitoIdentityCredentials".into(),
            identity_id: Some("us-east-1:0f1c2d3e-4a5b-4c6d-8e7f-001122334455".into()),
            expiration,
        }
    }

    #[test]
    fn sealed_credentials_open_to_their_principal_until_they_expire() {
        let rng = CountingRng(AtomicU8::new(1));
        let key = MasterKey::from_bytes([3; 32]);
        let expires = Timestamp::from_millis(1_800_003_600_000);
        let creds = seal_credentials(&key, &rng, &principal(expires)).unwrap();
        assert!(creds.access_key_id.starts_with("ASIA") && creds.access_key_id.len() == 20);
        assert!(creds
            .access_key_id
            .bytes()
            .all(|b| ACCESS_KEY_ALPHABET.contains(&b)));
        assert_eq!(creds.secret_key.len(), 40);
        assert_eq!(creds.expiration, expires);
        // The secret never shows in logs.
        assert!(!format!("{creds:?}").contains(&creds.secret_key));

        let before = Timestamp::from_millis(1_800_003_599_999);
        let (secret, who) =
            open_credentials(&key, before, &creds.access_key_id, &creds.session_token).unwrap();
        assert_eq!(secret, creds.secret_key);
        assert_eq!(who, principal(expires));

        let e = open_credentials(&key, expires, &creds.access_key_id, &creds.session_token).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ExpiredToken);
        assert_eq!(e.kind().status(), 403);
    }

    #[test]
    fn forged_altered_foreign_or_mismatched_tokens_are_refused() {
        let rng = CountingRng(AtomicU8::new(9));
        let key = MasterKey::from_bytes([3; 32]);
        let now = Timestamp::from_millis(1_800_000_000_000);
        let creds = seal_credentials(&key, &rng, &principal(now.plus_seconds(3600))).unwrap();
        let other = seal_credentials(&key, &rng, &principal(now.plus_seconds(3600))).unwrap();
        let refused = |master: &MasterKey, id: &str, token: &str| {
            open_credentials(master, now, id, token).unwrap_err().kind()
        };
        // Another credential's key id with this token, and this key id with another's token.
        assert_eq!(
            refused(&key, &other.access_key_id, &creds.session_token),
            ErrorKind::InvalidClientTokenId
        );
        assert_eq!(
            refused(&key, &creds.access_key_id, &other.session_token),
            ErrorKind::InvalidClientTokenId
        );
        // One bit flipped anywhere in the token.
        let mut raw = URL_SAFE_NO_PAD.decode(&creds.session_token).unwrap();
        raw[20] ^= 0x01;
        let altered = URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(
            refused(&key, &creds.access_key_id, &altered),
            ErrorKind::InvalidClientTokenId
        );
        // Sealed under another master key, or for another purpose, or not a token at all.
        assert_eq!(
            refused(
                &MasterKey::from_bytes([4; 32]),
                &creds.access_key_id,
                &creds.session_token
            ),
            ErrorKind::InvalidClientTokenId
        );
        let wrong_purpose = key.seal(&rng, "session", br#"{"k":"x","s":"y","r":"z","n":"n","e":0}"#);
        assert_eq!(
            refused(&key, "x", &wrong_purpose),
            ErrorKind::InvalidClientTokenId
        );
        assert_eq!(
            refused(&key, &creds.access_key_id, "garbage"),
            ErrorKind::InvalidClientTokenId
        );
    }

    #[test]
    fn the_principal_reads_as_sts_shows_it() {
        let p = principal(Timestamp(0));
        assert_eq!(p.account(), "123456789012");
        assert_eq!(
            p.assumed_role_arn(),
            "arn:aws:sts::123456789012:assumed-role/Cognito_AppAuth_Role/CognitoIdentityCredentials"
        );
        let id = role_unique_id(ROLE);
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA") && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(id, role_unique_id(ROLE), "stable");
        assert_ne!(id, role_unique_id("arn:aws:iam::123456789012:role/Other"));
        assert_eq!(p.assumed_role_id(), format!("{id}:CognitoIdentityCredentials"));
    }

    #[test]
    fn role_arns_and_session_names() {
        let r = RoleArn::parse("arn:aws-cn:iam::210987654321:role/a/b/Name_1").unwrap();
        assert_eq!(
            (r.partition, r.account, r.name),
            ("aws-cn", "210987654321", "Name_1")
        );
        for bad in [
            "arn:aws:iam::123456789012:user/Bob",
            "arn:aws:iam::12345:role/R",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:role/",
            "role/R",
        ] {
            assert!(RoleArn::parse(bad).is_none(), "{bad}");
        }
        assert!(valid_session_name("app1") && valid_session_name("a.b@c=d,e+f-g_h"));
        assert!(
            !valid_session_name("x")
                && !valid_session_name("has space")
                && !valid_session_name(&"a".repeat(65))
        );
    }
}
