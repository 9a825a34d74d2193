//! Scopes: the system scopes, custom `identifier/scope` scopes of the pool's resource servers, and the scopes an
//! authorization request is granted (requested ∩ allowed; none requested means all the client may have).

use crate::clients::AppClient;
use crate::pools::UserPool;

pub const SYSTEM_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

pub fn is_system(scope: &str) -> bool {
    SYSTEM_SCOPES.contains(&scope)
}

/// Whether `identifier/name` names a scope of one of the pool's resource servers.
pub fn custom_scope_exists(pool: &UserPool, scope: &str) -> bool {
    pool.resource_servers.iter().any(|r| {
        scope
            .strip_prefix(r.identifier.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|name| r.scopes.iter().any(|s| s.scope_name == name))
    })
}

/// The scopes granted for a request: those requested that the client allows (unknown ones are ignored, as
/// Cognito does), or every allowed scope when none are requested. `email`, `phone` and `profile` need `openid`.
pub fn grant(client: &AppClient, requested: Option<&str>) -> Vec<String> {
    let allowed = client.allowed_oauth_scopes.clone().unwrap_or_default();
    let mut granted: Vec<String> = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed,
        Some(text) => {
            let mut out = Vec::new();
            for s in text.split_whitespace() {
                if allowed.iter().any(|a| a == s) && !out.iter().any(|o: &String| o == s) {
                    out.push(s.to_string());
                }
            }
            out
        }
    };
    if !granted.iter().any(|s| s == "openid") {
        granted.retain(|s| !matches!(s.as_str(), "email" | "phone" | "profile"));
    }
    granted
}
