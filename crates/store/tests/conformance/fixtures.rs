//! Realistic records, built from the JSON documents Cognito would describe them with.

use latchkey_core::clients::AppClient;
use latchkey_core::pools::UserPool;
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
