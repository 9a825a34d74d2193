//! `Fn::Sub`'s string syntax: literal text, `${Name}` / `${Resource.Attribute}` variables, and `${!Literal}`,
//! which writes `${Literal}` itself.

use serde_json::{Map, Value};

use super::error::TemplateError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Literal(String),
    Variable(String),
}

pub(super) fn parse(text: &str) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            TemplateError::intrinsic("Fn::Sub", format!("{text:?} opens a ${{ that no }} closes"))
        })?;
        let inside = &after[..end];
        if let Some(escaped) = inside.strip_prefix('!') {
            literal.push_str("${");
            literal.push_str(escaped);
            literal.push('}');
        } else {
            let name = inside.trim();
            if name.is_empty() {
                return Err(TemplateError::intrinsic(
                    "Fn::Sub",
                    format!("{text:?} has an empty ${{}}"),
                ));
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Variable(name.to_string()));
        }
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// The variables a `Fn::Sub` string names.
pub(super) fn variables(text: &str) -> Result<Vec<String>, TemplateError> {
    Ok(parse(text)?
        .into_iter()
        .filter_map(|part| match part {
            Part::Variable(name) => Some(name),
            Part::Literal(_) => None,
        })
        .collect())
}

/// The variables map of `Fn::Sub`'s `[text, {variables}]` form.
pub(super) type Variables = Map<String, Value>;

/// `Fn::Sub`'s operands: the text, and the variables of the `[text, {variables}]` form.
pub(super) fn operands(argument: &Value) -> Result<(&str, Option<&Variables>), TemplateError> {
    match argument {
        Value::String(text) => Ok((text, None)),
        Value::Array(operands) if operands.len() == 2 => match (&operands[0], &operands[1]) {
            (Value::String(text), Value::Object(variables)) => Ok((text, Some(variables))),
            _ => Err(TemplateError::intrinsic(
                "Fn::Sub",
                "expected [text, {variables}]",
            )),
        },
        other => Err(TemplateError::intrinsic(
            "Fn::Sub",
            format!("expected text or [text, {{variables}}], got {other}"),
        )),
    }
}
