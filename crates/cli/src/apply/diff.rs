//! Whether what a template asks for is what Cognito already has. Only what the template sets is compared (a
//! property the template leaves out is Cognito's business), loosely where Cognito's answer differs from a
//! template's spelling without meaning anything different: numbers and booleans written as strings (a `Ref` to a
//! parameter is always a string), lists whose order Cognito does not keep, and members Cognito leaves out when
//! they hold their default.

use serde_json::{Map, Value};

/// The top-level members of `desired` whose values differ from `actual`, each with the first differing path
/// below it (`Policies.PasswordPolicy.MinimumLength`). `defaults` are the values Cognito may leave out.
pub fn changed_members(
    desired: &Map<String, Value>,
    actual: &Map<String, Value>,
    defaults: &[(&str, Value)],
) -> Vec<Change> {
    let mut out = Vec::new();
    for (name, want) in desired {
        let path = match actual.get(name) {
            None if is_blank(want) || defaults.iter().any(|(k, d)| k == name && same(want, d)) => None,
            None => Some(name.clone()),
            Some(have) => first_difference(want, have).map(|below| join(name, &below)),
        };
        if let Some(path) = path {
            out.push(Change {
                member: name.clone(),
                path,
            });
        }
    }
    out
}

/// One member that differs, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub member: String,
    pub path: String,
}

/// True when `have` holds everything `want` says.
pub fn same(want: &Value, have: &Value) -> bool {
    first_difference(want, have).is_none()
}

/// `None` when `have` matches `want`; otherwise the path (relative, possibly empty) of the first difference.
fn first_difference(want: &Value, have: &Value) -> Option<String> {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => {
            for (k, wv) in w {
                match h.get(k) {
                    None if is_blank(wv) => {}
                    None => return Some(k.clone()),
                    Some(hv) => {
                        if let Some(below) = first_difference(wv, hv) {
                            return Some(join(k, &below));
                        }
                    }
                }
            }
            None
        }
        (Value::Array(w), Value::Array(h)) => {
            if same_list(w, h) {
                None
            } else {
                Some(String::new())
            }
        }
        (Value::Null, _) => None,
        (w, Value::Null) if is_blank(w) => None,
        (w, h) if is_blank(w) && is_blank(h) => None,
        (w, h) => {
            if scalar_text(w).is_some() && scalar_text(w) == scalar_text(h) {
                None
            } else {
                Some(String::new())
            }
        }
    }
}

/// Lists match when they have the same length and every wanted item matches a distinct item of Cognito's, in any
/// order: Cognito answers with its own order for scopes, flows and attribute lists.
fn same_list(want: &[Value], have: &[Value]) -> bool {
    if want.len() != have.len() {
        return false;
    }
    let mut used = vec![false; have.len()];
    for w in want {
        let found = have
            .iter()
            .enumerate()
            .find(|(i, h)| !used[*i] && same(w, h))
            .map(|(i, _)| i);
        match found {
            Some(i) => used[i] = true,
            None => return false,
        }
    }
    true
}

/// A scalar's text: `8`, `8.0` and `"8"` are all `8`; `true` and `"true"` are `true`.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(normal_number(s).unwrap_or_else(|| s.clone())),
        Value::Number(n) => Some(normal_number(&n.to_string()).unwrap_or_else(|| n.to_string())),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn normal_number(s: &str) -> Option<String> {
    let n: f64 = s.trim().parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    Some(if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    })
}

/// What Cognito may leave out: `null`, `false`, empty text, lists and maps.
pub fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty() || s == "false",
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_blank),
        Value::Number(_) => false,
    }
}

fn join(head: &str, tail: &str) -> String {
    if tail.is_empty() {
        head.to_string()
    } else {
        format!("{head}.{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn only_what_the_template_sets_is_compared() {
        let want =
            map(json!({"Policies": {"PasswordPolicy": {"MinimumLength": "10", "RequireSymbols": "true"}}}));
        let have = map(
            json!({"Policies": {"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": true,
            "RequireNumbers": true}}, "Name": "x", "EstimatedNumberOfUsers": 3}),
        );
        assert!(changed_members(&want, &have, &[]).is_empty());
        let have = map(json!({"Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireSymbols": true}}}));
        let changes = changed_members(&want, &have, &[]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].member, "Policies");
        assert_eq!(changes[0].path, "Policies.PasswordPolicy.MinimumLength");
    }

    #[test]
    fn lists_compare_in_any_order_but_by_length() {
        assert!(same(&json!(["a", "b"]), &json!(["b", "a"])));
        assert!(!same(&json!(["a", "b"]), &json!(["a"])));
        assert!(!same(&json!(["a"]), &json!(["a", "b"])));
        assert!(same(
            &json!([{"ScopeName": "read"}, {"ScopeName": "write", "ScopeDescription": "w"}]),
            &json!([{"ScopeName": "write", "ScopeDescription": "w"}, {"ScopeName": "read", "ScopeDescription": ""}])
        ));
    }

    #[test]
    fn blanks_and_defaults_match_absence() {
        let want =
            map(json!({"GenerateSecret": false, "CallbackURLs": [], "DeletionProtection": "INACTIVE"}));
        let defaults = [("DeletionProtection", json!("INACTIVE"))];
        assert!(changed_members(&want, &Map::new(), &defaults).is_empty());
        let want = map(json!({"DeletionProtection": "ACTIVE"}));
        assert_eq!(changed_members(&want, &Map::new(), &defaults).len(), 1);
        // A value the template sets that Cognito does not have is a change.
        let want = map(json!({"Description": "admins"}));
        assert_eq!(changed_members(&want, &Map::new(), &[])[0].path, "Description");
    }
}
