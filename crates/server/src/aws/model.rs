//! The Cognito API model (trimmed from the AWS SDKs' service model by `tools/gen_model.py`) and the request
//! validation it drives: types, required members, lengths, ranges, patterns and enum values, reported the way
//! AWS services word them ("1 validation error detected: Value null at 'userPoolId' failed to satisfy
//! constraint: Member must not be null").

use std::collections::HashMap;
use std::sync::OnceLock;

use latchkey_core::{CognitoError, ErrorKind};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

const COGNITO_IDP_MODEL: &str = include_str!("model/cognito-idp.json");
const COGNITO_IDENTITY_MODEL: &str = include_str!("model/cognito-identity.json");

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub input: Option<String>,
    /// Cognito authorises these by ClientId, Session or access token instead of SigV4.
    pub unsigned: bool,
}

#[derive(Debug, Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    members: HashMap<String, String>,
    min: Option<f64>,
    max: Option<f64>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    enum_values: Option<Vec<String>>,
    #[serde(default)]
    sensitive: bool,
    member: Option<String>,
    key: Option<String>,
    value: Option<String>,
    /// Compiled on first use; `None` when the pattern uses syntax Rust's regex does not have (look-around).
    #[serde(skip)]
    compiled: OnceLock<Option<Regex>>,
}

#[derive(Debug, Deserialize)]
pub struct ApiModel {
    operations: HashMap<String, Operation>,
    shapes: HashMap<String, Shape>,
}

/// The Cognito user-pools API model, parsed once.
pub fn cognito_idp() -> &'static ApiModel {
    static MODEL: OnceLock<ApiModel> = OnceLock::new();
    MODEL.get_or_init(|| parse_embedded(COGNITO_IDP_MODEL))
}

/// The Cognito identity-pools API model, parsed once.
pub fn cognito_identity() -> &'static ApiModel {
    static MODEL: OnceLock<ApiModel> = OnceLock::new();
    MODEL.get_or_init(|| parse_embedded(COGNITO_IDENTITY_MODEL))
}

fn parse_embedded(text: &str) -> ApiModel {
    // The models are compiled into the binary and checked by tests; failing here is a build defect.
    #[allow(clippy::expect_used)]
    serde_json::from_str(text).expect("embedded AWS API model is valid JSON")
}

enum Problem {
    /// A JSON type that cannot be the member's type: a SerializationException.
    Type(String),
    /// A constraint violation: an InvalidParameterException.
    Constraint(String),
}

impl ApiModel {
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// Validates a request body against the operation's input shape.
    pub fn validate(&self, op: &Operation, body: &Value) -> Result<(), CognitoError> {
        let Some(input) = op.input.as_deref() else {
            return Ok(());
        };
        let mut problems = Vec::new();
        self.check(input, body, "", false, &mut problems);
        if let Some(Problem::Type(msg)) = problems.iter().find(|p| matches!(p, Problem::Type(_))) {
            return Err(CognitoError::new(ErrorKind::SerializationException, msg.clone()));
        }
        if problems.is_empty() {
            return Ok(());
        }
        let texts: Vec<&str> = problems
            .iter()
            .filter_map(|p| match p {
                Problem::Constraint(t) => Some(t.as_str()),
                Problem::Type(_) => None,
            })
            .collect();
        let n = texts.len();
        let noun = if n == 1 { "error" } else { "errors" };
        Err(CognitoError::invalid_parameter(format!(
            "{n} validation {noun} detected: {}",
            texts.join("; ")
        )))
    }

    /// `hidden`: an enclosing member is sensitive (a password inside AuthParameters, say), so no value below it is
    /// ever repeated in a message.
    fn check(&self, shape_name: &str, value: &Value, path: &str, hidden: bool, out: &mut Vec<Problem>) {
        let Some(shape) = self.shapes.get(shape_name) else {
            return;
        };
        let hidden = hidden || shape.sensitive;
        if value.is_null() {
            return; // Optional member sent as null: AWS treats it as absent.
        }
        let type_problem = |expected: &str| {
            Problem::Type(format!(
                "Invalid type for '{}': expected {expected}.",
                display_path(path)
            ))
        };
        match shape.kind.as_str() {
            "structure" => {
                let Some(obj) = value.as_object() else {
                    return out.push(type_problem("an object"));
                };
                for req in &shape.required {
                    if obj.get(req).is_none_or(Value::is_null) {
                        out.push(Problem::Constraint(format!(
                            "Value null at '{}' failed to satisfy constraint: Member must not be null",
                            join(path, req)
                        )));
                    }
                }
                for (name, member_shape) in &shape.members {
                    if let Some(v) = obj.get(name) {
                        self.check(member_shape, v, &join(path, name), hidden, out);
                    }
                }
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    return out.push(type_problem("a list"));
                };
                length_checks(shape, hidden, items.len(), value, path, out);
                if let Some(member) = &shape.member {
                    for (i, item) in items.iter().enumerate() {
                        self.check(member, item, &format!("{path}.{}.member", i + 1), hidden, out);
                    }
                }
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    return out.push(type_problem("a map"));
                };
                length_checks(shape, hidden, entries.len(), value, path, out);
                for (k, v) in entries {
                    if let Some(key_shape) = &shape.key {
                        self.check(
                            key_shape,
                            &Value::String(k.clone()),
                            &format!("{path}.key"),
                            hidden,
                            out,
                        );
                    }
                    if let Some(value_shape) = &shape.value {
                        self.check(value_shape, v, &format!("{path}.{k}.value"), hidden, out);
                    }
                }
            }
            "string" => {
                let Some(s) = value.as_str() else {
                    return out.push(type_problem("a string"));
                };
                length_checks(shape, hidden, s.chars().count(), value, path, out);
                if s.contains('\0') {
                    // PostgreSQL cannot store U+0000 in text, and no Cognito name or value has a use for it.
                    out.push(constraint(
                        true,
                        value,
                        path,
                        "Member must not contain the null character",
                    ));
                }
                if let Some(allowed) = &shape.enum_values {
                    if !allowed.iter().any(|a| a == s) {
                        out.push(constraint(
                            hidden,
                            value,
                            path,
                            &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
                        ));
                    }
                }
                if let (Some(pattern), Some(re)) = (&shape.pattern, shape.regex()) {
                    if !re.is_match(s) {
                        out.push(constraint(
                            hidden,
                            value,
                            path,
                            &format!("Member must satisfy regular expression pattern: {pattern}"),
                        ));
                    }
                }
            }
            "integer" | "long" => {
                let Some(n) = value.as_i64() else {
                    return out.push(type_problem("an integer"));
                };
                let n = n as f64;
                if let Some(min) = shape.min.filter(|m| n < *m) {
                    out.push(constraint(
                        hidden,
                        value,
                        path,
                        &format!("Member must have value greater than or equal to {min}"),
                    ));
                }
                if let Some(max) = shape.max.filter(|m| n > *m) {
                    out.push(constraint(
                        hidden,
                        value,
                        path,
                        &format!("Member must have value less than or equal to {max}"),
                    ));
                }
            }
            "double" | "float" | "timestamp" if !value.is_number() => out.push(type_problem("a number")),
            "boolean" if !value.is_boolean() => out.push(type_problem("a boolean")),
            "blob" if !value.is_string() => out.push(type_problem("a base64-encoded string")),
            _ => {}
        }
    }
}

impl Shape {
    fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                // AWS services match the whole value against a member's pattern.
                let p = self.pattern.as_deref()?;
                Regex::new(&format!("^(?:{p})$")).ok()
            })
            .as_ref()
    }
}

fn length_checks(shape: &Shape, hidden: bool, len: usize, value: &Value, path: &str, out: &mut Vec<Problem>) {
    let len = len as f64;
    if let Some(min) = shape.min.filter(|m| len < *m) {
        out.push(constraint(
            hidden,
            value,
            path,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if let Some(max) = shape.max.filter(|m| len > *m) {
        out.push(constraint(
            hidden,
            value,
            path,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
}

fn constraint(hidden: bool, value: &Value, path: &str, rule: &str) -> Problem {
    let shown = if hidden {
        String::new()
    } else {
        match value {
            Value::String(s) => format!(" '{s}'"),
            Value::Number(n) => format!(" '{n}'"),
            _ => String::new(),
        }
    };
    Problem::Constraint(format!(
        "Value{shown} at '{path}' failed to satisfy constraint: {rule}"
    ))
}

/// AWS names members in validation messages in lower camel case (`UserPoolId` → `userPoolId`).
fn join(path: &str, member: &str) -> String {
    let mut chars = member.chars();
    let camel: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    if path.is_empty() {
        camel
    } else {
        format!("{path}.{camel}")
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "request body"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validate(op: &str, body: Value) -> Result<(), CognitoError> {
        let m = cognito_idp();
        m.validate(m.operation(op).unwrap(), &body)
    }

    #[test]
    fn model_loads_and_marks_unsigned_operations() {
        let m = cognito_idp();
        assert!(m.operation("SignUp").unwrap().unsigned);
        assert!(m.operation("InitiateAuth").unwrap().unsigned);
        assert!(!m.operation("AdminGetUser").unwrap().unsigned);
        assert!(!m.operation("CreateUserPool").unwrap().unsigned);
    }

    #[test]
    fn missing_required_member() {
        let e = validate("DescribeUserPool", json!({})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidParameterException);
        assert_eq!(
            e.message(),
            "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn pattern_length_range_enum() {
        let e = validate("DescribeUserPool", json!({"UserPoolId": "no-underscore"})).unwrap_err();
        assert!(
            e.message().contains("Value 'no-underscore' at 'userPoolId'"),
            "{}",
            e.message()
        );
        assert!(e.message().contains("regular expression pattern"));
        let e = validate("ListUserPools", json!({"MaxResults": 61})).unwrap_err();
        assert!(
            e.message().contains(
                "'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"
            ),
            "{}",
            e.message()
        );
        let e = validate(
            "CreateUserPool",
            json!({"PoolName": "p", "DeletionProtection": "MAYBE"}),
        )
        .unwrap_err();
        assert!(
            e.message().contains("enum value set: [ACTIVE, INACTIVE]"),
            "{}",
            e.message()
        );
        let e = validate(
            "CreateUserPool",
            json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}}),
        )
        .unwrap_err();
        assert!(
            e.message().contains("'policies.passwordPolicy.minimumLength'"),
            "{}",
            e.message()
        );
        let e = validate(
            "CreateUserPool",
            json!({"PoolName": "p", "Schema": [{"Name": "x".repeat(21)}]}),
        )
        .unwrap_err();
        assert!(e.message().contains("'schema.1.member.name'"), "{}", e.message());
    }

    #[test]
    fn several_errors_are_counted() {
        let e = validate("CreateUserPoolClient", json!({})).unwrap_err();
        assert!(
            e.message().starts_with("2 validation errors detected: "),
            "{}",
            e.message()
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let e = validate("ListUserPools", json!({"MaxResults": "ten"})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SerializationException);
        assert!(e.message().contains("maxResults"));
        let e = validate("CreateUserPool", json!({"PoolName": 5})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SerializationException);
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let e = validate(
            "CreateUserPoolClient",
            json!({"UserPoolId": "us-east-1_abc", "ClientName": "c", "ClientSecret": "short"}),
        )
        .unwrap_err();
        assert!(!e.message().contains("short"), "{}", e.message());
    }

    #[test]
    fn values_inside_sensitive_members_are_not_echoed_either() {
        // AuthParametersType is sensitive; its values (StringType) are not marked, but sit inside it.
        let password = "x".repeat(131_073);
        let e = validate(
            "InitiateAuth",
            json!({"ClientId": "abc", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "u", "PASSWORD": password}}),
        )
        .unwrap_err();
        assert!(
            e.message().contains("'authParameters.PASSWORD.value'"),
            "{}",
            e.message()
        );
        assert!(!e.message().contains("xxxx"), "{}", e.message());
    }

    #[test]
    fn null_characters_are_refused_anywhere() {
        for body in [
            json!({"ClientId": "abc", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "a\u{0}b"}}),
            json!({"ClientId": "abc", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"k\u{0}": "v"}}),
        ] {
            let e = validate("InitiateAuth", body).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidParameterException);
            assert!(e.message().contains("null character"), "{}", e.message());
            assert!(!e.message().contains('\0'));
        }
    }

    #[test]
    fn valid_request_passes() {
        validate("CreateUserPool", json!({"PoolName": "my pool", "UsernameAttributes": ["email"], "Schema": [{"Name": "tier", "AttributeDataType": "String"}]})).unwrap();
    }
}
