//! Template text to a JSON value tree: JSON as is, YAML with CloudFormation's short-form tags rewritten to their
//! long forms (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` →
//! `{"Fn::Sub": s}`, …), so everything after this module sees one shape. Hostile input is bounded: the text's
//! size, the number of values after alias expansion, duplicate keys and unknown tags are all refused.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_yaml_ng::value::TaggedValue;

use super::error::TemplateError;

/// CloudFormation refuses template bodies over 1 MB (from S3); so do we.
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

/// The most values a template may expand to: far above any real template, far below what an alias bomb reaches.
const MAX_NODES: usize = 1_000_000;

/// Short-form tags whose long form is `{"Fn::<Name>": value}`.
const FN_TAGS: &[&str] = &[
    "Sub",
    "Join",
    "If",
    "Select",
    "Split",
    "FindInMap",
    "Equals",
    "And",
    "Or",
    "Not",
    "Base64",
    "GetAZs",
    "ImportValue",
    "Cidr",
];

/// Parses a template's text, JSON when it starts with `{`, YAML otherwise.
pub fn parse_text(text: &str) -> Result<Value, TemplateError> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::TooLarge {
            size: text.len(),
            limit: MAX_TEMPLATE_BYTES,
        });
    }
    if text.trim_start().starts_with('{') {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
}

fn parse_json(text: &str) -> Result<Value, TemplateError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let StrictJson(value) = StrictJson::deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| TemplateError::Syntax {
            format: "JSON",
            message: e.to_string(),
        })?;
    Ok(value)
}

fn parse_yaml(text: &str) -> Result<Value, TemplateError> {
    // serde_yaml_ng refuses duplicate keys and bounds alias repetition and nesting depth itself.
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| TemplateError::Syntax {
        format: "YAML",
        message: e.to_string(),
    })?;
    let mut budget = MAX_NODES;
    convert(yaml, &mut budget)
}

fn convert(yaml: serde_yaml_ng::Value, budget: &mut usize) -> Result<Value, TemplateError> {
    use serde_yaml_ng::Value as Y;
    *budget = budget
        .checked_sub(1)
        .ok_or(TemplateError::TooManyNodes { limit: MAX_NODES })?;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => Value::Number(number(&n)?),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|v| convert(v, budget))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                map.insert(key_string(key)?, convert(value, budget)?);
            }
            Value::Object(map)
        }
        Y::Tagged(tagged) => short_form(*tagged, budget)?,
    })
}

fn number(n: &serde_yaml_ng::Number) -> Result<Number, TemplateError> {
    if let Some(i) = n.as_i64() {
        return Ok(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Ok(u.into());
    }
    n.as_f64()
        .and_then(Number::from_f64)
        .ok_or_else(|| TemplateError::Syntax {
            format: "YAML",
            message: format!("{n} is not a finite number"),
        })
}

/// CloudFormation keys are strings; YAML lets `1:` or `true:` be keys, which mean their text.
fn key_string(key: serde_yaml_ng::Value) -> Result<String, TemplateError> {
    use serde_yaml_ng::Value as Y;
    match key {
        Y::String(s) => Ok(s),
        Y::Number(n) => Ok(n.to_string()),
        Y::Bool(b) => Ok(b.to_string()),
        other => Err(TemplateError::Syntax {
            format: "YAML",
            message: format!("a mapping key must be a string, not {other:?}"),
        }),
    }
}

fn short_form(tagged: TaggedValue, budget: &mut usize) -> Result<Value, TemplateError> {
    let tag = tagged.tag.to_string();
    let name = tag.trim_start_matches('!');
    let inner = convert(tagged.value, budget)?;
    let (key, value) = match name {
        "Ref" => ("Ref".to_string(), inner),
        "Condition" => ("Condition".to_string(), inner),
        "GetAtt" => ("Fn::GetAtt".to_string(), get_att_operands(inner)?),
        _ if FN_TAGS.contains(&name) => (format!("Fn::{name}"), inner),
        _ => return Err(TemplateError::UnknownTag { tag }),
    };
    Ok(Value::Object(Map::from_iter([(key, value)])))
}

/// `!GetAtt Res.Attr` splits at the first dot (attributes such as `Endpoint.Address` keep theirs); the list form
/// passes through.
fn get_att_operands(inner: Value) -> Result<Value, TemplateError> {
    match inner {
        Value::String(s) => match s.split_once('.') {
            Some((resource, attribute)) if !resource.is_empty() && !attribute.is_empty() => {
                Ok(Value::Array(vec![resource.into(), attribute.into()]))
            }
            _ => Err(TemplateError::intrinsic(
                "Fn::GetAtt",
                format!("{s:?} is not of the form Resource.Attribute"),
            )),
        },
        list @ Value::Array(_) => Ok(list),
        other => Err(TemplateError::intrinsic(
            "Fn::GetAtt",
            format!("expected Resource.Attribute, got {other}"),
        )),
    }
}

/// A JSON value whose objects may not repeat a key (serde_json's own `Value` keeps the last silently).
struct StrictJson(Value);

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(n.into())
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(n.into())
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Value, E> {
        Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| E::custom("not a finite number"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            let StrictJson(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}
