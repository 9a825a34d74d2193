//! The `Conditions` section: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and `Condition` references, each
//! condition evaluated once, with cycles and runaway chains refused.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::TemplateError;
use super::resolve::Resolver;
use super::scalar_string;

/// Deeper chains of `Condition` references than this are refused rather than risking the stack.
const MAX_CHAIN: usize = 100;

struct State {
    done: BTreeMap<String, bool>,
    evaluating: Vec<String>,
}

/// Evaluates every condition of the resolver's template (the resolver must be one made for conditions).
pub(super) fn evaluate(resolver: &Resolver) -> Result<BTreeMap<String, bool>, TemplateError> {
    let mut state = State {
        done: BTreeMap::new(),
        evaluating: Vec::new(),
    };
    for name in resolver.template().conditions.keys() {
        named(resolver, name, &mut state)?;
    }
    Ok(state.done)
}

fn named(resolver: &Resolver, name: &str, state: &mut State) -> Result<bool, TemplateError> {
    if let Some(value) = state.done.get(name) {
        return Ok(*value);
    }
    if let Some(start) = state.evaluating.iter().position(|n| n == name) {
        let mut names = state.evaluating[start..].to_vec();
        names.push(name.to_string());
        return Err(TemplateError::ConditionCycle { names });
    }
    if state.evaluating.len() >= MAX_CHAIN {
        return Err(TemplateError::invalid(
            format!("Conditions.{name}"),
            format!("conditions refer to each other more than {MAX_CHAIN} deep"),
        ));
    }
    let expression =
        resolver
            .template()
            .conditions
            .get(name)
            .ok_or_else(|| TemplateError::UnknownCondition {
                name: name.to_string(),
            })?;
    state.evaluating.push(name.to_string());
    let value = expression_value(resolver, expression, state).map_err(|e| match e {
        TemplateError::ConditionCycle { .. } | TemplateError::UnknownCondition { .. } => e,
        other => TemplateError::invalid(format!("Conditions.{name}"), other.to_string()),
    })?;
    state.evaluating.pop();
    state.done.insert(name.to_string(), value);
    Ok(value)
}

fn expression_value(
    resolver: &Resolver,
    expression: &Value,
    state: &mut State,
) -> Result<bool, TemplateError> {
    let function = match expression {
        Value::Object(map) if map.len() == 1 => map.iter().next(),
        _ => None,
    };
    let Some((function, argument)) = function else {
        return Err(TemplateError::invalid(
            "condition",
            format!("{expression} is not Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition"),
        ));
    };
    match function.as_str() {
        "Fn::Equals" => {
            let [left, right] = super::resolve::operands::<2>("Fn::Equals", argument)?;
            Ok(same(&resolver.resolve(left)?, &resolver.resolve(right)?))
        }
        "Fn::And" | "Fn::Or" => {
            let operands = match argument {
                Value::Array(items) if (2..=10).contains(&items.len()) => items,
                _ => {
                    return Err(TemplateError::intrinsic(
                        function,
                        "expected a list of 2 to 10 conditions",
                    ))
                }
            };
            // Every operand is evaluated, so an error in any of them is reported whatever the others say.
            let values = operands
                .iter()
                .map(|operand| expression_value(resolver, operand, state))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if function == "Fn::And" {
                values.iter().all(|v| *v)
            } else {
                values.iter().any(|v| *v)
            })
        }
        "Fn::Not" => {
            let [operand] = super::resolve::operands::<1>("Fn::Not", argument)?;
            Ok(!expression_value(resolver, operand, state)?)
        }
        "Condition" => match argument {
            Value::String(name) => named(resolver, name, state),
            other => Err(TemplateError::intrinsic(
                "Condition",
                format!("expected a condition name, got {other}"),
            )),
        },
        other => Err(TemplateError::intrinsic(other, "is not a condition function")),
    }
}

/// CloudFormation compares values as text: `!Equals [!Ref Count, 1]` holds when Count is "1".
fn same(left: &Value, right: &Value) -> bool {
    match (scalar_string(left), scalar_string(right)) {
        (Some(l), Some(r)) => l == r,
        _ => left == right,
    }
}
