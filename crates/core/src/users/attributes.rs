//! User attributes against the pool's schema: names that exist, values that fit their type and constraints,
//! required and immutable attributes, and which attributes a client may write.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clients::AppClient;
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::schema::SchemaAttribute;
use crate::pools::UserPool;
use crate::users::User;

/// Cognito's `AttributeType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeInput {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

pub const VERIFIED_FLAGS: &[&str] = &["email_verified", "phone_number_verified"];

fn schema_error(detail: String) -> CognitoError {
    CognitoError::invalid_parameter(format!("Attributes did not conform to the schema: {detail}"))
}

fn schema_of<'a>(pool: &'a UserPool, name: &str) -> Option<&'a SchemaAttribute> {
    pool.schema_attributes.iter().find(|a| a.name == name)
}

fn constraint(c: &Option<Value>, key: &str) -> Option<i64> {
    c.as_ref()
        .and_then(|c| c.get(key))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// An email address as Cognito accepts one for the `email` attribute.
pub(crate) fn check_email(v: &str) -> crate::error::Result<()> {
    if looks_like_email(v) {
        Ok(())
    } else {
        Err(CognitoError::invalid_parameter("Invalid email address format."))
    }
}

fn looks_like_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn looks_like_phone(v: &str) -> bool {
    v.len() >= 8 && v.len() <= 16 && v.starts_with('+') && v[1..].chars().all(|c| c.is_ascii_digit())
}

/// A Boolean attribute's value as stored: Cognito accepts `true`/`false` in any case ("True", as the AWS
/// documentation writes it) and keeps them lowercase. `None` for anything else.
fn normalize_boolean(value: &str) -> Option<&'static str> {
    if value.eq_ignore_ascii_case("true") {
        Some("true")
    } else if value.eq_ignore_ascii_case("false") {
        Some("false")
    } else {
        None
    }
}

/// Checks one attribute value against its schema entry; returns the value as it is stored.
fn check_value(pool: &UserPool, name: &str, value: String) -> Result<String> {
    let Some(schema) = schema_of(pool, name) else {
        return Err(schema_error(format!(
            "Type for attribute {{{name}}} could not be determined"
        )));
    };
    if value.len() > 2048 {
        return Err(schema_error(format!(
            "{name}: String must be no longer than 2048 characters"
        )));
    }
    match schema.attribute_data_type.as_str() {
        "String" => {
            let len = value.chars().count() as i64;
            if let Some(max) =
                constraint(&schema.string_attribute_constraints, "MaxLength").filter(|m| len > *m)
            {
                return Err(schema_error(format!(
                    "{name}: String must be no longer than {max} characters"
                )));
            }
            if let Some(min) =
                constraint(&schema.string_attribute_constraints, "MinLength").filter(|m| len < *m && len > 0)
            {
                return Err(schema_error(format!(
                    "{name}: String must be at least {min} characters"
                )));
            }
        }
        "Number" => {
            let n: f64 = value
                .parse()
                .map_err(|_| schema_error(format!("{name}: Number must be a valid number")))?;
            if let Some(max) =
                constraint(&schema.number_attribute_constraints, "MaxValue").filter(|m| n > *m as f64)
            {
                return Err(schema_error(format!(
                    "{name}: Number must be no greater than {max}"
                )));
            }
            if let Some(min) =
                constraint(&schema.number_attribute_constraints, "MinValue").filter(|m| n < *m as f64)
            {
                return Err(schema_error(format!("{name}: Number must be no less than {min}")));
            }
        }
        "Boolean" => {
            return normalize_boolean(&value)
                .map(str::to_string)
                .ok_or_else(|| schema_error(format!("{name}: Boolean must be true or false")));
        }
        _ => {}
    }
    if name == "email" {
        check_email(&value)?;
    }
    if name == "phone_number" && !looks_like_phone(&value) {
        return Err(CognitoError::invalid_parameter("Invalid phone number format."));
    }
    Ok(value)
}

/// Who is writing: a user through an app client (its WriteAttributes apply, `*_verified` is off limits unless
/// the client lists it) or an administrator (anything in the schema).
#[derive(Clone, Copy)]
pub enum Writer<'a> {
    Client(&'a AppClient),
    Admin,
}

fn may_write(writer: Writer, name: &str) -> bool {
    match writer {
        Writer::Admin => true,
        Writer::Client(c) => match &c.write_attributes {
            Some(list) => list.iter().any(|a| a == name),
            None => !VERIFIED_FLAGS.contains(&name),
        },
    }
}

/// Validates a set of attribute writes (not yet applied); returns them as (name, Some(value)) pairs with
/// `custom:` names kept as given.
pub fn validate_writes(
    pool: &UserPool,
    writer: Writer,
    attrs: &[AttributeInput],
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(attrs.len());
    for a in attrs {
        if a.name == "sub" {
            return Err(CognitoError::invalid_parameter(
                "Cannot modify an immutable attribute: sub",
            ));
        }
        let value = check_value(pool, &a.name, a.value.clone().unwrap_or_default())?;
        if !may_write(writer, &a.name) {
            return Err(CognitoError::new(
                ErrorKind::NotAuthorizedException,
                "A client attempted to write unauthorized attribute",
            ));
        }
        out.push((a.name.clone(), value));
    }
    Ok(out)
}

/// Every required attribute of the pool has a value.
pub fn check_required(pool: &UserPool, attributes: &BTreeMap<String, String>) -> Result<()> {
    for a in pool
        .schema_attributes
        .iter()
        .filter(|a| a.required && a.name != "sub")
    {
        if attributes.get(&a.name).is_none_or(|v| v.is_empty()) {
            return Err(schema_error(format!("{}: The attribute is required", a.name)));
        }
    }
    Ok(())
}

/// The pool's required attributes the user lacks, as NEW_PASSWORD_REQUIRED lists them.
pub fn missing_required(pool: &UserPool, user: &User) -> Vec<String> {
    pool.schema_attributes
        .iter()
        .filter(|a| {
            a.required && a.name != "sub" && user.attributes.get(&a.name).is_none_or(|v| v.is_empty())
        })
        .map(|a| a.name.clone())
        .collect()
}

/// Refuses changing an attribute the schema marks immutable once it has a value.
pub fn check_mutable(pool: &UserPool, user: &User, name: &str) -> Result<()> {
    let immutable = schema_of(pool, name).is_some_and(|s| !s.mutable);
    if immutable && user.attributes.contains_key(name) {
        return Err(CognitoError::invalid_parameter(format!(
            "Cannot modify an immutable attribute: {name}"
        )));
    }
    Ok(())
}

/// `[{Name, Value}]` as Cognito returns attributes, `sub` first, filtered by `visible`.
pub fn to_wire(user: &User, visible: impl Fn(&str) -> bool) -> Value {
    let mut list = Vec::with_capacity(user.attributes.len() + 1);
    if visible("sub") {
        list.push(serde_json::json!({"Name": "sub", "Value": user.sub}));
    }
    for (k, v) in &user.attributes {
        if visible(k) {
            list.push(serde_json::json!({"Name": k, "Value": v}));
        }
    }
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(looks_like_email("a@b.co"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("ab.co"));
        assert!(looks_like_phone("+15555550100"));
        assert!(!looks_like_phone("5555550100"));
    }

    #[test]
    fn booleans_in_any_case_are_stored_lowercase() {
        for (given, stored) in [
            ("True", "true"),
            ("TRUE", "true"),
            ("false", "false"),
            ("False", "false"),
        ] {
            assert_eq!(normalize_boolean(given), Some(stored));
        }
        for bad in ["yes", "1", "", "truee", " true"] {
            assert_eq!(normalize_boolean(bad), None, "{bad:?}");
        }
    }
}
