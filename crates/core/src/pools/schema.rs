//! Pool schema: the standard attributes every Cognito pool has, and the rules for `custom:` attributes added at
//! creation (Schema) or later (AddCustomAttributes).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{CognitoError, Result};

/// Cognito allows at most 50 custom attributes per pool.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaAttribute {
    pub name: String,
    pub attribute_data_type: String,
    pub developer_only_attribute: bool,
    pub mutable: bool,
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_attribute_constraints: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_attribute_constraints: Option<Value>,
}

/// `SchemaAttributeType` as a request carries it: everything optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaAttributeInput {
    pub name: Option<String>,
    pub attribute_data_type: Option<String>,
    pub developer_only_attribute: Option<bool>,
    pub mutable: Option<bool>,
    pub required: Option<bool>,
    pub number_attribute_constraints: Option<Value>,
    pub string_attribute_constraints: Option<Value>,
}

/// (name, data type) of the standard attributes, in the order Cognito lists them.
const STANDARD: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
];

pub fn is_standard_attribute(name: &str) -> bool {
    STANDARD.iter().any(|(n, _)| *n == name)
}

/// The standard attributes with Cognito's defaults.
pub fn standard_attributes() -> Vec<SchemaAttribute> {
    STANDARD
        .iter()
        .map(|(name, ty)| {
            let (strings, numbers) = match (*name, *ty) {
                ("sub", _) => (Some(json!({"MinLength": "1", "MaxLength": "2048"})), None),
                ("birthdate", _) => (Some(json!({"MinLength": "10", "MaxLength": "10"})), None),
                (_, "String") => (Some(json!({"MinLength": "0", "MaxLength": "2048"})), None),
                (_, "Number") => (None, Some(json!({"MinValue": "0"}))),
                _ => (None, None),
            };
            SchemaAttribute {
                name: (*name).to_string(),
                attribute_data_type: (*ty).to_string(),
                developer_only_attribute: false,
                mutable: *name != "sub",
                required: *name == "sub",
                number_attribute_constraints: numbers,
                string_attribute_constraints: strings,
            }
        })
        .collect()
}

/// Builds a pool's schema from CreateUserPool's `Schema`: standard attributes may be made required or immutable,
/// every other name becomes a `custom:` (or `dev:custom:`) attribute.
pub fn schema_for_new_pool(inputs: Vec<SchemaAttributeInput>) -> Result<Vec<SchemaAttribute>> {
    let mut schema = standard_attributes();
    let mut custom = Vec::new();
    for input in inputs {
        let name = input.name.clone().unwrap_or_default();
        if let Some(std_attr) = schema.iter_mut().find(|a| a.name == name) {
            apply_to_standard(std_attr, input)?;
        } else {
            let attr = custom_attribute(input)?;
            if custom.iter().any(|a: &SchemaAttribute| a.name == attr.name) {
                return Err(CognitoError::invalid_parameter(format!(
                    "Duplicate attribute names are not allowed: {}",
                    attr.name
                )));
            }
            custom.push(attr);
        }
    }
    if custom.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(CognitoError::invalid_parameter(format!(
            "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )));
    }
    schema.extend(custom);
    Ok(schema)
}

fn apply_to_standard(attr: &mut SchemaAttribute, input: SchemaAttributeInput) -> Result<()> {
    if let Some(ty) = &input.attribute_data_type {
        if *ty != attr.attribute_data_type {
            return Err(CognitoError::invalid_parameter(format!(
                "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {}",
                attr.name
            )));
        }
    }
    if input.developer_only_attribute == Some(true) {
        return Err(CognitoError::invalid_parameter(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {}",
            attr.name
        )));
    }
    if attr.name == "sub" {
        // `sub` is always required and immutable; Cognito refuses to relax either.
        if input.required == Some(false) || input.mutable == Some(true) {
            return Err(CognitoError::invalid_parameter(
                "The sub attribute is required and immutable and cannot be changed.",
            ));
        }
        return Ok(());
    }
    if let Some(r) = input.required {
        attr.required = r;
    }
    if let Some(m) = input.mutable {
        attr.mutable = m;
    }
    if let Some(c) = input.string_attribute_constraints {
        attr.string_attribute_constraints = Some(check_string_constraints(&attr.name, c)?);
    }
    if let Some(c) = input.number_attribute_constraints {
        attr.number_attribute_constraints = Some(check_number_constraints(&attr.name, c)?);
    }
    Ok(())
}

/// A custom attribute from its input; the stored name carries the `custom:` (or `dev:custom:`) prefix.
pub fn custom_attribute(input: SchemaAttributeInput) -> Result<SchemaAttribute> {
    let raw = input.name.unwrap_or_default();
    let bare = raw.strip_prefix("custom:").unwrap_or(&raw).to_string();
    if bare.is_empty() {
        return Err(CognitoError::invalid_parameter(
            "Custom attribute name must not be empty.",
        ));
    }
    if input.required == Some(true) {
        return Err(CognitoError::invalid_parameter(
            "Required custom attributes are not supported currently.",
        ));
    }
    // Cognito has no default type for a custom attribute: one without AttributeDataType is refused.
    let data_type = input.attribute_data_type.ok_or_else(|| {
        CognitoError::invalid_parameter(
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
        )
    })?;
    let developer_only = input.developer_only_attribute.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    let (strings, numbers) = match data_type.as_str() {
        "String" => (
            Some(match input.string_attribute_constraints {
                Some(c) => check_string_constraints(&name, c)?,
                None => json!({}),
            }),
            None,
        ),
        "Number" => (
            None,
            Some(match input.number_attribute_constraints {
                Some(c) => check_number_constraints(&name, c)?,
                None => json!({}),
            }),
        ),
        _ => (None, None),
    };
    Ok(SchemaAttribute {
        name,
        attribute_data_type: data_type,
        developer_only_attribute: developer_only,
        mutable: input.mutable.unwrap_or(true),
        required: false,
        number_attribute_constraints: numbers,
        string_attribute_constraints: strings,
    })
}

fn int_member(c: &Value, key: &str, attr: &str) -> Result<Option<i64>> {
    match c.get(key).and_then(Value::as_str) {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            CognitoError::invalid_parameter(format!(
                "{key} of attribute {attr} must be an integer, got '{s}'."
            ))
        }),
    }
}

fn check_string_constraints(attr: &str, c: Value) -> Result<Value> {
    let min = int_member(&c, "MinLength", attr)?;
    let max = int_member(&c, "MaxLength", attr)?;
    if min.is_some_and(|m| !(0..=2048).contains(&m)) || max.is_some_and(|m| !(0..=2048).contains(&m)) {
        return Err(CognitoError::invalid_parameter(format!(
            "String constraints of attribute {attr} must be between 0 and 2048."
        )));
    }
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            return Err(CognitoError::invalid_parameter(format!(
                "MinLength of attribute {attr} cannot be greater than MaxLength."
            )));
        }
    }
    Ok(c)
}

fn check_number_constraints(attr: &str, c: Value) -> Result<Value> {
    if let (Some(a), Some(b)) = (
        int_member(&c, "MinValue", attr)?,
        int_member(&c, "MaxValue", attr)?,
    ) {
        if a > b {
            return Err(CognitoError::invalid_parameter(format!(
                "MinValue of attribute {attr} cannot be greater than MaxValue."
            )));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: Value) -> SchemaAttributeInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn standard_attributes_match_cognito_defaults() {
        let s = standard_attributes();
        assert_eq!(s.len(), 20);
        assert_eq!(s[0].name, "sub");
        assert!(s[0].required && !s[0].mutable);
        let email = s.iter().find(|a| a.name == "email").unwrap();
        assert_eq!(
            email.string_attribute_constraints,
            Some(json!({"MinLength": "0", "MaxLength": "2048"}))
        );
        let updated = s.iter().find(|a| a.name == "updated_at").unwrap();
        assert_eq!(
            updated.number_attribute_constraints,
            Some(json!({"MinValue": "0"}))
        );
    }

    #[test]
    fn custom_and_standard_from_schema() {
        let schema = schema_for_new_pool(vec![
            input(json!({"Name": "email", "Required": true, "Mutable": true})),
            input(
                json!({"Name": "tier", "AttributeDataType": "String", "Mutable": false,
                         "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "16"}}),
            ),
            input(json!({"Name": "secret", "AttributeDataType": "Number", "DeveloperOnlyAttribute": true})),
        ])
        .unwrap();
        assert!(schema.iter().find(|a| a.name == "email").unwrap().required);
        let tier = schema.iter().find(|a| a.name == "custom:tier").unwrap();
        assert!(!tier.mutable);
        assert!(schema.iter().any(|a| a.name == "dev:custom:secret"));
    }

    #[test]
    fn required_custom_attribute_is_refused() {
        let e = schema_for_new_pool(vec![input(json!({"Name": "x", "Required": true}))]).unwrap_err();
        assert_eq!(
            e.message(),
            "Required custom attributes are not supported currently."
        );
    }

    #[test]
    fn custom_attribute_without_a_data_type_is_refused() {
        for call in [
            schema_for_new_pool(vec![input(json!({"Name": "plan", "Mutable": true}))]),
            custom_attribute(input(json!({"Name": "plan"}))).map(|a| vec![a]),
        ] {
            let e = call.unwrap_err();
            assert_eq!(
                e.message(),
                "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
            );
        }
        // Standard attributes keep their own type, so theirs may be left out.
        assert!(schema_for_new_pool(vec![input(json!({"Name": "email", "Required": true}))]).is_ok());
    }

    #[test]
    fn bad_constraints_are_refused() {
        assert!(
            schema_for_new_pool(vec![input(json!({"Name": "x", "AttributeDataType": "String",
                   "StringAttributeConstraints": {"MinLength": "9", "MaxLength": "3"}}))])
            .is_err()
        );
        assert!(schema_for_new_pool(vec![input(
            json!({"Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "abc"}})
        )])
        .is_err());
        assert!(schema_for_new_pool(vec![input(
            json!({"Name": "email", "AttributeDataType": "Number"})
        )])
        .is_err());
    }
}
