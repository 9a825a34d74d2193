//! SAM's `Globals` section, merged into each `AWS::Serverless::*` resource the way aws-sam-translator does:
//! mappings merge key by key (the resource's own value wins), lists concatenate (globals first), anything else —
//! including an intrinsic function, which stands for a scalar — is the resource's own when it has one.
//! `Function.Architectures` is replaced rather than concatenated, as SAM does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::TemplateError;
use super::model::Resource;

/// Globals sections and the resource type each applies to.
const SECTIONS: &[(&str, &str)] = &[
    ("Function", "AWS::Serverless::Function"),
    ("Api", "AWS::Serverless::Api"),
    ("HttpApi", "AWS::Serverless::HttpApi"),
    ("SimpleTable", "AWS::Serverless::SimpleTable"),
    ("StateMachine", "AWS::Serverless::StateMachine"),
    ("LayerVersion", "AWS::Serverless::LayerVersion"),
    ("CapacityProvider", "AWS::Serverless::CapacityProvider"),
];

/// Properties SAM refuses in Globals, because each resource must say them itself.
const NOT_GLOBAL: &[(&str, &[&str])] = &[
    ("Function", &["Role", "Policies", "FunctionName", "Events"]),
    ("Api", &["DefinitionBody", "StageName"]),
];

/// Property paths (under a section) whose local value replaces the global one instead of merging.
const REPLACED: &[(&str, &str)] = &[("Function", "Architectures")];

pub(super) fn apply(
    globals: &Value,
    resources: &mut BTreeMap<String, Resource>,
) -> Result<(), TemplateError> {
    let Value::Object(sections) = globals else {
        return Err(TemplateError::invalid("Globals", "must be a mapping"));
    };
    for (section, global_properties) in sections {
        let Some((_, resource_type)) = SECTIONS.iter().find(|(name, _)| name == section) else {
            let known: Vec<&str> = SECTIONS.iter().map(|(name, _)| *name).collect();
            return Err(TemplateError::invalid(
                format!("Globals.{section}"),
                format!("is not a Globals section; they are {}", known.join(", ")),
            ));
        };
        let Value::Object(global_properties) = global_properties else {
            return Err(TemplateError::invalid(
                format!("Globals.{section}"),
                "must be a mapping",
            ));
        };
        let refused = NOT_GLOBAL
            .iter()
            .find(|(name, _)| name == section)
            .map_or(&[][..], |(_, keys)| *keys);
        if let Some(key) = global_properties
            .keys()
            .find(|key| refused.contains(&key.as_str()))
        {
            return Err(TemplateError::invalid(
                format!("Globals.{section}.{key}"),
                "cannot be set in Globals; set it on each resource",
            ));
        }
        for resource in resources
            .values_mut()
            .filter(|r| r.resource_type == *resource_type)
        {
            let local = std::mem::take(&mut resource.properties);
            resource.properties = merge_properties(section, global_properties, local);
        }
    }
    Ok(())
}

fn merge_properties(section: &str, global: &Map<String, Value>, local: Value) -> Value {
    let Value::Object(local) = local else { return local };
    let mut merged = global.clone();
    for (key, local_value) in local {
        let replaced = REPLACED.iter().any(|(s, k)| *s == section && *k == key);
        let value = match merged.remove(&key) {
            Some(global_value) if !replaced => merge(global_value, local_value),
            _ => local_value,
        };
        merged.insert(key, value);
    }
    Value::Object(merged)
}

fn merge(global: Value, local: Value) -> Value {
    match (global, local) {
        (Value::Object(global), Value::Object(local)) if !is_intrinsic(&global) && !is_intrinsic(&local) => {
            let mut merged = global;
            for (key, local_value) in local {
                let value = match merged.remove(&key) {
                    Some(global_value) => merge(global_value, local_value),
                    None => local_value,
                };
                merged.insert(key, value);
            }
            Value::Object(merged)
        }
        (Value::Array(mut global), Value::Array(local)) => {
            global.extend(local);
            Value::Array(global)
        }
        (_, local) => local,
    }
}

/// SAM's test: one key, `Ref`, `Condition` or `Fn::…`.
pub(super) fn is_intrinsic(object: &Map<String, Value>) -> bool {
    object.len() == 1
        && object
            .keys()
            .next()
            .is_some_and(|key| key == "Ref" || key == "Condition" || key.starts_with("Fn::"))
}
