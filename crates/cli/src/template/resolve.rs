//! The resolver: turns a value tree with intrinsic functions into plain values, given the bound parameters, the
//! evaluated conditions, the mappings, and the outputs (Ref value and attributes) of the resources created so far.
//! `AWS::NoValue` removes the key or list item it stands in.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};

use super::conditions;
use super::error::TemplateError;
use super::model::Template;
use super::parameters::Parameters;
use super::scalar_string;
use super::sub::{self, Part};

/// What a created resource answers to `Ref` and `Fn::GetAtt`, e.g. for a user pool: Ref = the pool id,
/// attributes `Arn`, `ProviderName`, `ProviderURL`, `UserPoolId`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceOutputs {
    pub ref_value: String,
    pub attributes: BTreeMap<String, String>,
}

/// An output of the template, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedOutput {
    pub value: Value,
    pub description: Option<String>,
    pub export_name: Option<String>,
}

/// Functions that need AWS services latchkey does not stand in for.
const UNSUPPORTED: &[&str] = &[
    "Fn::GetAZs",
    "Fn::ImportValue",
    "Fn::Cidr",
    "Fn::Transform",
    "Fn::Length",
    "Fn::ToJsonString",
    "Fn::ForEach",
];

static NO_OUTPUTS: BTreeMap<String, ResourceOutputs> = BTreeMap::new();

pub struct Resolver<'a> {
    template: &'a Template,
    parameters: &'a Parameters,
    conditions: BTreeMap<String, bool>,
    outputs: &'a BTreeMap<String, ResourceOutputs>,
    /// While `Conditions` themselves are evaluated, which may not name resources.
    for_conditions: bool,
}

impl<'a> Resolver<'a> {
    /// Evaluates the template's conditions with these parameters; `outputs` holds the resources created so far.
    pub fn new(
        template: &'a Template,
        parameters: &'a Parameters,
        outputs: &'a BTreeMap<String, ResourceOutputs>,
    ) -> Result<Self, TemplateError> {
        let for_conditions = Resolver {
            template,
            parameters,
            conditions: BTreeMap::new(),
            outputs: &NO_OUTPUTS,
            for_conditions: true,
        };
        let conditions = conditions::evaluate(&for_conditions)?;
        Ok(Self {
            template,
            parameters,
            conditions,
            outputs,
            for_conditions: false,
        })
    }

    pub fn template(&self) -> &'a Template {
        self.template
    }

    pub fn parameters(&self) -> &'a Parameters {
        self.parameters
    }

    /// Every condition's value.
    pub fn conditions(&self) -> &BTreeMap<String, bool> {
        &self.conditions
    }

    pub fn condition(&self, name: &str) -> Result<bool, TemplateError> {
        self.conditions
            .get(name)
            .copied()
            .ok_or_else(|| TemplateError::UnknownCondition {
                name: name.to_string(),
            })
    }

    /// Whether the resource is part of this stack: it exists and its `Condition`, if any, is true.
    pub fn is_included(&self, logical_id: &str) -> Result<bool, TemplateError> {
        match self.template.resources.get(logical_id) {
            None => Err(TemplateError::UnknownReference {
                name: logical_id.to_string(),
            }),
            Some(resource) => resource
                .condition
                .as_deref()
                .map_or(Ok(true), |c| self.condition(c)),
        }
    }

    /// Resolves a value tree; a top-level `AWS::NoValue` becomes `null`.
    pub fn resolve(&self, value: &Value) -> Result<Value, TemplateError> {
        Ok(self.resolve_optional(value)?.unwrap_or(Value::Null))
    }

    /// Resolves a value tree; `None` when it is `AWS::NoValue` (or an `Fn::If` choosing it).
    pub fn resolve_optional(&self, value: &Value) -> Result<Option<Value>, TemplateError> {
        match value {
            Value::Object(map) if map.len() == 1 => {
                let Some((key, argument)) = map.iter().next() else {
                    return Ok(None);
                };
                if key == "Ref" {
                    self.reference(argument)
                } else if key.starts_with("Fn::") {
                    self.function(key, argument)
                } else {
                    self.object(map).map(Some)
                }
            }
            Value::Object(map) => self.object(map).map(Some),
            Value::Array(items) => {
                let mut resolved = Vec::with_capacity(items.len());
                for item in items {
                    resolved.extend(self.resolve_optional(item)?);
                }
                Ok(Some(Value::Array(resolved)))
            }
            scalar => Ok(Some(scalar.clone())),
        }
    }

    /// Resolves a value that must be text (numbers and booleans are written as text, as CloudFormation does).
    pub fn resolve_string(&self, value: &Value) -> Result<String, TemplateError> {
        let resolved = self.resolve(value)?;
        scalar_string(&resolved)
            .ok_or_else(|| TemplateError::invalid("value", format!("expected text, got {resolved}")))
    }

    /// A resource's properties, resolved; errors name the resource.
    pub fn resource_properties(&self, logical_id: &str) -> Result<Value, TemplateError> {
        let in_resource = |source| TemplateError::InResource {
            name: logical_id.to_string(),
            source: Box::new(source),
        };
        let resource =
            self.template
                .resources
                .get(logical_id)
                .ok_or_else(|| TemplateError::UnknownReference {
                    name: logical_id.to_string(),
                })?;
        self.resolve(&resource.properties).map_err(in_resource)
    }

    /// The outputs whose condition holds, resolved; errors name the output.
    pub fn outputs(&self) -> Result<BTreeMap<String, ResolvedOutput>, TemplateError> {
        let mut resolved = BTreeMap::new();
        for (name, output) in &self.template.outputs {
            let in_output = |source| TemplateError::InOutput {
                name: name.clone(),
                source: Box::new(source),
            };
            if let Some(condition) = &output.condition {
                if !self.condition(condition)? {
                    continue;
                }
            }
            let value = self.resolve(&output.value).map_err(in_output)?;
            let export_name = output
                .export_name
                .as_ref()
                .map(|e| self.resolve_string(e))
                .transpose()
                .map_err(in_output)?;
            resolved.insert(
                name.clone(),
                ResolvedOutput {
                    value,
                    description: output.description.clone(),
                    export_name,
                },
            );
        }
        Ok(resolved)
    }

    fn object(&self, map: &Map<String, Value>) -> Result<Value, TemplateError> {
        let mut resolved = Map::new();
        for (key, value) in map {
            if let Some(value) = self.resolve_optional(value)? {
                resolved.insert(key.clone(), value);
            }
        }
        Ok(Value::Object(resolved))
    }

    fn reference(&self, argument: &Value) -> Result<Option<Value>, TemplateError> {
        let Value::String(name) = argument else {
            return Err(TemplateError::intrinsic(
                "Ref",
                format!("expected a logical id, got {argument}"),
            ));
        };
        self.named(name)
    }

    /// What `Ref name` (or `${name}` in `Fn::Sub`) stands for.
    fn named(&self, name: &str) -> Result<Option<Value>, TemplateError> {
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(value) = self.parameters.pseudo.lookup(name) {
            return Ok(Some(value));
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(Some(value.to_json()));
        }
        Ok(Some(Value::String(self.created(name)?.ref_value.clone())))
    }

    /// The outputs of a resource the value refers to, or why there are none.
    fn created(&self, name: &str) -> Result<&'a ResourceOutputs, TemplateError> {
        let resource = self
            .template
            .resources
            .get(name)
            .ok_or_else(|| TemplateError::UnknownReference {
                name: name.to_string(),
            })?;
        if self.for_conditions {
            return Err(TemplateError::invalid(
                "Conditions",
                format!("cannot refer to resource {name}"),
            ));
        }
        if let Some(condition) = &resource.condition {
            if !self.condition(condition)? {
                return Err(TemplateError::ConditionFalse {
                    name: name.to_string(),
                    condition: condition.clone(),
                });
            }
        }
        if let Some(outputs) = self.outputs.get(name) {
            return Ok(outputs);
        }
        if resource.kind == super::ResourceKind::Skipped {
            return Err(TemplateError::SkippedReference {
                name: name.to_string(),
                resource_type: resource.resource_type.clone(),
            });
        }
        Err(TemplateError::NotCreated {
            name: name.to_string(),
        })
    }

    fn attribute(&self, name: &str, attribute: &str) -> Result<Value, TemplateError> {
        let resource = self
            .template
            .resources
            .get(name)
            .ok_or_else(|| TemplateError::UnknownReference {
                name: name.to_string(),
            })?;
        if let Some(known) = resource.kind.attributes() {
            if !known.contains(&attribute) {
                return Err(TemplateError::UnknownAttribute {
                    name: name.to_string(),
                    resource_type: resource.resource_type.clone(),
                    attribute: attribute.to_string(),
                    known: if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    },
                });
            }
        }
        let outputs = self.created(name)?;
        outputs
            .attributes
            .get(attribute)
            .map(|v| Value::String(v.clone()))
            .ok_or_else(|| TemplateError::MissingAttribute {
                name: name.to_string(),
                attribute: attribute.to_string(),
            })
    }

    fn function(&self, function: &str, argument: &Value) -> Result<Option<Value>, TemplateError> {
        let value = match function {
            "Fn::GetAtt" => self.get_att(argument)?,
            "Fn::Sub" => self.sub(argument)?,
            "Fn::Join" => self.join(argument)?,
            "Fn::Select" => self.select(argument)?,
            "Fn::Split" => self.split(argument)?,
            "Fn::FindInMap" => self.find_in_map(argument)?,
            "Fn::If" => return self.if_(argument),
            "Fn::Base64" => {
                let text = self.text(function, argument)?;
                Value::String(base64::engine::general_purpose::STANDARD.encode(text))
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                return Err(TemplateError::intrinsic(
                    function,
                    "is allowed only in Conditions",
                ))
            }
            f if UNSUPPORTED.contains(&f) => {
                return Err(TemplateError::Unsupported {
                    function: f.to_string(),
                })
            }
            other => {
                return Err(TemplateError::intrinsic(
                    other,
                    "is not a CloudFormation function",
                ))
            }
        };
        Ok(Some(value))
    }

    /// Resolves an operand that must be text.
    fn text(&self, function: &str, value: &Value) -> Result<String, TemplateError> {
        let resolved = self.resolve(value)?;
        scalar_string(&resolved)
            .ok_or_else(|| TemplateError::intrinsic(function, format!("expected text, got {resolved}")))
    }

    fn list(&self, function: &str, value: &Value) -> Result<Vec<Value>, TemplateError> {
        match self.resolve(value)? {
            Value::Array(items) => Ok(items),
            other => Err(TemplateError::intrinsic(
                function,
                format!("expected a list, got {other}"),
            )),
        }
    }

    fn get_att(&self, argument: &Value) -> Result<Value, TemplateError> {
        match argument {
            Value::Array(operands) if operands.len() == 2 => {
                let Value::String(name) = &operands[0] else {
                    return Err(TemplateError::intrinsic(
                        "Fn::GetAtt",
                        "the resource must be a logical id",
                    ));
                };
                let attribute = self.text("Fn::GetAtt", &operands[1])?;
                self.attribute(name, &attribute)
            }
            Value::String(dotted) => match dotted.split_once('.') {
                Some((name, attribute)) => self.attribute(name, attribute),
                None => Err(TemplateError::intrinsic(
                    "Fn::GetAtt",
                    format!("{dotted:?} is not Resource.Attribute"),
                )),
            },
            other => Err(TemplateError::intrinsic(
                "Fn::GetAtt",
                format!("expected [Resource, Attribute], got {other}"),
            )),
        }
    }

    fn sub(&self, argument: &Value) -> Result<Value, TemplateError> {
        let (text, variables) = match argument {
            Value::String(text) => (text, None),
            Value::Array(operands) if operands.len() == 2 => match (&operands[0], &operands[1]) {
                (Value::String(text), Value::Object(variables)) => (text, Some(variables)),
                _ => {
                    return Err(TemplateError::intrinsic(
                        "Fn::Sub",
                        "expected [text, {variables}]",
                    ))
                }
            },
            other => {
                return Err(TemplateError::intrinsic(
                    "Fn::Sub",
                    format!("expected text or [text, {{variables}}], got {other}"),
                ))
            }
        };
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

    fn join(&self, argument: &Value) -> Result<Value, TemplateError> {
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

    fn select(&self, argument: &Value) -> Result<Value, TemplateError> {
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

    fn split(&self, argument: &Value) -> Result<Value, TemplateError> {
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

    fn find_in_map(&self, argument: &Value) -> Result<Value, TemplateError> {
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

    fn if_(&self, argument: &Value) -> Result<Option<Value>, TemplateError> {
        let [condition, when_true, when_false] = operands::<3>("Fn::If", argument)?;
        let Value::String(condition) = condition else {
            return Err(TemplateError::intrinsic(
                "Fn::If",
                "the first operand must name a condition",
            ));
        };
        self.resolve_optional(if self.condition(condition)? {
            when_true
        } else {
            when_false
        })
    }
}

/// A function's operand list of exactly `N` items.
pub(super) fn operands<'v, const N: usize>(
    function: &str,
    argument: &'v Value,
) -> Result<[&'v Value; N], TemplateError> {
    let items = match argument {
        Value::Array(items) if items.len() == N => items,
        other => {
            return Err(TemplateError::intrinsic(
                function,
                format!("expected a list of {N} operands, got {other}"),
            ))
        }
    };
    let mut out = [&Value::Null; N];
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = item;
    }
    Ok(out)
}
