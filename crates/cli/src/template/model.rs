//! The `Template` model: a parsed template's sections, checked for shape (types, logical ids, references to
//! conditions), with SAM's Globals merged into the resources and SAM's implicit API added, as SAM does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::TemplateError;
use super::globals;
use super::kinds::ResourceKind;
use super::parameters::{ParameterSpec, Parameters};
use super::source;

/// The only transform latchkey understands.
pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// The logical id SAM gives the API it makes for functions' `Api` events that name no `RestApiId`.
pub const IMPLICIT_API: &str = "ServerlessRestApi";

/// The stage of SAM's implicit API.
pub const IMPLICIT_API_STAGE: &str = "Prod";

const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Globals",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub format_version: Option<String>,
    pub description: Option<String>,
    pub transforms: Vec<String>,
    pub parameters: BTreeMap<String, ParameterSpec>,
    /// `Mappings`: map name → top-level key → second-level key → value.
    pub mappings: Map<String, Value>,
    /// `Conditions`: name → condition expression (evaluated by `Resolver::new`).
    pub conditions: Map<String, Value>,
    pub resources: BTreeMap<String, Resource>,
    pub outputs: BTreeMap<String, Output>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub resource_type: String,
    pub kind: ResourceKind,
    /// Always an object (empty when the template has no `Properties`), with SAM Globals merged in.
    pub properties: Value,
    pub depends_on: Vec<String>,
    pub condition: Option<String>,
    /// `Delete` (CloudFormation's default when absent), `Retain`, `RetainExceptOnCreate` or `Snapshot`.
    pub deletion_policy: Option<String>,
    pub update_replace_policy: Option<String>,
    /// Made by SAM's rules rather than written in the template (the implicit `ServerlessRestApi`).
    pub implicit: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub value: Value,
    pub description: Option<String>,
    pub condition: Option<String>,
    /// `Export.Name`, unresolved.
    pub export_name: Option<Value>,
}

impl Template {
    /// Parses and checks a template (YAML or JSON).
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let root = source::parse_text(text)?;
        let Value::Object(mut root) = root else {
            return Err(TemplateError::invalid(
                "the template",
                "must be a mapping of sections",
            ));
        };
        if let Some(unknown) = root.keys().find(|key| !SECTIONS.contains(&key.as_str())) {
            return Err(TemplateError::invalid(unknown, "is not a template section"));
        }
        let transforms = transforms(root.get("Transform"))?;
        let is_sam = transforms.iter().any(|t| t == SAM_TRANSFORM);
        let parameters = object_section(&root, "Parameters")?
            .iter()
            .map(|(name, spec)| {
                check_logical_id("Parameters", name)?;
                Ok((name.clone(), ParameterSpec::parse(name, spec)?))
            })
            .collect::<Result<BTreeMap<_, _>, TemplateError>>()?;
        let mappings = object_section(&root, "Mappings")?;
        let conditions = object_section(&root, "Conditions")?;
        let mut resources = BTreeMap::new();
        let Some(Value::Object(resource_section)) = root.remove("Resources") else {
            return Err(TemplateError::invalid(
                "Resources",
                "is required and must be a mapping",
            ));
        };
        for (name, body) in resource_section {
            check_logical_id("Resources", &name)?;
            if parameters.contains_key(&name) {
                return Err(TemplateError::invalid(
                    format!("Resources.{name}"),
                    "has the same logical id as a parameter",
                ));
            }
            let resource = Resource::parse(&name, body, &conditions)?;
            if resource.resource_type.starts_with("AWS::Serverless::") && !is_sam {
                return Err(TemplateError::invalid(
                    format!("Resources.{name}"),
                    format!("{} needs Transform: {SAM_TRANSFORM}", resource.resource_type),
                ));
            }
            resources.insert(name, resource);
        }
        if is_sam {
            add_implicit_api(&mut resources);
        }
        match root.get("Globals") {
            Some(g) if is_sam => globals::apply(g, &mut resources)?,
            Some(_) => {
                return Err(TemplateError::invalid(
                    "Globals",
                    format!("needs Transform: {SAM_TRANSFORM}"),
                ))
            }
            None => {}
        }
        let outputs = object_section(&root, "Outputs")?
            .into_iter()
            .map(|(name, body)| Ok((name.clone(), Output::parse(&name, body, &conditions)?)))
            .collect::<Result<_, TemplateError>>()?;
        Ok(Self {
            format_version: optional_text(&root, "AWSTemplateFormatVersion")?,
            description: optional_text(&root, "Description")?,
            transforms,
            parameters,
            mappings,
            conditions,
            resources,
            outputs,
        })
    }

    /// Binds values to the declared parameters: defaults fill the gaps; a missing value, an unknown name or a
    /// value breaking its constraints is an error naming the parameter. Pseudo parameters are the defaults
    /// (`us-east-1`, account `123456789012`, stack `latchkey`) until `Parameters::with_pseudo`.
    pub fn bind_parameters(&self, given: &BTreeMap<String, String>) -> Result<Parameters, TemplateError> {
        Parameters::bind(&self.parameters, given)
    }

    pub fn is_sam(&self) -> bool {
        self.transforms.iter().any(|t| t == SAM_TRANSFORM)
    }

    /// The resources latchkey neither creates nor serves, by logical id, with their types: to be listed to the
    /// user, never silently dropped.
    pub fn skipped_resources(&self) -> Vec<(&str, &str)> {
        self.resources
            .iter()
            .filter(|(_, r)| r.kind == ResourceKind::Skipped)
            .map(|(name, r)| (name.as_str(), r.resource_type.as_str()))
            .collect()
    }
}

impl Resource {
    fn parse(name: &str, body: Value, conditions: &Map<String, Value>) -> Result<Self, TemplateError> {
        let at = format!("Resources.{name}");
        let Value::Object(mut body) = body else {
            return Err(TemplateError::invalid(at, "must be a mapping"));
        };
        let resource_type = match body.remove("Type") {
            Some(Value::String(t)) => t,
            _ => {
                return Err(TemplateError::invalid(
                    format!("{at}.Type"),
                    "is required and must be a string",
                ))
            }
        };
        let properties = match body.remove("Properties") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(p @ Value::Object(_)) => p,
            Some(_) => {
                return Err(TemplateError::invalid(
                    format!("{at}.Properties"),
                    "must be a mapping",
                ))
            }
        };
        let depends_on = match body.remove("DependsOn") {
            None => Vec::new(),
            Some(Value::String(one)) => vec![one],
            Some(Value::Array(many)) => many
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(TemplateError::invalid(
                        format!("{at}.DependsOn"),
                        "must list logical ids",
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(TemplateError::invalid(
                    format!("{at}.DependsOn"),
                    "must be a logical id or a list",
                ))
            }
        };
        let condition = condition_name(&at, body.get("Condition"), conditions)?;
        let deletion_policy = policy(&at, "DeletionPolicy", body.get("DeletionPolicy"))?;
        let update_replace_policy = policy(&at, "UpdateReplacePolicy", body.get("UpdateReplacePolicy"))?;
        Ok(Self {
            kind: ResourceKind::of_type(&resource_type),
            resource_type,
            properties,
            depends_on,
            condition,
            deletion_policy,
            update_replace_policy,
            implicit: false,
        })
    }

    /// A property of the (Globals-merged, unresolved) properties.
    pub fn property(&self, key: &str) -> Option<&Value> {
        self.properties.get(key)
    }
}

impl Output {
    fn parse(name: &str, body: Value, conditions: &Map<String, Value>) -> Result<Self, TemplateError> {
        let at = format!("Outputs.{name}");
        let Value::Object(mut body) = body else {
            return Err(TemplateError::invalid(at, "must be a mapping"));
        };
        let value = body
            .remove("Value")
            .ok_or_else(|| TemplateError::invalid(&at, "Value is required"))?;
        let export_name = match body.remove("Export") {
            None => None,
            Some(Value::Object(mut export)) => Some(
                export
                    .remove("Name")
                    .ok_or_else(|| TemplateError::invalid(format!("{at}.Export"), "needs a Name"))?,
            ),
            Some(_) => {
                return Err(TemplateError::invalid(
                    format!("{at}.Export"),
                    "must be a mapping",
                ))
            }
        };
        Ok(Self {
            value,
            description: body
                .get("Description")
                .and_then(Value::as_str)
                .map(str::to_string),
            condition: condition_name(&at, body.get("Condition"), conditions)?,
            export_name,
        })
    }
}

/// SAM makes `ServerlessRestApi` (stage `Prod`) when a function has an `Api` event naming no `RestApiId`.
fn add_implicit_api(resources: &mut BTreeMap<String, Resource>) {
    let needed = resources
        .values()
        .filter(|r| r.kind == ResourceKind::ServerlessFunction)
        .any(|function| {
            function
                .property("Events")
                .and_then(Value::as_object)
                .is_some_and(|events| {
                    events.values().any(|event| {
                        event.get("Type").and_then(Value::as_str) == Some("Api")
                            && event.get("Properties").and_then(|p| p.get("RestApiId")).is_none()
                    })
                })
        });
    if needed && !resources.contains_key(IMPLICIT_API) {
        let properties = Value::Object(Map::from_iter([(
            "StageName".to_string(),
            IMPLICIT_API_STAGE.into(),
        )]));
        resources.insert(
            IMPLICIT_API.to_string(),
            Resource {
                resource_type: "AWS::Serverless::Api".to_string(),
                kind: ResourceKind::ServerlessApi,
                properties,
                depends_on: Vec::new(),
                condition: None,
                deletion_policy: None,
                update_replace_policy: None,
                implicit: true,
            },
        );
    }
}

fn transforms(value: Option<&Value>) -> Result<Vec<String>, TemplateError> {
    let names: Vec<String> = match value {
        None => Vec::new(),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| TemplateError::invalid("Transform", "must name transforms"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(TemplateError::invalid(
                "Transform",
                "must be a name or a list of names",
            ))
        }
    };
    if let Some(other) = names.iter().find(|n| *n != SAM_TRANSFORM) {
        return Err(TemplateError::Unsupported {
            function: format!("Transform {other}"),
        });
    }
    Ok(names)
}

fn object_section(root: &Map<String, Value>, section: &str) -> Result<Map<String, Value>, TemplateError> {
    match root.get(section) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(TemplateError::invalid(section, "must be a mapping")),
    }
}

fn optional_text(root: &Map<String, Value>, key: &str) -> Result<Option<String>, TemplateError> {
    match root.get(key) {
        None => Ok(None),
        Some(v) => super::scalar_string(v)
            .map(Some)
            .ok_or_else(|| TemplateError::invalid(key, "must be a string")),
    }
}

fn condition_name(
    at: &str,
    value: Option<&Value>,
    conditions: &Map<String, Value>,
) -> Result<Option<String>, TemplateError> {
    match value {
        None => Ok(None),
        Some(Value::String(name)) if conditions.contains_key(name) => Ok(Some(name.clone())),
        Some(Value::String(name)) => Err(TemplateError::UnknownCondition { name: name.clone() }),
        Some(_) => Err(TemplateError::invalid(
            format!("{at}.Condition"),
            "must name a condition",
        )),
    }
}

fn policy(at: &str, key: &str, value: Option<&Value>) -> Result<Option<String>, TemplateError> {
    match value {
        None => Ok(None),
        Some(Value::String(p))
            if ["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"].contains(&p.as_str()) =>
        {
            Ok(Some(p.clone()))
        }
        Some(other) => Err(TemplateError::invalid(
            format!("{at}.{key}"),
            format!("{other} is not Delete, Retain, RetainExceptOnCreate or Snapshot"),
        )),
    }
}

/// CloudFormation logical ids are alphanumeric; checking it keeps `${Name.Attr}` in `Fn::Sub` unambiguous.
fn check_logical_id(section: &str, name: &str) -> Result<(), TemplateError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(TemplateError::invalid(
            format!("{section}.{name}"),
            "a logical id must be alphanumeric",
        ));
    }
    Ok(())
}
