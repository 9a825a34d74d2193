//! PreTokenGeneration: the event for each `TokenGeneration_*` source, in the pool's LambdaVersion (V1_0: ID-token
//! claims and groups; V2_0: also access-token claims and scopes; V3_0: also client_credentials), and the
//! function's overrides applied to the claims before they are signed.

use serde_json::{json, Map, Value};

use super::invoke::{invocation_error, user_attributes, TriggerCall};
use super::{FunctionFailure, Trigger};
use crate::error::Result;
use crate::groups::Group;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::users::User;

/// Why tokens are being issued: the event's `triggerSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// An authorization code (or an implicit grant) from the hosted UI.
    HostedAuth,
    /// An API sign-in (password, SRP, MFA, passkey, custom challenge).
    Authentication,
    /// An API sign-in that finished by replacing a temporary password.
    NewPasswordChallenge,
    /// An API sign-in that finished with a remembered device's proof.
    AuthenticateDevice,
    /// A refresh token.
    RefreshTokens,
    /// client_credentials (V3_0 only).
    ClientCredentials,
}

impl TokenSource {
    fn name(self) -> &'static str {
        match self {
            TokenSource::HostedAuth => "TokenGeneration_HostedAuth",
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
            TokenSource::RefreshTokens => "TokenGeneration_RefreshTokens",
            TokenSource::ClientCredentials => "TokenGeneration_ClientCredentials",
        }
    }
}

/// Claims no function may add, change or suppress: they say who issued the token, to whom, when and for what.
const RESERVED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "client_id",
    "scope",
    "username",
    "event_id",
    "version",
    "device_key",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
];

/// Claim changes for one token.
#[derive(Debug, Clone, Default, PartialEq)]
struct ClaimChanges {
    add: Map<String, Value>,
    suppress: Vec<String>,
}

impl ClaimChanges {
    fn apply(&self, claims: &mut Map<String, Value>) {
        for name in self.suppress.iter().filter(|n| !RESERVED.contains(&n.as_str())) {
            claims.remove(name);
        }
        for (name, value) in self.add.iter().filter(|(n, _)| !RESERVED.contains(&n.as_str())) {
            claims.insert(name.clone(), value.clone());
        }
    }
}

/// `groupOverrideDetails`: the groups, roles and preferred role the tokens carry instead of the user's own.
#[derive(Debug, Clone, Default, PartialEq)]
struct GroupOverride {
    groups: Option<Vec<String>>,
    roles: Option<Vec<String>>,
    preferred_role: Option<Option<String>>,
}

/// What a PreTokenGeneration function changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenOverrides {
    id: ClaimChanges,
    access: ClaimChanges,
    scopes_to_add: Vec<String>,
    scopes_to_suppress: Vec<String>,
    groups: GroupOverride,
}

impl TokenOverrides {
    /// The access token's scopes after the function's additions and suppressions.
    pub(crate) fn scopes(&self, mut scopes: Vec<String>) -> Vec<String> {
        scopes.retain(|s| !self.scopes_to_suppress.contains(s));
        for s in &self.scopes_to_add {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        scopes
    }

    pub(crate) fn apply_to_id_token(&self, claims: &mut Map<String, Value>) {
        self.apply_groups(claims, true);
        self.id.apply(claims);
    }

    pub(crate) fn apply_to_access_token(&self, claims: &mut Map<String, Value>) {
        self.apply_groups(claims, false);
        self.access.apply(claims);
    }

    fn apply_groups(&self, claims: &mut Map<String, Value>, id_token: bool) {
        let set = |claims: &mut Map<String, Value>, name: &str, list: &Option<Vec<String>>| match list {
            Some(l) if l.is_empty() => {
                claims.remove(name);
            }
            Some(l) => {
                claims.insert(name.into(), json!(l));
            }
            None => {}
        };
        set(claims, "cognito:groups", &self.groups.groups);
        if !id_token {
            return;
        }
        set(claims, "cognito:roles", &self.groups.roles);
        match &self.groups.preferred_role {
            Some(Some(role)) => {
                claims.insert("cognito:preferred_role".into(), json!(role));
            }
            Some(None) => {
                claims.remove("cognito:preferred_role");
            }
            None => {}
        }
    }
}

/// The LambdaVersion the pool asks for: 1, 2 or 3 (a bare `PreTokenGeneration` ARN is V1_0).
fn version_of(pool: &UserPool) -> u8 {
    match pool
        .lambda_config
        .get("PreTokenGenerationConfig")
        .and_then(|c| c.get("LambdaVersion"))
        .and_then(Value::as_str)
    {
        Some("V2_0") => 2,
        Some("V3_0") => 3,
        _ => 1,
    }
}

fn malformed(why: impl Into<String>) -> crate::error::CognitoError {
    invocation_error(
        Trigger::PreTokenGeneration,
        &FunctionFailure::Malformed(why.into()),
    )
}

fn string_list(v: Option<&Value>, what: &str) -> Result<Option<Vec<String>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| malformed(format!("{what} holds a non-string")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(malformed(format!("{what} is not a list"))),
    }
}

/// `claimsToAddOrOverride` and `claimsToSuppress` of one token; V1 allows string values only.
fn claim_changes(v: Option<&Value>, strings_only: bool) -> Result<ClaimChanges> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(ClaimChanges::default());
    };
    let add = match v.get("claimsToAddOrOverride") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => {
            if strings_only && m.values().any(|x| !x.is_string()) {
                return Err(malformed("V1_0 claims must be strings"));
            }
            m.clone()
        }
        Some(_) => return Err(malformed("claimsToAddOrOverride is not an object")),
    };
    let suppress = string_list(v.get("claimsToSuppress"), "claimsToSuppress")?.unwrap_or_default();
    Ok(ClaimChanges { add, suppress })
}

fn group_override(v: Option<&Value>) -> Result<GroupOverride> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(GroupOverride::default());
    };
    Ok(GroupOverride {
        groups: string_list(v.get("groupsToOverride"), "groupsToOverride")?,
        roles: string_list(v.get("iamRolesToOverride"), "iamRolesToOverride")?,
        preferred_role: match v.get("preferredRole") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => return Err(malformed("preferredRole is not a string")),
        },
    })
}

/// The function's answer, read for its version.
fn overrides_of(response: &Map<String, Value>, version: u8) -> Result<TokenOverrides> {
    if version == 1 {
        let details = response.get("claimsOverrideDetails").filter(|v| !v.is_null());
        return Ok(TokenOverrides {
            id: claim_changes(details, true)?,
            groups: group_override(details.and_then(|d| d.get("groupOverrideDetails")))?,
            ..TokenOverrides::default()
        });
    }
    let Some(details) = response
        .get("claimsAndScopeOverrideDetails")
        .filter(|v| !v.is_null())
    else {
        return Ok(TokenOverrides::default());
    };
    let access = details.get("accessTokenGeneration").filter(|v| !v.is_null());
    Ok(TokenOverrides {
        id: claim_changes(details.get("idTokenGeneration"), false)?,
        access: claim_changes(access, false)?,
        scopes_to_add: string_list(access.and_then(|a| a.get("scopesToAdd")), "scopesToAdd")?
            .unwrap_or_default(),
        scopes_to_suppress: string_list(access.and_then(|a| a.get("scopesToSuppress")), "scopesToSuppress")?
            .unwrap_or_default(),
        groups: group_override(details.get("groupOverrideDetails"))?,
    })
}

/// Who tokens are being issued to: a user with their groups, or (client_credentials) the app client alone.
pub(crate) enum TokenSubject<'a> {
    User { user: &'a User, groups: &'a [Group] },
    Client,
}

impl Latchkey {
    /// Fires PreTokenGeneration for tokens from `source`; `None` when the pool has no such function (or, for
    /// client_credentials, no V3_0 one). `scopes` are the access token's scopes before the function's changes.
    pub(crate) async fn pre_token_generation(
        &self,
        pool: &UserPool,
        client_id: &str,
        subject: TokenSubject<'_>,
        source: TokenSource,
        scopes: &[String],
    ) -> Result<Option<TokenOverrides>> {
        let version = version_of(pool);
        if !super::invoke::configured(pool, Trigger::PreTokenGeneration)
            || (source == TokenSource::ClientCredentials && version < 3)
        {
            return Ok(None);
        }
        let mut request = Map::new();
        let username = match &subject {
            TokenSubject::User { user, groups } => {
                request.insert("userAttributes".into(), json!(user_attributes(user)));
                let roles: Vec<&String> = groups.iter().filter_map(|g| g.role_arn.as_ref()).collect();
                let preferred = groups
                    .iter()
                    .filter(|g| g.role_arn.is_some())
                    .min_by_key(|g| g.precedence.unwrap_or(u32::MAX))
                    .and_then(|g| g.role_arn.clone());
                request.insert(
                    "groupConfiguration".into(),
                    json!({
                        "groupsToOverride": groups.iter().map(|g| &g.group_name).collect::<Vec<_>>(),
                        "iamRolesToOverride": roles,
                        "preferredRole": preferred,
                    }),
                );
                user.username.clone()
            }
            TokenSubject::Client => client_id.to_string(),
        };
        if version >= 2 {
            request.insert("scopes".into(), json!(scopes));
        }
        let version_text = version.to_string();
        let Some(response) = self
            .fire(TriggerCall {
                trigger: Trigger::PreTokenGeneration,
                source: source.name(),
                pool,
                client_id: Some(client_id),
                username: &username,
                request,
                version: &version_text,
            })
            .await?
        else {
            return Ok(None);
        };
        overrides_of(&response, version).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_overrides_change_claims_and_scopes_but_never_reserved_ones() {
        let response = json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold", "sub": "forged"}, "claimsToSuppress": ["email"]},
            "accessTokenGeneration": {"claimsToAddOrOverride": {"n": 3, "tags": ["a"]}, "scopesToAdd": ["api/read"],
                "scopesToSuppress": ["aws.cognito.signin.user.admin"], "claimsToSuppress": ["iss"]},
            "groupOverrideDetails": {"groupsToOverride": ["vip"]},
        }});
        let o = overrides_of(response.as_object().unwrap(), 2).unwrap();
        let mut id = json!({"sub": "s", "email": "e", "cognito:groups": ["a"]})
            .as_object()
            .unwrap()
            .clone();
        o.apply_to_id_token(&mut id);
        assert_eq!(
            Value::Object(id),
            json!({"sub": "s", "tier": "gold", "cognito:groups": ["vip"]})
        );
        let mut access = json!({"iss": "i"}).as_object().unwrap().clone();
        o.apply_to_access_token(&mut access);
        assert_eq!(
            Value::Object(access),
            json!({"iss": "i", "n": 3, "tags": ["a"], "cognito:groups": ["vip"]})
        );
        assert_eq!(
            o.scopes(vec!["aws.cognito.signin.user.admin".into()]),
            vec!["api/read".to_string()]
        );
    }

    #[test]
    fn v1_claims_must_be_strings() {
        let ok = json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"a": "b"}}});
        assert!(overrides_of(ok.as_object().unwrap(), 1).is_ok());
        let bad = json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"a": 1}}});
        assert!(overrides_of(bad.as_object().unwrap(), 1).is_err());
        let empty = json!({});
        assert_eq!(
            overrides_of(empty.as_object().unwrap(), 2).unwrap(),
            TokenOverrides::default()
        );
    }
}
