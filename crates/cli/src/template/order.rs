//! The order resources are created in: a topological order over what each resource refers to (`Ref`,
//! `Fn::GetAtt`, `Fn::Sub` variables — following only the branch of `Fn::If` its condition picks) and its
//! `DependsOn`, leaving out resources whose `Condition` is false. Ties go alphabetically, so the order is stable.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::error::TemplateError;
use super::model::Template;
use super::sub;

/// Every name a value refers to (parameters, pseudo parameters and resources alike).
pub(super) fn references(
    value: &Value,
    conditions: &BTreeMap<String, bool>,
    out: &mut BTreeSet<String>,
) -> Result<(), TemplateError> {
    match value {
        Value::Object(map) if map.len() == 1 => {
            let Some((key, argument)) = map.iter().next() else {
                return Ok(());
            };
            match (key.as_str(), argument) {
                ("Ref", Value::String(name)) => {
                    out.insert(name.clone());
                }
                ("Fn::GetAtt", Value::Array(operands)) => {
                    if let Some(Value::String(name)) = operands.first() {
                        out.insert(name.clone());
                    }
                    for operand in operands.iter().skip(1) {
                        references(operand, conditions, out)?;
                    }
                }
                ("Fn::GetAtt", Value::String(dotted)) => {
                    out.insert(dotted.split('.').next().unwrap_or(dotted).to_string());
                }
                ("Fn::Sub", argument) => sub_references(argument, conditions, out)?,
                ("Fn::If", Value::Array(operands)) if operands.len() == 3 => {
                    let chosen = match &operands[0] {
                        Value::String(condition) => match conditions.get(condition) {
                            Some(true) => &operands[1],
                            Some(false) => &operands[2],
                            None => {
                                return Err(TemplateError::UnknownCondition {
                                    name: condition.clone(),
                                })
                            }
                        },
                        _ => {
                            return Err(TemplateError::intrinsic(
                                "Fn::If",
                                "the first operand must name a condition",
                            ))
                        }
                    };
                    references(chosen, conditions, out)?;
                }
                (_, argument) => references(argument, conditions, out)?,
            }
        }
        Value::Object(map) => {
            for item in map.values() {
                references(item, conditions, out)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                references(item, conditions, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn sub_references(
    argument: &Value,
    conditions: &BTreeMap<String, bool>,
    out: &mut BTreeSet<String>,
) -> Result<(), TemplateError> {
    let (text, variables) = sub::operands(argument)?;
    for name in sub::variables(text)? {
        if variables.is_some_and(|v| v.contains_key(&name)) {
            continue;
        }
        let referenced = match name.split_once('.') {
            Some((resource, _)) if !name.starts_with("AWS::") => resource.to_string(),
            _ => name,
        };
        out.insert(referenced);
    }
    if let Some(variables) = variables {
        for value in variables.values() {
            references(value, conditions, out)?;
        }
    }
    Ok(())
}

/// The resources to create, dependencies first.
pub(super) fn creation_order(
    template: &Template,
    conditions: &BTreeMap<String, bool>,
) -> Result<Vec<String>, TemplateError> {
    let included = |name: &str| -> Result<bool, TemplateError> {
        match template.resources.get(name).and_then(|r| r.condition.as_ref()) {
            Some(condition) => {
                conditions
                    .get(condition)
                    .copied()
                    .ok_or_else(|| TemplateError::UnknownCondition {
                        name: condition.clone(),
                    })
            }
            None => Ok(true),
        }
    };
    let mut dependencies: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, resource) in &template.resources {
        if !included(name)? {
            continue;
        }
        let in_resource = |source| TemplateError::InResource {
            name: name.clone(),
            source: Box::new(source),
        };
        let mut referenced = BTreeSet::new();
        references(&resource.properties, conditions, &mut referenced).map_err(in_resource)?;
        for depended in &resource.depends_on {
            if !template.resources.contains_key(depended) {
                return Err(in_resource(TemplateError::invalid(
                    "DependsOn",
                    format!("{depended} is not a resource of the template"),
                )));
            }
            referenced.insert(depended.clone());
        }
        let mut needs = BTreeSet::new();
        for other in referenced {
            if let Some(target) = template.resources.get(&other) {
                if !included(&other)? {
                    let condition = target.condition.clone().unwrap_or_default();
                    return Err(in_resource(TemplateError::ConditionFalse {
                        name: other,
                        condition,
                    }));
                }
                needs.insert(other);
            } else if !other.starts_with("AWS::") && !template.parameters.contains_key(&other) {
                return Err(in_resource(TemplateError::UnknownReference { name: other }));
            }
        }
        dependencies.insert(name, needs);
    }
    topological(dependencies)
}

fn topological(mut dependencies: BTreeMap<&str, BTreeSet<String>>) -> Result<Vec<String>, TemplateError> {
    let mut order = Vec::with_capacity(dependencies.len());
    loop {
        let ready = dependencies
            .iter()
            .find(|(_, needs)| needs.iter().all(|n| !dependencies.contains_key(n.as_str())))
            .map(|(name, _)| *name);
        match ready {
            Some(name) => {
                dependencies.remove(name);
                order.push(name.to_string());
            }
            None if dependencies.is_empty() => return Ok(order),
            None => {
                return Err(TemplateError::DependencyCycle {
                    names: cycle(&dependencies),
                })
            }
        }
    }
}

/// A cycle among resources none of which can be created: follow dependencies until one repeats.
fn cycle(dependencies: &BTreeMap<&str, BTreeSet<String>>) -> Vec<String> {
    let mut path: Vec<String> = Vec::new();
    let mut current = dependencies.keys().next().map(|n| n.to_string());
    while let Some(name) = current {
        if let Some(start) = path.iter().position(|n| *n == name) {
            let mut names = path.split_off(start);
            names.push(name);
            return names;
        }
        current = dependencies.get(name.as_str()).and_then(|needs| {
            needs
                .iter()
                .find(|n| dependencies.contains_key(n.as_str()))
                .cloned()
        });
        path.push(name);
    }
    path
}
