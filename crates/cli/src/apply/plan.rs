//! What an apply does to each resource — create, update, replace, leave unchanged, delete — decided from the
//! template and what Cognito has, and carried out in creation order (deletions in reverse), unless it is a dry
//! run. Each resource's outputs feed the resolution of the ones after it; in a dry run a resource still to be
//! created has placeholder outputs, and its children are planned as creations without asking Cognito.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::diff;
use super::resources::{self, Current, Desired, Env};
use crate::template::{placeholder_outputs, Parameters, Resolver, ResourceKind, ResourceOutputs, Template};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Unchanged,
    Delete,
}

impl Action {
    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Unchanged => "unchanged",
            Action::Delete => "delete",
        }
    }
}

/// One line of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_id: Option<String>,
    /// What differs (property paths), or why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// What a run did (or, in a dry run, would do), and where it stopped if it failed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub changes: Vec<Change>,
    pub outputs: BTreeMap<String, ResourceOutputs>,
    pub notes: Vec<String>,
    pub failure: Option<String>,
}

/// The decision for a resource that exists.
#[derive(Debug, PartialEq)]
pub enum Decision {
    Unchanged,
    Update(Vec<String>),
    Replace(Vec<String>),
    Refuse(String),
}

/// Members never compared directly: the parent ids (they found the resource) and `EnabledMfas` (compared below).
const NOT_COMPARED: &[&str] = &["UserPoolId", "IdentityPoolId", "EnabledMfas"];

/// Compares what the template asks for with what Cognito has.
pub fn decide(d: &Desired, current: &Current) -> Decision {
    let rules = resources::rules(d.kind);
    let compared: serde_json::Map<String, Value> = d
        .request
        .iter()
        // The parent's id found the resource, so it matches by construction.
        .filter(|(k, _)| !rules.create_only.contains(&k.as_str()) && !NOT_COMPARED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut changes = diff::changed_members(&compared, &current.state, &(rules.defaults)());
    if d.request.contains_key("EnabledMfas") {
        let want = d.request.get("EnabledMfas").cloned().unwrap_or(Value::Null);
        let have = current.state.get("EnabledMfas").cloned().unwrap_or(Value::Null);
        if !diff::same(&want, &have) {
            changes.push(diff::Change {
                member: "EnabledMfas".into(),
                path: "EnabledMfas".into(),
            });
        }
    }
    let mut details: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
    if d.kind == ResourceKind::UserPool {
        let (added, changed) =
            resources::schema_changes(d.request.get("Schema"), current.state.get("Schema"));
        if !changed.is_empty() {
            return Decision::Refuse(format!(
                "the schema attribute(s) {} changed, and Cognito cannot change an existing attribute; delete the \
                 stack (losing its users) or restore the attribute's settings",
                changed.join(", ")
            ));
        }
        for a in added {
            details.push(format!(
                "Schema: adds {}",
                a.get("Name").and_then(Value::as_str).unwrap_or("?")
            ));
        }
    }
    if let Some(fixed) = changes.iter().find(|c| rules.fixed.contains(&c.member.as_str())) {
        return Decision::Refuse(format!(
            "{} changed, and Cognito cannot change it on an existing {}; delete the stack (losing what it holds) \
             or restore the old value",
            fixed.path, d.kind
        ));
    }
    if changes.iter().any(|c| rules.replace.contains(&c.member.as_str())) {
        return Decision::Replace(details);
    }
    if details.is_empty() {
        Decision::Unchanged
    } else {
        Decision::Update(details)
    }
}

/// Outputs standing in for a resource not created yet (dry run).
fn placeholder(logical_id: &str, kind: ResourceKind) -> ResourceOutputs {
    ResourceOutputs {
        ref_value: format!("{PLACEHOLDER}{logical_id}>"),
        attributes: kind
            .attributes()
            .unwrap_or_default()
            .iter()
            .map(|a| (a.to_string(), format!("{PLACEHOLDER}{logical_id}.{a}>")))
            .collect(),
    }
}

const PLACEHOLDER: &str = "<new ";

fn is_placeholder(value: &str) -> bool {
    value.starts_with(PLACEHOLDER)
}

/// The template's Cognito resources in creation order, with their types.
fn cognito_resources<'t>(template: &'t Template, order: &[String]) -> Vec<(&'t str, ResourceKind, &'t str)> {
    order
        .iter()
        .filter_map(|id| template.resources.get_key_value(id))
        .filter(|(_, r)| r.kind.is_cognito())
        .map(|(id, r)| (id.as_str(), r.kind, r.resource_type.as_str()))
        .collect()
}

/// Resolves a resource's properties with the outputs known so far and builds its request.
fn desire(
    resolve: ResolveFn<'_>,
    outputs: &BTreeMap<String, ResourceOutputs>,
    stack: &str,
    logical_id: &str,
    kind: ResourceKind,
) -> Result<Desired, String> {
    let properties = resolve(outputs, logical_id)?;
    resources::desired(kind, stack, logical_id, &properties)
        .map_err(|e| format!("{logical_id} ({kind}): {e}"))
}

/// Resolution of one resource's properties against the outputs so far.
pub type ResolveFn<'a> = &'a dyn Fn(&BTreeMap<String, ResourceOutputs>, &str) -> Result<Value, String>;

/// Creates, updates or replaces what the template declares, then deletes the stack's pools it no longer
/// declares.
pub async fn apply(
    env: &Env<'_>,
    template: &Template,
    order: &[String],
    resolve: ResolveFn<'_>,
    dry_run: bool,
) -> Outcome {
    let mut out = Outcome::default();
    let declared: BTreeSet<&str> = order.iter().map(String::as_str).collect();
    for (logical_id, kind, resource_type) in cognito_resources(template, order) {
        let failed = |message: String| format!("{logical_id} ({resource_type}): {message}");
        let d = match desire(resolve, &out.outputs, env.stack, logical_id, kind) {
            Ok(d) => d,
            Err(e) => {
                out.failure = Some(e);
                return out;
            }
        };
        out.notes
            .extend(d.notes.iter().map(|n| format!("{logical_id}: {n}")));
        let pending_parent = d.parent.as_deref().is_some_and(is_placeholder);
        let current = if pending_parent {
            None
        } else {
            match resources::read(env, &d).await {
                Ok(c) => c,
                Err(e) => {
                    out.failure = Some(failed(e.to_string()));
                    return out;
                }
            }
        };
        let (action, details) = match &current {
            None => (Action::Create, vec![]),
            Some(c) => match decide(&d, c) {
                Decision::Unchanged => (Action::Unchanged, vec![]),
                Decision::Update(details) => (Action::Update, details),
                Decision::Replace(details) => (Action::Replace, details),
                Decision::Refuse(message) => {
                    out.failure = Some(failed(message));
                    return out;
                }
            },
        };
        let result = match (&current, action, dry_run) {
            (Some(c), Action::Unchanged, _) => Ok(c.outputs.clone()),
            (Some(c), _, true) if action != Action::Replace => Ok(c.outputs.clone()),
            (_, _, true) => Ok(placeholder(logical_id, kind)),
            (Some(c), Action::Update, false) => resources::update(env, &d, c).await.map(|n| n.outputs),
            (Some(c), Action::Replace, false) => match resources::delete(env, kind, c).await {
                Ok(()) => resources::create(env, &d).await.map(|n| n.outputs),
                Err(e) => Err(e),
            },
            (_, _, false) => resources::create(env, &d).await.map(|n| n.outputs),
        };
        match result {
            Ok(outputs) => {
                let physical_id = Some(outputs.ref_value.clone()).filter(|id| !is_placeholder(id));
                out.changes.push(Change {
                    logical_id: logical_id.to_string(),
                    resource_type: resource_type.to_string(),
                    action,
                    physical_id,
                    details,
                });
                out.outputs.insert(logical_id.to_string(), outputs);
            }
            Err(e) => {
                out.failure = Some(failed(e.to_string()));
                return out;
            }
        }
    }
    // The stack's pools the template no longer declares (or whose condition turned false) go, as in
    // CloudFormation.
    delete_undeclared(env, &declared, dry_run, &mut out).await;
    out
}

/// Deletes what the stack created: the template's resources that exist in the stack's pools, in reverse creation
/// order, and every pool carrying the stack's tags.
pub async fn delete(
    env: &Env<'_>,
    template: &Template,
    order: &[String],
    resolve: ResolveFn<'_>,
    dry_run: bool,
) -> Outcome {
    let mut out = Outcome::default();
    let owned: BTreeSet<&str> = env
        .index
        .user_pools
        .values()
        .chain(env.index.identity_pools.values())
        .map(|p| p.id.as_str())
        .collect();
    let mut found: Vec<(&str, ResourceKind, &str, Current)> = Vec::new();
    for (logical_id, kind, resource_type) in cognito_resources(template, order) {
        // What cannot be resolved any more refers to something already gone, and went with it.
        let Ok(d) = desire(resolve, &out.outputs, env.stack, logical_id, kind) else {
            continue;
        };
        if d.parent.as_deref().is_some_and(|p| !owned.contains(p)) {
            out.notes.push(format!(
                "{logical_id}: left in place, as its pool is not the stack's"
            ));
            continue;
        }
        match resources::read(env, &d).await {
            Ok(Some(current)) => {
                out.outputs
                    .insert(logical_id.to_string(), current.outputs.clone());
                found.push((logical_id, kind, resource_type, current));
            }
            Ok(None) => {}
            Err(e) => {
                out.failure = Some(format!("{logical_id} ({resource_type}): {}", e));
                return out;
            }
        }
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for (logical_id, kind, resource_type, current) in found.iter().rev() {
        if !dry_run {
            if let Err(e) = resources::delete(env, *kind, current).await {
                out.failure = Some(format!("{logical_id} ({resource_type}): {e}"));
                return out;
            }
        }
        done.insert(logical_id);
        out.changes.push(deletion(logical_id, resource_type, &current.id));
    }
    delete_undeclared(env, &done, dry_run, &mut out).await;
    out
}

/// Deletes the stack's tagged pools whose logical ids are not in `keep`: identity pools first (they name user
/// pool clients), then user pools.
async fn delete_undeclared(env: &Env<'_>, keep: &BTreeSet<&str>, dry_run: bool, out: &mut Outcome) {
    let identity = env
        .index
        .identity_pools
        .iter()
        .map(|(id, p)| (id, p, ResourceKind::IdentityPool));
    let user = env
        .index
        .user_pools
        .iter()
        .map(|(id, p)| (id, p, ResourceKind::UserPool));
    for (logical_id, pool, kind) in identity.chain(user) {
        if keep.contains(logical_id.as_str()) {
            continue;
        }
        let current = Current {
            id: pool.id.clone(),
            parent: None,
            state: pool.description.clone(),
            outputs: ResourceOutputs::default(),
        };
        if !dry_run {
            if let Err(e) = resources::delete(env, kind, &current).await {
                out.failure = Some(format!("{logical_id} ({kind}): {e}"));
                return;
            }
        }
        out.changes
            .push(deletion(logical_id, &kind.to_string(), &pool.id));
    }
}

fn deletion(logical_id: &str, resource_type: &str, id: &str) -> Change {
    Change {
        logical_id: logical_id.to_string(),
        resource_type: resource_type.to_string(),
        action: Action::Delete,
        physical_id: Some(id.to_string()),
        details: vec![],
    }
}

/// Refuses a template with two children of one pool under one natural key (two clients named `web`, …): they
/// would be one resource. Checked before anything is changed, against placeholder outputs.
pub fn check_natural_keys(
    template: &Template,
    parameters: &Parameters,
    order: &[String],
    stack: &str,
) -> Result<(), String> {
    let outputs = placeholder_outputs(template, &parameters.pseudo);
    let resolve = resolver_fn(template, parameters);
    let mut seen: BTreeMap<(ResourceKind, String, String), &str> = BTreeMap::new();
    for (logical_id, kind, resource_type) in cognito_resources(template, order) {
        let d = desire(&resolve, &outputs, stack, logical_id, kind)?;
        let (Some(parent), Some(key)) = (d.parent.clone(), resources::natural_key(&d)) else {
            continue;
        };
        if let Some(first) = seen.insert((kind, parent, key.clone()), logical_id) {
            return Err(format!(
                "{first} and {logical_id} are both {resource_type} with {key} in one pool; latchkey finds them by \
                 that, so they would be one resource: give them different names"
            ));
        }
    }
    Ok(())
}

/// Resolves a template's properties for `plan`, given its bound parameters.
pub fn resolver_fn<'a>(
    template: &'a Template,
    parameters: &'a Parameters,
) -> impl Fn(&BTreeMap<String, ResourceOutputs>, &str) -> Result<Value, String> + 'a {
    move |outputs, logical_id| {
        Resolver::new(template, parameters, outputs)
            .and_then(|r| r.resource_properties(logical_id))
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
