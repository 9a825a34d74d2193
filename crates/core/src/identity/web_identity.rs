//! STS AssumeRoleWithWebIdentity for identity pools' basic (classic) flow: an identity's OpenID token buys
//! credentials for a role its pool names. With no IAM here, the pool stands in for the role's trust policy, as
//! the policy the Cognito console writes does: the unauthenticated role for identities whose `amr` says
//! `unauthenticated`, and the authenticated role or a role of its rules for those whose `amr` says
//! `authenticated` — and only while the pool allows the classic flow.

use super::{IdentityPool, SessionPrincipal, TemporaryCredentials, MAX_SESSION_SECONDS};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::identity::credentials::{valid_session_name, RoleArn};
use crate::service::Latchkey;

/// STS's shortest role session (15 minutes).
pub const MIN_SESSION_SECONDS: i64 = 900;

/// AssumeRoleWithWebIdentity's answer.
#[derive(Debug, Clone)]
pub struct WebIdentitySession {
    pub credentials: TemporaryCredentials,
    pub principal: SessionPrincipal,
    /// `SubjectFromWebIdentityToken`: the identity id.
    pub subject: String,
    /// `Provider`: the token's issuer.
    pub provider: String,
    /// `Audience`: the identity pool id.
    pub audience: String,
}

/// STS's validation message for one member that breaks its constraint.
fn validation(value: &str, member: &str, constraint: &str) -> CognitoError {
    CognitoError::invalid_parameter(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

fn access_denied() -> CognitoError {
    CognitoError::new(
        ErrorKind::AccessDenied,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )
}

/// Whether the pool's stand-in trust policy lets an identity with `amr` assume `role_arn`.
fn trusts(pool: &IdentityPool, role_arn: &str, amr: &[String]) -> bool {
    let says = |v: &str| amr.iter().any(|a| a == v);
    let unauthenticated = pool.roles.get("unauthenticated").map(String::as_str);
    let mut authenticated = pool
        .roles
        .get("authenticated")
        .map(String::as_str)
        .into_iter()
        .chain(
            pool.role_mappings
                .values()
                .filter_map(|m| m.rules_configuration.as_ref())
                .flat_map(|c| c.rules.iter().map(|r| r.role_arn.as_str())),
        );
    (says("unauthenticated") && unauthenticated == Some(role_arn))
        || (says("authenticated") && authenticated.any(|r| r == role_arn))
}

impl Latchkey {
    /// Credentials for `role_arn` in exchange for an identity OpenID token (GetOpenIdToken's), valid
    /// `duration_seconds` (900 to 43200).
    pub async fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        web_identity_token: &str,
        duration_seconds: i64,
    ) -> Result<WebIdentitySession> {
        if !(20..=2048).contains(&role_arn.len()) {
            return Err(validation(
                role_arn,
                "roleArn",
                "Member must have length between 20 and 2048",
            ));
        }
        if !valid_session_name(session_name) {
            return Err(validation(
                session_name,
                "roleSessionName",
                "Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64",
            ));
        }
        if duration_seconds < MIN_SESSION_SECONDS {
            return Err(validation(
                &duration_seconds.to_string(),
                "durationSeconds",
                "Member must have value greater than or equal to 900",
            ));
        }
        if duration_seconds > MAX_SESSION_SECONDS {
            return Err(validation(
                &duration_seconds.to_string(),
                "durationSeconds",
                "Member must have value less than or equal to 43200",
            ));
        }
        if RoleArn::parse(role_arn).is_none() {
            return Err(CognitoError::invalid_parameter(format!("{role_arn} is invalid")));
        }
        let claims = self.verify_identity_openid_token(web_identity_token).await?;
        let pool = self
            .store
            .get_identity_pool(&claims.identity_pool_id)
            .await?
            .ok_or_else(access_denied)?;
        if !pool.allow_classic_flow || !trusts(&pool, role_arn, &claims.amr) {
            return Err(access_denied());
        }
        let credentials = self.issue_role_credentials(
            role_arn,
            session_name,
            Some(&claims.identity_id),
            duration_seconds,
        )?;
        Ok(WebIdentitySession {
            principal: SessionPrincipal {
                role_arn: role_arn.to_string(),
                session_name: session_name.to_string(),
                identity_id: Some(claims.identity_id.clone()),
                expiration: credentials.expiration,
            },
            credentials,
            subject: claims.identity_id,
            provider: self.identity_issuer(),
            audience: claims.identity_pool_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{MappingRule, MatchType, RoleMapping, RoleMappingType, RulesConfiguration};
    use crate::time::Timestamp;

    fn pool() -> IdentityPool {
        let mut roles = std::collections::BTreeMap::new();
        roles.insert(
            "authenticated".to_string(),
            "arn:aws:iam::123456789012:role/Auth".to_string(),
        );
        roles.insert(
            "unauthenticated".to_string(),
            "arn:aws:iam::123456789012:role/Unauth".to_string(),
        );
        let mut mappings = std::collections::BTreeMap::new();
        mappings.insert(
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc:client".to_string(),
            RoleMapping {
                kind: RoleMappingType::Rules,
                ambiguous_role_resolution: None,
                rules_configuration: Some(RulesConfiguration {
                    rules: vec![MappingRule {
                        claim: "custom:tier".into(),
                        match_type: MatchType::Equals,
                        value: "gold".into(),
                        role_arn: "arn:aws:iam::123456789012:role/Gold".into(),
                    }],
                }),
            },
        );
        IdentityPool {
            id: "us-east-1:0f1c2d3e-4a5b-4c6d-8e7f-001122334455".into(),
            name: "p".into(),
            allow_unauthenticated: true,
            allow_classic_flow: true,
            supported_login_providers: Default::default(),
            developer_provider_name: None,
            open_id_connect_provider_arns: vec![],
            saml_provider_arns: vec![],
            cognito_identity_providers: vec![],
            tags: Default::default(),
            roles,
            role_mappings: mappings,
            principal_tags: Default::default(),
            created: Timestamp(0),
            version: 1,
        }
    }

    #[test]
    fn the_pool_trusts_its_roles_for_the_matching_kind_of_identity() {
        let p = pool();
        let auth = vec![
            "authenticated".to_string(),
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc".to_string(),
        ];
        let unauth = vec!["unauthenticated".to_string()];
        assert!(trusts(&p, "arn:aws:iam::123456789012:role/Auth", &auth));
        assert!(trusts(&p, "arn:aws:iam::123456789012:role/Gold", &auth));
        assert!(trusts(&p, "arn:aws:iam::123456789012:role/Unauth", &unauth));
        assert!(!trusts(&p, "arn:aws:iam::123456789012:role/Unauth", &auth));
        assert!(!trusts(&p, "arn:aws:iam::123456789012:role/Auth", &unauth));
        assert!(!trusts(&p, "arn:aws:iam::123456789012:role/Gold", &unauth));
        assert!(!trusts(&p, "arn:aws:iam::123456789012:role/Other", &auth));
        assert!(!trusts(&p, "arn:aws:iam::123456789012:role/Auth", &[]));
    }
}
