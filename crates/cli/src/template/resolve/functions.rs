//! The resolver's text and list functions: `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`.

use serde_json::Value;

use super::super::error::TemplateError;
use super::super::scalar_string;
use super::super::sub::{self, Part};
use super::{operands, Resolver};

impl Resolver<'_> {
    pub(super) fn sub(&self, argument: &Value) -> Result<Value, TemplateError> {
        let (text, variables) = sub::operands(argument)?;
        let mut out = String::new();
        for part in sub::parse(text)? {
            match part {
                Part::Literal(literal) => out.push_str(&literal),
                Part::Variable(name) => {
                    let value = match variables.and_then(|v| v.get(&name)) {
                        Some(given) => self.resolve(given)?,
                        None => match name.split_once('.') {
                            Some((resource, attribute)) if !name.starts_with("AWS::") => {
                                self.attribute(resource, attribute)?
                            }
                            _ => self.named(&name)?.unwrap_or(Value::String(String::new())),
                        },
                    };
                    let text = scalar_string(&value).ok_or_else(|| {
                        TemplateError::intrinsic("Fn::Sub", format!("${{{name}}} is {value}, not text"))
                    })?;
                    out.push_str(&text);
                }
            }
        }
        Ok(Value::String(out))
    }

    pub(super) fn join(&self, argument: &Value) -> Result<Value, TemplateError> {
        let [delimiter, items] = operands::<2>("Fn::Join", argument)?;
        let delimiter = self.text("Fn::Join", delimiter)?;
        let items = self
            .list("Fn::Join", items)?
            .iter()
            .map(|item| {
                scalar_string(item).ok_or_else(|| {
                    TemplateError::intrinsic("Fn::Join", format!("cannot join {item}, it is not text"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Value::String(items.join(&delimiter)))
    }

    pub(super) fn select(&self, argument: &Value) -> Result<Value, TemplateError> {
        let [index, items] = operands::<2>("Fn::Select", argument)?;
        let index_text = self.text("Fn::Select", index)?;
        let index: usize = index_text
            .trim()
            .parse()
            .map_err(|_| TemplateError::intrinsic("Fn::Select", format!("{index_text:?} is not an index")))?;
        let items = self.list("Fn::Select", items)?;
        let count = items.len();
        items.into_iter().nth(index).ok_or_else(|| {
            TemplateError::intrinsic(
                "Fn::Select",
                format!("index {index} is out of range for a list of {count}"),
            )
        })
    }

    pub(super) fn split(&self, argument: &Value) -> Result<Value, TemplateError> {
        let [delimiter, source] = operands::<2>("Fn::Split", argument)?;
        let delimiter = self.text("Fn::Split", delimiter)?;
        if delimiter.is_empty() {
            return Err(TemplateError::intrinsic("Fn::Split", "the delimiter is empty"));
        }
        let source = self.text("Fn::Split", source)?;
        Ok(Value::Array(
            source
                .split(delimiter.as_str())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ))
    }

    pub(super) fn find_in_map(&self, argument: &Value) -> Result<Value, TemplateError> {
        let operands = match argument {
            Value::Array(operands) if operands.len() == 3 || operands.len() == 4 => operands,
            _ => {
                return Err(TemplateError::intrinsic(
                    "Fn::FindInMap",
                    "expected [Map, TopKey, SecondKey]",
                ))
            }
        };
        let map = self.text("Fn::FindInMap", &operands[0])?;
        let top = self.text("Fn::FindInMap", &operands[1])?;
        let second = self.text("Fn::FindInMap", &operands[2])?;
        let found = self
            .template
            .mappings
            .get(&map)
            .and_then(|m| m.get(&top))
            .and_then(|t| t.get(&second));
        match (found, operands.get(3)) {
            (Some(value), _) => Ok(value.clone()),
            (None, Some(Value::Object(options))) if options.contains_key("DefaultValue") => {
                self.resolve(&options["DefaultValue"])
            }
            (None, _) if !self.template.mappings.contains_key(&map) => Err(TemplateError::intrinsic(
                "Fn::FindInMap",
                format!("there is no mapping {map:?}"),
            )),
            (None, _) => Err(TemplateError::intrinsic(
                "Fn::FindInMap",
                format!("mapping {map:?} has no entry {top:?} / {second:?}"),
            )),
        }
    }
}
