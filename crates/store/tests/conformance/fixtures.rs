//! Realistic records, built from the JSON documents Cognito would describe them with.

use latchkey_core::clients::AppClient;
use latchkey_core::devices::Device;
use latchkey_core::groups::Group;
use latchkey_core::mfa::{MfaFactor, SoftwareToken, UserMfa};
use latchkey_core::pools::UserPool;
use latchkey_core::store::{
    CodeRecord, DomainRecord, IndexEntry, OutboxMessage, RefreshTokenRecord, SigningKeyRecord, StoreError,
    StoreResult,
};
use latchkey_core::time::Timestamp;
use latchkey_core::users::{User, STATUS_CONFIRMED};
use serde_json::json;

/// A pool with most optional members set, including ones only stored (`other`) and Latchkey's MFA settings.
pub fn pool(id: &str) -> UserPool {
    let region = id.rsplit_once('_').map_or("", |(r, _)| r);
    let doc = json!({
        "Id": id,
        "Name": format!("pool {id}"),
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 12, "RequireUppercase": true, "RequireLowercase": true,
                "RequireNumbers": true, "RequireSymbols": false, "PasswordHistorySize": 3,
                "TemporaryPasswordValidityDays": 7
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}
        },
        "DeletionProtection": "INACTIVE",
        "LambdaConfig": {},
        "LastModifiedDate": 1_700_000_123.456,
        "CreationDate": 1_700_000_000.123,
        "SchemaAttributes": [
            {"Name": "sub", "AttributeDataType": "String", "DeveloperOnlyAttribute": false, "Mutable": false,
             "Required": true, "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"}},
            {"Name": "custom:tier", "AttributeDataType": "Number", "DeveloperOnlyAttribute": false,
             "Mutable": true, "Required": false,
             "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "9"}}
        ],
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "EmailVerificationMessage": "Your code is {####}",
        "EmailVerificationSubject": "Verify — ✓ unicode",
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
        "MfaConfiguration": "OPTIONAL",
        "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": false
        },
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "UserPoolTags": {"team": "identity", "env": "test"},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7},
        "UsernameConfiguration": {"CaseSensitive": false},
        "Arn": format!("arn:aws:cognito-idp:{region}:000000000000:userpool/{id}"),
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        "UserPoolTier": "ESSENTIALS",
        "KeyConfiguration": {"SigningAlgorithm": "RS256"},
        "LatchkeyMfaSettings": {"SoftwareTokenMfaConfiguration": {"Enabled": true}}
    });
    let mut pool: UserPool = serde_json::from_value(doc).expect("fixture pool parses");
    pool.version = 1;
    pool
}

pub fn client(pool_id: &str, client_id: &str) -> AppClient {
    let doc = json!({
        "UserPoolId": pool_id,
        "ClientName": format!("client {client_id}"),
        "ClientId": client_id,
        "ClientSecret": "s3cr3t0123456789abcdefghijklmnopqrstuvwxyz0123456",
        "LastModifiedDate": 1_700_000_200.5,
        "CreationDate": 1_700_000_100.25,
        "RefreshTokenValidity": 30,
        "AccessTokenValidity": 60,
        "TokenValidityUnits": {"AccessToken": "minutes", "RefreshToken": "days"},
        "ReadAttributes": ["email", "custom:tier"],
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": ["https://app.example.com/callback"],
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email"],
        "AllowedOAuthFlowsUserPoolClient": true,
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": true,
        "EnablePropagateAdditionalUserContextData": false,
        "AuthSessionValidity": 3,
        "RefreshTokenRotation": {"Feature": "DISABLED"}
    });
    let mut client: AppClient = serde_json::from_value(doc).expect("fixture client parses");
    client.version = 1;
    client
}

/// A confirmed user with the attributes and sign-in state a real one accumulates. `sub` is derived from the
/// username so that two calls build equal users.
pub fn user(pool_id: &str, username: &str) -> User {
    let n = username.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let attributes = [
        ("email", format!("{username}@example.com")),
        ("email_verified", "true".into()),
        ("given_name", format!("Given {username} — ✓")),
        ("phone_number", format!("+1555{:07}", n % 10_000_000)),
        ("phone_number_verified", "false".into()),
        ("custom:tier", "3".into()),
    ];
    User {
        pool_id: pool_id.into(),
        username: username.into(),
        sub: format!("{:08x}-0000-4000-8000-{:012x}", n >> 32, n & 0xffff_ffff_ffff),
        attributes: attributes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        status: STATUS_CONFIRMED.into(),
        enabled: true,
        created: Timestamp::from_millis(1_700_000_000_123),
        modified: Timestamp::from_millis(1_700_000_500_456),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA".into()),
        srp_salt: Some("9f3c0a".into()),
        srp_verifier: Some("00ab34ef".repeat(32)),
        temporary_password_expires: None,
        tokens_valid_after: Some(Timestamp::from_millis(1_700_000_300_789)),
        mfa: UserMfa {
            software_token: Some(SoftwareToken {
                secret: "c2VhbGVkIHNlY3JldA".into(),
                friendly_name: Some("Phone — ✓".into()),
                last_step: Some(56_666_667),
            }),
            pending_secret: Some("cGVuZGluZw".into()),
            enabled: vec![MfaFactor::SoftwareToken, MfaFactor::Email],
            preferred: Some(MfaFactor::SoftwareToken),
        },
        passkeys: Default::default(),
        version: 1,
    }
}

pub fn entry(kind: &str, key: &str) -> IndexEntry {
    IndexEntry {
        kind: kind.into(),
        key: key.into(),
    }
}

/// The unique keys a pool with email aliases would give `user`.
pub fn lookups(user: &User) -> Vec<IndexEntry> {
    let mut entries = vec![entry("username", &user.username.to_lowercase())];
    if let Some(email) = user.attribute("email") {
        entries.push(entry("email", &email.to_lowercase()));
    }
    entries
}

/// The ListUsers entries of `user`.
pub fn search(user: &User) -> Vec<IndexEntry> {
    let mut entries = vec![
        entry("username", &user.username),
        entry("sub", &user.sub),
        entry("cognito:user_status", &user.status),
    ];
    for kind in ["email", "given_name", "phone_number"] {
        if let Some(value) = user.attribute(kind) {
            entries.push(entry(kind, value));
        }
    }
    entries
}

pub fn group(pool_id: &str, name: &str) -> Group {
    Group {
        group_name: name.into(),
        user_pool_id: pool_id.into(),
        description: Some(format!("members of {name}")),
        role_arn: Some(format!("arn:aws:iam::000000000000:role/{name}")),
        precedence: Some(5),
        last_modified_date: Timestamp::from_millis(1_700_000_600_000),
        creation_date: Timestamp::from_millis(1_700_000_500_000),
        version: 1,
    }
}

pub fn code(pool_id: &str, username: &str, purpose: &str) -> CodeRecord {
    CodeRecord {
        pool_id: pool_id.into(),
        username: username.into(),
        purpose: purpose.into(),
        code_hash: format!("hmac-sha256:{purpose}:5f2b9c"),
        created: Timestamp::from_millis(1_700_000_700_000),
        expires: Timestamp::from_millis(1_700_086_700_000),
        attempts: 0,
    }
}

pub fn refresh(pool_id: &str, username: &str, handle_hash: &str, origin_jti: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        handle_hash: handle_hash.into(),
        pool_id: pool_id.into(),
        client_id: "clientaaaaaaaaaaaaaaaaaaaa".into(),
        username: username.into(),
        origin_jti: origin_jti.into(),
        auth_time: Timestamp::from_millis(1_700_000_800_000),
        device_key: Some(format!("us-east-1_{handle_hash}")),
        scopes: Some(vec![
            "openid".into(),
            "email".into(),
            "aws.cognito.signin.user.admin".into(),
        ]),
        issued: Timestamp::from_millis(1_700_000_800_001),
        expires: Timestamp::from_millis(1_702_592_800_001),
        revoked: false,
        replaced: None,
    }
}

pub fn signing_key(pool_id: &str, kid: &str, token_use: &str, created_ms: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        pool_id: pool_id.into(),
        kid: kid.into(),
        token_use: token_use.into(),
        sealed_private_key: format!("v1.sealed.{kid}.QUJDREVGR0hJSktMTU5PUA"),
        n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
            .into(),
        e: "AQAB".into(),
        created: Timestamp::from_millis(created_ms),
        retired: None,
    }
}

pub fn outbox(id: &str, pool_id: &str, created_ms: i64) -> OutboxMessage {
    OutboxMessage {
        id: id.into(),
        pool_id: pool_id.into(),
        recipient: "someone@example.com".into(),
        subject: format!("Your verification code ({id})"),
        body: "Your code is 123456.\nIt expires in 24 hours — ✓".into(),
        created: Timestamp::from_millis(created_ms),
    }
}

/// A device as NewDeviceMetadata registers it at sign-in: not yet confirmed (no SRP salt or verifier), not
/// remembered, no name.
pub fn device(pool_id: &str, username: &str, device_key: &str) -> Device {
    Device {
        pool_id: pool_id.into(),
        username: username.into(),
        device_key: device_key.into(),
        device_group_key: format!("-{}", device_key.rsplit_once('_').map_or(device_key, |(_, k)| k)),
        salt: None,
        verifier: None,
        name: None,
        remembered: false,
        last_ip: None,
        created: Timestamp::from_millis(1_700_000_900_000),
        modified: Timestamp::from_millis(1_700_000_900_000),
        last_authenticated: Timestamp::from_millis(1_700_000_900_000),
        version: 1,
    }
}

/// `device` after ConfirmDevice (salt, verifier, a name, remembered) and a later DEVICE_SRP_AUTH sign-in,
/// with its version incremented for `update_device`.
pub fn confirmed(device: &Device) -> Device {
    Device {
        salt: Some("a1b2c3d4e5f60718293a4b5c6d7e8f90".into()),
        verifier: Some("0f1e2d3c4b5a6978".repeat(48)),
        name: Some("Firefox on Ubuntu — ✓".into()),
        remembered: true,
        last_ip: Some("2001:db8::17".into()),
        modified: Timestamp::from_millis(1_700_000_950_250),
        last_authenticated: Timestamp::from_millis(1_700_001_000_999),
        version: device.version + 1,
        ..device.clone()
    }
}

/// A hosted-UI prefix domain (`myapp` serves `myapp.auth.<region>.amazoncognito.com`), as CreateUserPoolDomain
/// records it without a CustomDomainConfig.
pub fn prefix_domain(pool_id: &str, prefix: &str) -> DomainRecord {
    DomainRecord {
        domain: prefix.into(),
        pool_id: pool_id.into(),
        custom_domain_config: None,
        managed_login_version: Some(1),
        created: Timestamp::from_millis(1_700_001_100_000),
    }
}

/// A custom domain with the CustomDomainConfig (an ACM certificate) it was created with.
pub fn custom_domain(pool_id: &str, domain: &str) -> DomainRecord {
    DomainRecord {
        domain: domain.into(),
        pool_id: pool_id.into(),
        custom_domain_config: Some(json!({
            "CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/5e2a4c1b-9d3f-7a6b-5c4d-3e2f01234567"
        })),
        managed_login_version: Some(2),
        created: Timestamp::from_millis(1_700_001_200_500),
    }
}

/// How many of racing writers landed: each must either land or lose with `Conflict`; any other failure fails
/// the test.
pub async fn count_wins(tasks: Vec<tokio::task::JoinHandle<StoreResult<()>>>) -> usize {
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    wins
}
