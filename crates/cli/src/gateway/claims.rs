//! Verified claims as a REST API's Cognito authorizer hands them on (`requestContext.authorizer.claims`): every
//! value a string — `exp` and `iat` as Java's `Date.toString()` in UTC ("Mon Apr 17 23:12:49 UTC 2017"), other
//! numbers in decimal, booleans as `true`/`false`, lists (`cognito:groups`) comma-joined.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

/// Java's `Date.toString()` pattern `EEE MMM dd HH:mm:ss zzz yyyy`, always in UTC.
const JAVA_DATE: &[FormatItem<'static>] =
    format_description!("[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]");

/// The claims API Gateway renders as dates.
const DATE_CLAIMS: [&str; 2] = ["exp", "iat"];

pub fn render(raw: &Map<String, Value>) -> BTreeMap<String, String> {
    raw.iter()
        .map(|(name, value)| {
            let rendered = match value {
                Value::Number(n) if DATE_CLAIMS.contains(&name.as_str()) => {
                    n.as_i64().and_then(java_date).unwrap_or_else(|| n.to_string())
                }
                other => scalar(other),
            };
            (name.clone(), rendered)
        })
        .collect()
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(_) => value.to_string(),
    }
}

fn java_date(epoch_seconds: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(epoch_seconds)
        .ok()?
        .format(JAVA_DATE)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_become_strings_as_api_gateway_renders_them() {
        let raw = json!({
            "sub": "42df3b02-29f1-4779-a3e5-eff92ff280b2",
            "email_verified": true,
            "auth_time": 1492467169,
            "exp": 1492470769,
            "iat": 1685649264,
            "cognito:groups": ["admins", "users"],
            "custom:tier": "gold",
            "ratio": 1.5,
            "nested": {"a": 1},
            "empty": []
        });
        let Value::Object(map) = raw else { unreachable!() };
        let c = render(&map);
        assert_eq!(c["sub"], "42df3b02-29f1-4779-a3e5-eff92ff280b2");
        assert_eq!(c["email_verified"], "true");
        assert_eq!(c["auth_time"], "1492467169");
        assert_eq!(c["exp"], "Mon Apr 17 23:12:49 UTC 2017");
        // The day of the month is zero-padded, as Java prints it.
        assert_eq!(c["iat"], "Thu Jun 01 19:54:24 UTC 2023");
        assert_eq!(c["cognito:groups"], "admins,users");
        assert_eq!(c["custom:tier"], "gold");
        assert_eq!(c["ratio"], "1.5");
        assert_eq!(c["nested"], r#"{"a":1}"#);
        assert_eq!(c["empty"], "");
    }
}
