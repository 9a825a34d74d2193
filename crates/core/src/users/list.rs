//! ListUsers with Cognito's Filter grammar (`attribute = "value"`, `attribute ^= "prefix"`) on the searchable
//! attributes, AttributesToGet, Limit (at most 60) and PaginationToken.

use serde::Deserialize;

use super::names::{fold, MAX_SEARCH_KEY_CHARS, SEARCHABLE};
use super::User;
use crate::error::{CognitoError, Result};
use crate::service::pagination::{self, page_size};
use crate::service::Latchkey;
use crate::store::{parse_search_position, Page, UserFilter};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersInput {
    pub user_pool_id: String,
    pub attributes_to_get: Option<Vec<String>>,
    pub limit: Option<u32>,
    pub pagination_token: Option<String>,
    pub filter: Option<String>,
}

fn parse_error() -> CognitoError {
    CognitoError::invalid_parameter("Error while parsing filter.")
}

/// Parses `name = "value"` / `name ^= "value"` (spaces optional, `\"` and `\\` escapes inside the quotes).
pub fn parse_filter(text: &str) -> Result<UserFilter> {
    let text = text.trim();
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(parse_error)?;
    let (name, rest) = text.split_at(name_end);
    let rest = rest.trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(parse_error());
    };
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(parse_error)?;
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(parse_error)?),
            '"' => return Err(parse_error()),
            c => value.push(c),
        }
    }
    let searchable =
        SEARCHABLE.contains(&name) || matches!(name, "username" | "cognito:user_status" | "status");
    if !searchable {
        return Err(CognitoError::invalid_parameter(format!(
            "Invalid search attribute: {name}"
        )));
    }
    Ok(UserFilter {
        attribute: name.to_string(),
        value,
        prefix,
    })
}

impl Latchkey {
    pub async fn list_users(&self, input: &ListUsersInput) -> Result<Page<User>> {
        let pool = &self.pool(&input.user_pool_id).await?;
        for name in input.attributes_to_get.iter().flatten() {
            if !pool.schema_attributes.iter().any(|a| &a.name == name) {
                return Err(CognitoError::invalid_parameter(
                    "One or more requested attributes do not exist.",
                ));
            }
        }
        let mut filter = input
            .filter
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .map(parse_filter)
            .transpose()?;
        if let Some(f) = filter.as_mut() {
            if f.attribute == "username" {
                f.value = fold(pool, &f.value);
            }
            // Index keys are cut at MAX_SEARCH_KEY_CHARS; a longer exact value is found as that prefix.
            f.value = f.value.chars().take(MAX_SEARCH_KEY_CHARS).collect();
        }
        let after = input
            .pagination_token
            .as_deref()
            .map(|t| pagination::decode("user", t))
            .transpose()?;
        let prefix_filtered = filter.as_ref().is_some_and(|f| f.prefix);
        if prefix_filtered
            && after
                .as_deref()
                .is_some_and(|a| parse_search_position(a).is_none())
        {
            return Err(CognitoError::invalid_parameter("Invalid pagination token."));
        }
        let limit = page_size(input.limit);
        let mut page = self
            .store
            .list_users(&pool.id, filter.as_ref(), after.as_deref(), limit)
            .await?;
        page.next = page.next.map(|k| pagination::encode("user", &k));
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        let f = parse_filter(r#"email ^= "ali""#).unwrap();
        assert_eq!(
            (f.attribute.as_str(), f.value.as_str(), f.prefix),
            ("email", "ali", true)
        );
        let f = parse_filter(r#"username="bob""#).unwrap();
        assert_eq!(
            (f.attribute.as_str(), f.value.as_str(), f.prefix),
            ("username", "bob", false)
        );
        let f = parse_filter(r#"cognito:user_status = "UNCONFIRMED""#).unwrap();
        assert_eq!(f.attribute, "cognito:user_status");
        let f = parse_filter(r#"name = "a \"quoted\" \\ name""#).unwrap();
        assert_eq!(f.value, r#"a "quoted" \ name"#);
        assert!(parse_filter("email = bob").is_err());
        assert!(parse_filter(r#"custom:tier = "x""#).is_err());
        assert!(parse_filter(r#"email != "x""#).is_err());
        assert!(parse_filter(r#"email = "x"y""#).is_err());
    }
}
