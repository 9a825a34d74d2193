//! Which role an identity assumes: the pool's role mapping for the provider that authenticated it (from the token's
//! `cognito:roles` / `cognito:preferred_role`, or the first matching rule), else the pool's authenticated or
//! unauthenticated role. Pure: the caller has already verified the token whose claims it passes.

use serde_json::{Map, Value};

use super::{AmbiguousRoleResolution, IdentityPool, MappingRule, MatchType, RoleMappingType};
use crate::error::{CognitoError, ErrorKind, Result};

/// The login a role is chosen for: the role-mapping key of its provider (`<provider>:<clientId>` for a user pool,
/// the provider name otherwise) and the verified claims of its token.
pub struct RoleSource<'a> {
    pub mapping_key: &'a str,
    pub claims: &'a Map<String, Value>,
}

fn no_role(auth: &str) -> CognitoError {
    CognitoError::new(
        ErrorKind::InvalidIdentityPoolConfigurationException,
        format!(
            "Invalid identity pool configuration. Check assigned IAM roles for this pool. (No {auth} role.)"
        ),
    )
}

/// The role for an identity: `source` is `None` for an unauthenticated identity; `custom_role_arn` is what the
/// caller asked for (under a Token mapping it must be among the token's `cognito:roles`).
pub fn resolve_role(
    pool: &IdentityPool,
    source: Option<&RoleSource<'_>>,
    custom_role_arn: Option<&str>,
) -> Result<String> {
    let Some(source) = source else {
        return pool
            .roles
            .get("unauthenticated")
            .cloned()
            .ok_or_else(|| no_role("unauthenticated"));
    };
    let default = || {
        pool.roles
            .get("authenticated")
            .cloned()
            .ok_or_else(|| no_role("authenticated"))
    };
    let Some(mapping) = pool.role_mappings.get(source.mapping_key) else {
        return default();
    };
    let chosen = match mapping.kind {
        RoleMappingType::Token => role_from_token(source.claims, custom_role_arn)?,
        RoleMappingType::Rules => mapping
            .rules_configuration
            .as_ref()
            .and_then(|c| c.rules.iter().find(|r| rule_matches(r, source.claims)))
            .map(|r| r.role_arn.clone()),
    };
    match (chosen, mapping.ambiguous_role_resolution) {
        (Some(role), _) => Ok(role),
        (None, Some(AmbiguousRoleResolution::Deny)) => Err(CognitoError::new(
            ErrorKind::NotAuthorizedException,
            format!(
                "The ambiguous role mapping rules for: {} denied this request.",
                provider_of_key(source.mapping_key)
            ),
        )),
        (None, _) => default(),
    }
}

/// The provider part of a `<provider>:<clientId>` role-mapping key.
fn provider_of_key(key: &str) -> &str {
    match key.rsplit_once(':') {
        Some((provider, _)) if provider.contains('/') => provider,
        _ => key,
    }
}

/// Token-based choice: the requested role, which the token must list (asking for another is refused, as Cognito
/// does), else the preferred role, else the only role.
fn role_from_token(claims: &Map<String, Value>, custom_role_arn: Option<&str>) -> Result<Option<String>> {
    let roles: Vec<&str> = match claims.get("cognito:roles") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    if let Some(custom) = custom_role_arn {
        if !roles.contains(&custom) {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "The CustomRoleArn is not one of the roles the token grants (cognito:roles).",
            ));
        }
        return Ok(Some(custom.to_string()));
    }
    if let Some(preferred) = claims.get("cognito:preferred_role").and_then(Value::as_str) {
        return Ok(Some(preferred.to_string()));
    }
    Ok(match roles[..] {
        [only] => Some(only.to_string()),
        _ => None,
    })
}

/// A rule matches when the claim (or, for a multi-valued claim such as `cognito:groups`, one of its values)
/// satisfies it; `NotEqual` matches when no value equals.
fn rule_matches(rule: &MappingRule, claims: &Map<String, Value>) -> bool {
    let values: Vec<String> = match claims.get(&rule.claim) {
        None | Some(Value::Null) => return false,
        Some(Value::Array(a)) => a.iter().map(scalar_text).collect(),
        Some(v) => vec![scalar_text(v)],
    };
    let want = rule.value.as_str();
    match rule.match_type {
        MatchType::Equals => values.iter().any(|v| v == want),
        MatchType::Contains => values.iter().any(|v| v.contains(want)),
        MatchType::StartsWith => values.iter().any(|v| v.starts_with(want)),
        MatchType::NotEqual => values.iter().all(|v| v != want),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::identity::{RoleMapping, RulesConfiguration};
    use crate::time::Timestamp;

    const AUTH: &str = "arn:aws:iam::123456789012:role/auth";
    const UNAUTH: &str = "arn:aws:iam::123456789012:role/unauth";
    const KEY: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:client1";

    fn pool(mapping: Option<RoleMapping>) -> IdentityPool {
        IdentityPool {
            id: "us-east-1:00000000-0000-0000-0000-000000000000".into(),
            name: "p".into(),
            allow_unauthenticated: true,
            allow_classic_flow: false,
            supported_login_providers: BTreeMap::new(),
            developer_provider_name: None,
            open_id_connect_provider_arns: vec![],
            saml_provider_arns: vec![],
            cognito_identity_providers: vec![],
            tags: BTreeMap::new(),
            roles: BTreeMap::from([
                ("authenticated".into(), AUTH.into()),
                ("unauthenticated".into(), UNAUTH.into()),
            ]),
            role_mappings: mapping.into_iter().map(|m| (KEY.to_string(), m)).collect(),
            principal_tags: BTreeMap::new(),
            created: Timestamp(0),
            version: 1,
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn rule(claim: &str, match_type: MatchType, value: &str, role: &str) -> MappingRule {
        MappingRule {
            claim: claim.into(),
            match_type,
            value: value.into(),
            role_arn: role.into(),
        }
    }

    fn rules(rules: Vec<MappingRule>, ambiguous: AmbiguousRoleResolution) -> RoleMapping {
        RoleMapping {
            kind: RoleMappingType::Rules,
            ambiguous_role_resolution: Some(ambiguous),
            rules_configuration: Some(RulesConfiguration { rules }),
        }
    }

    fn token(ambiguous: AmbiguousRoleResolution) -> RoleMapping {
        RoleMapping {
            kind: RoleMappingType::Token,
            ambiguous_role_resolution: Some(ambiguous),
            rules_configuration: None,
        }
    }

    fn resolve(p: &IdentityPool, c: &Map<String, Value>, custom: Option<&str>) -> Result<String> {
        resolve_role(
            p,
            Some(&RoleSource {
                mapping_key: KEY,
                claims: c,
            }),
            custom,
        )
    }

    #[test]
    fn without_a_mapping_the_default_roles_apply() {
        let p = pool(None);
        assert_eq!(resolve_role(&p, None, None).unwrap(), UNAUTH);
        assert_eq!(
            resolve(&p, &claims(json!({"cognito:preferred_role": "x"})), None).unwrap(),
            AUTH
        );
        let mut bare = p.clone();
        bare.roles.clear();
        let e = resolve(&bare, &claims(json!({})), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidIdentityPoolConfigurationException);
        assert_eq!(
            resolve_role(&bare, None, None).unwrap_err().kind(),
            ErrorKind::InvalidIdentityPoolConfigurationException
        );
    }

    #[test]
    fn token_mapping_prefers_the_listed_custom_role_then_the_preferred_then_a_single_role() {
        let p = pool(Some(token(AmbiguousRoleResolution::Deny)));
        let two = claims(json!({"cognito:roles": ["r1", "r2"], "cognito:preferred_role": "r1"}));
        assert_eq!(resolve(&p, &two, Some("r2")).unwrap(), "r2");
        let refused = resolve(&p, &two, Some("not-listed")).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::NotAuthorizedException);
        assert_eq!(resolve(&p, &two, None).unwrap(), "r1");
        assert_eq!(
            resolve(&p, &claims(json!({"cognito:roles": ["only"]})), None).unwrap(),
            "only"
        );
        let ambiguous = claims(json!({"cognito:roles": ["r1", "r2"]}));
        assert_eq!(
            resolve(&p, &ambiguous, None).unwrap_err().kind(),
            ErrorKind::NotAuthorizedException
        );
        let lenient = pool(Some(token(AmbiguousRoleResolution::AuthenticatedRole)));
        assert_eq!(resolve(&lenient, &ambiguous, None).unwrap(), AUTH);
    }

    #[test]
    fn rules_match_in_order_with_each_match_type() {
        let p = pool(Some(rules(
            vec![
                rule("cognito:groups", MatchType::Equals, "admins", "admin-role"),
                rule("email", MatchType::StartsWith, "boss@", "boss-role"),
                rule("email", MatchType::Contains, "@corp.", "corp-role"),
                rule("custom:tier", MatchType::NotEqual, "free", "paid-role"),
            ],
            AmbiguousRoleResolution::Deny,
        )));
        let r = |c: Value| resolve(&p, &claims(c), None);
        assert_eq!(
            r(json!({"cognito:groups": ["users", "admins"], "email": "boss@corp.com"})).unwrap(),
            "admin-role"
        );
        assert_eq!(
            r(json!({"cognito:groups": ["users"], "email": "boss@corp.com"})).unwrap(),
            "boss-role"
        );
        assert_eq!(r(json!({"email": "ann@corp.com"})).unwrap(), "corp-role");
        assert_eq!(
            r(json!({"email": "ann@home.com", "custom:tier": "gold"})).unwrap(),
            "paid-role"
        );
        // No rule matches (a missing claim matches no rule, NotEqual included): Deny.
        assert_eq!(
            r(json!({"email": "ann@home.com"})).unwrap_err().kind(),
            ErrorKind::NotAuthorizedException
        );
        assert_eq!(
            r(json!({"email": "ann@home.com", "custom:tier": "free"}))
                .unwrap_err()
                .kind(),
            ErrorKind::NotAuthorizedException
        );
    }

    #[test]
    fn rules_fall_back_to_the_authenticated_role_when_allowed() {
        let p = pool(Some(rules(
            vec![rule("email", MatchType::Equals, "a@b.c", "r")],
            AmbiguousRoleResolution::AuthenticatedRole,
        )));
        assert_eq!(
            resolve(&p, &claims(json!({"email": "x@y.z"})), None).unwrap(),
            AUTH
        );
        // A mapping for another provider key leaves this one on the defaults.
        let other = RoleSource {
            mapping_key: "other:client",
            claims: &claims(json!({"email": "a@b.c"})),
        };
        assert_eq!(resolve_role(&p, Some(&other), None).unwrap(), AUTH);
    }
}
