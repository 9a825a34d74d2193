//! A template's `Parameters` section and binding values to it: defaults, `AllowedValues`, `AllowedPattern`,
//! lengths and ranges, list types, `NoEcho` (kept out of `Debug`), and the pseudo parameters (`AWS::Region`, …).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use super::error::TemplateError;
use super::scalar_string;

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSpec {
    pub parameter_type: ParameterType,
    pub default: Option<String>,
    pub allowed_values: Vec<String>,
    pub allowed_pattern: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub no_echo: bool,
    pub description: Option<String>,
    pub constraint_description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterType {
    String,
    Number,
    /// `List<Number>`.
    NumberList,
    CommaDelimitedList,
    /// An AWS-specific type such as `AWS::EC2::KeyPair::KeyName`: a string latchkey cannot check against AWS.
    Aws(String),
    /// `List<AWS::…>`.
    AwsList(String),
    /// `AWS::SSM::Parameter::Value<…>`: its value would come from SSM Parameter Store, which latchkey has not.
    Ssm(String),
}

impl ParameterType {
    fn parse(name: &str, text: &str) -> Result<Self, TemplateError> {
        Ok(match text {
            "String" => Self::String,
            "Number" => Self::Number,
            "List<Number>" => Self::NumberList,
            "CommaDelimitedList" => Self::CommaDelimitedList,
            t if t.starts_with("AWS::SSM::Parameter::") => Self::Ssm(t.to_string()),
            t if t.starts_with("AWS::") => Self::Aws(t.to_string()),
            t if t.starts_with("List<AWS::") && t.ends_with('>') => Self::AwsList(t.to_string()),
            other => {
                return Err(TemplateError::ParameterValue {
                    name: name.to_string(),
                    message: format!("unknown parameter Type {other:?}"),
                })
            }
        })
    }

    fn is_list(&self) -> bool {
        matches!(
            self,
            Self::NumberList | Self::CommaDelimitedList | Self::AwsList(_)
        )
    }
}

impl ParameterSpec {
    pub(super) fn parse(name: &str, value: &Value) -> Result<Self, TemplateError> {
        let at = format!("Parameters.{name}");
        let object = value
            .as_object()
            .ok_or_else(|| TemplateError::invalid(&at, "must be a mapping"))?;
        let text = |key: &str| -> Result<Option<String>, TemplateError> {
            match object.get(key) {
                None => Ok(None),
                Some(v) => scalar_string(v)
                    .map(Some)
                    .ok_or_else(|| TemplateError::invalid(format!("{at}.{key}"), "must be a string")),
            }
        };
        let number = |key: &str| -> Result<Option<f64>, TemplateError> {
            text(key)?
                .map(|s| {
                    s.trim().parse::<f64>().map_err(|_| {
                        TemplateError::invalid(format!("{at}.{key}"), format!("{s:?} is not a number"))
                    })
                })
                .transpose()
        };
        let length = |key: &str| -> Result<Option<u64>, TemplateError> {
            text(key)?
                .map(|s| {
                    s.trim().parse::<u64>().map_err(|_| {
                        TemplateError::invalid(format!("{at}.{key}"), format!("{s:?} is not a length"))
                    })
                })
                .transpose()
        };
        let type_text = text("Type")?.ok_or_else(|| TemplateError::invalid(&at, "Type is required"))?;
        let default = match object.get("Default") {
            // A list default of a list type is written as its comma-separated text.
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|v| {
                        scalar_string(v).ok_or_else(|| TemplateError::invalid(&at, "Default must be text"))
                    })
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
            ),
            _ => text("Default")?,
        };
        let allowed_values = match object.get("AllowedValues") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    scalar_string(v).ok_or_else(|| {
                        TemplateError::invalid(format!("{at}.AllowedValues"), "must list strings")
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(TemplateError::invalid(
                    format!("{at}.AllowedValues"),
                    "must be a list",
                ))
            }
        };
        let no_echo = matches!(text("NoEcho")?.as_deref(), Some("true" | "True" | "TRUE"));
        Ok(Self {
            parameter_type: ParameterType::parse(name, &type_text)?,
            default,
            allowed_values,
            allowed_pattern: text("AllowedPattern")?,
            min_length: length("MinLength")?,
            max_length: length("MaxLength")?,
            min_value: number("MinValue")?,
            max_value: number("MaxValue")?,
            no_echo,
            description: text("Description")?,
            constraint_description: text("ConstraintDescription")?,
        })
    }

    /// Checks a given (or default) value and turns it into what `Ref` yields.
    fn bind(&self, name: &str, raw: &str) -> Result<ParameterValue, TemplateError> {
        let fail = |message: String| {
            let message = match &self.constraint_description {
                Some(description) => format!("{message} ({description})"),
                None => message,
            };
            TemplateError::ParameterValue {
                name: name.to_string(),
                message,
            }
        };
        if let ParameterType::Ssm(t) = &self.parameter_type {
            return Err(TemplateError::Unsupported {
                function: format!("parameter type {t} (of {name})"),
            });
        }
        let items: Vec<String> = if self.parameter_type.is_list() {
            raw.split(',').map(|item| item.trim().to_string()).collect()
        } else {
            vec![raw.to_string()]
        };
        for item in &items {
            let shown = if self.no_echo {
                "the value".to_string()
            } else {
                format!("{item:?}")
            };
            if !self.allowed_values.is_empty() && !self.allowed_values.contains(item) {
                return Err(fail(format!(
                    "{shown} is not one of the AllowedValues {:?}",
                    self.allowed_values
                )));
            }
            if matches!(
                self.parameter_type,
                ParameterType::Number | ParameterType::NumberList
            ) {
                let number: f64 = item
                    .parse()
                    .map_err(|_| fail(format!("{shown} is not a number")))?;
                if self.min_value.is_some_and(|min| number < min)
                    || self.max_value.is_some_and(|max| number > max)
                {
                    return Err(fail(format!(
                        "{shown} is outside MinValue {:?} .. MaxValue {:?}",
                        self.min_value, self.max_value
                    )));
                }
            }
        }
        let length = raw.chars().count() as u64;
        if self.min_length.is_some_and(|min| length < min) || self.max_length.is_some_and(|max| length > max)
        {
            return Err(fail(format!(
                "its length {length} is outside MinLength {:?} .. MaxLength {:?}",
                self.min_length, self.max_length
            )));
        }
        if let Some(pattern) = &self.allowed_pattern {
            // CloudFormation matches the whole value against AllowedPattern.
            let regex = regex::Regex::new(&format!("^(?:{pattern})$"))
                .map_err(|e| fail(format!("AllowedPattern is not a valid pattern: {e}")))?;
            if !regex.is_match(raw) {
                let shown = if self.no_echo {
                    "the value".to_string()
                } else {
                    format!("{raw:?}")
                };
                return Err(fail(format!("{shown} does not match AllowedPattern {pattern:?}")));
            }
        }
        Ok(if self.parameter_type.is_list() {
            ParameterValue::List(items)
        } else {
            ParameterValue::String(raw.to_string())
        })
    }
}

/// What `Ref` to a parameter yields: text, or a list for the list types.
#[derive(Clone, PartialEq, Eq)]
pub enum ParameterValue {
    String(String),
    List(Vec<String>),
}

impl ParameterValue {
    pub fn to_json(&self) -> Value {
        match self {
            Self::String(s) => Value::String(s.clone()),
            Self::List(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
        }
    }
}

/// The values of a template's parameters, bound by `Template::bind_parameters`, and the pseudo parameters.
#[derive(Clone, PartialEq)]
pub struct Parameters {
    values: BTreeMap<String, ParameterValue>,
    no_echo: BTreeSet<String>,
    pub pseudo: PseudoParameters,
}

impl Parameters {
    pub(super) fn bind(
        specs: &BTreeMap<String, ParameterSpec>,
        given: &BTreeMap<String, String>,
    ) -> Result<Self, TemplateError> {
        if let Some(unknown) = given.keys().find(|name| !specs.contains_key(*name)) {
            return Err(TemplateError::UnknownParameter {
                name: unknown.clone(),
            });
        }
        let mut values = BTreeMap::new();
        for (name, spec) in specs {
            let raw = given
                .get(name)
                .or(spec.default.as_ref())
                .ok_or_else(|| TemplateError::MissingParameter { name: name.clone() })?;
            values.insert(name.clone(), spec.bind(name, raw)?);
        }
        let no_echo = specs
            .iter()
            .filter(|(_, spec)| spec.no_echo)
            .map(|(name, _)| name.clone())
            .collect();
        Ok(Self {
            values,
            no_echo,
            pseudo: PseudoParameters::default(),
        })
    }

    /// Replaces the pseudo parameters (region, account, stack name) the bound values are resolved with.
    pub fn with_pseudo(mut self, pseudo: PseudoParameters) -> Self {
        self.pseudo = pseudo;
        self
    }

    pub fn get(&self, name: &str) -> Option<&ParameterValue> {
        self.values.get(name)
    }

    /// Whether the parameter is `NoEcho`: its value must not be printed or logged.
    pub fn is_no_echo(&self, name: &str) -> bool {
        self.no_echo.contains(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &ParameterValue)> {
        self.values.iter()
    }
}

/// `NoEcho` values never reach logs through `Debug`.
impl fmt::Debug for Parameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.values {
            if self.no_echo.contains(name) {
                map.entry(name, &"****");
            } else {
                map.entry(name, &value.to_json());
            }
        }
        map.finish()
    }
}

/// CloudFormation's pseudo parameters, as the stack being applied sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudoParameters {
    pub region: String,
    pub account_id: String,
    pub stack_name: String,
    pub stack_id: String,
    pub partition: String,
    pub url_suffix: String,
}

impl PseudoParameters {
    /// Derives the partition and URL suffix from the region, and a stack id from the other three.
    pub fn new(region: &str, account_id: &str, stack_name: &str) -> Self {
        let (partition, url_suffix) = if region.starts_with("cn-") {
            ("aws-cn", "amazonaws.com.cn")
        } else if region.starts_with("us-gov-") {
            ("aws-us-gov", "amazonaws.com")
        } else {
            ("aws", "amazonaws.com")
        };
        Self {
            region: region.to_string(),
            account_id: account_id.to_string(),
            stack_name: stack_name.to_string(),
            stack_id: format!(
                "arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/latchkey"
            ),
            partition: partition.to_string(),
            url_suffix: url_suffix.to_string(),
        }
    }

    /// The value of `AWS::<name>`; `None` for names that are not pseudo parameters (and for `AWS::NoValue`,
    /// which the resolver handles as the removal it is).
    pub fn lookup(&self, name: &str) -> Option<Value> {
        let text = match name {
            "AWS::Region" => &self.region,
            "AWS::AccountId" => &self.account_id,
            "AWS::StackName" => &self.stack_name,
            "AWS::StackId" => &self.stack_id,
            "AWS::Partition" => &self.partition,
            "AWS::URLSuffix" => &self.url_suffix,
            "AWS::NotificationARNs" => return Some(Value::Array(Vec::new())),
            _ => return None,
        };
        Some(Value::String(text.clone()))
    }
}

impl Default for PseudoParameters {
    /// The account matches `latchkey serve`'s default `account_id`.
    fn default() -> Self {
        Self::new("us-east-1", "123456789012", "latchkey")
    }
}
