//! Identity-pool operations (`AWSCognitoIdentityService.<Op>`), one small file per family: the pools and their
//! roles and tags (`pools.rs`, SigV4), identities and their logins (`identities.rs`), and what identities receive
//! (`grants.rs`). GetId, GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity are unsigned: the Logins
//! map authorises them.
//!
//! An operation on an identity pool or identity of a signed request gets the region check user pools get: ids
//! start with their region, and a pool of another region than the signature's does not exist for the caller.

mod grants;
mod identities;
mod pools;

use std::collections::BTreeMap;

use latchkey_core::identity::{identity_not_found, identity_pool_not_found};
use latchkey_core::{CognitoError, Latchkey};
use serde::Deserialize;
use serde_json::Value;

use super::Ctx;

/// Checks that the identity-pool id or identity id `id` belongs to the signing region (when signed).
fn in_region(ctx: &Ctx, id: &str, not_found: fn(&str) -> CognitoError) -> Result<(), CognitoError> {
    match (&ctx.region, id.split_once(':')) {
        (Some(signed), Some((region, _))) if signed != region => Err(not_found(id)),
        _ => Ok(()),
    }
}

fn pool_in_region(ctx: &Ctx, id: &str) -> Result<(), CognitoError> {
    in_region(ctx, id, identity_pool_not_found)
}

fn identity_in_region(ctx: &Ctx, id: &str) -> Result<(), CognitoError> {
    in_region(ctx, id, identity_not_found)
}

/// The Logins map of the operations that carry one (provider name → token).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct WithLogins {
    #[serde(default)]
    logins: BTreeMap<String, String>,
}

/// Runs the named operation, or `None` when Latchkey does not implement it.
pub async fn call(op: &str, lk: &Latchkey, ctx: &Ctx, body: Value) -> Option<Result<Value, CognitoError>> {
    Some(match op {
        "CreateIdentityPool" => pools::create(lk, ctx, body).await,
        "DescribeIdentityPool" => pools::describe(lk, ctx, body).await,
        "UpdateIdentityPool" => pools::update(lk, ctx, body).await,
        "DeleteIdentityPool" => pools::delete(lk, ctx, body).await,
        "ListIdentityPools" => pools::list(lk, ctx, body).await,
        "SetIdentityPoolRoles" => pools::set_roles(lk, ctx, body).await,
        "GetIdentityPoolRoles" => pools::get_roles(lk, ctx, body).await,
        "SetPrincipalTagAttributeMap" => pools::set_principal_tags(lk, ctx, body).await,
        "GetPrincipalTagAttributeMap" => pools::get_principal_tags(lk, ctx, body).await,
        "TagResource" => pools::tag(lk, ctx, body).await,
        "UntagResource" => pools::untag(lk, ctx, body).await,
        "ListTagsForResource" => pools::list_tags(lk, ctx, body).await,
        "GetId" => identities::get_id(lk, ctx, body).await,
        "DescribeIdentity" => identities::describe(lk, ctx, body).await,
        "ListIdentities" => identities::list(lk, ctx, body).await,
        "DeleteIdentities" => identities::delete(lk, ctx, body).await,
        "UnlinkIdentity" => identities::unlink(lk, ctx, body).await,
        "LookupDeveloperIdentity" => identities::lookup_developer(lk, ctx, body).await,
        "MergeDeveloperIdentities" => identities::merge_developer(lk, ctx, body).await,
        "UnlinkDeveloperIdentity" => identities::unlink_developer(lk, ctx, body).await,
        "GetCredentialsForIdentity" => grants::credentials(lk, ctx, body).await,
        "GetOpenIdToken" => grants::open_id_token(lk, ctx, body).await,
        "GetOpenIdTokenForDeveloperIdentity" => grants::developer_token(lk, ctx, body).await,
        _ => return None,
    })
}
