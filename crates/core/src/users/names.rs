//! Sign-in names as Cognito has them: the internal username, email or phone as the username
//! (UsernameAttributes), verified aliases (AliasAttributes), case-insensitive pools — and the index entries that
//! make each of them unique and searchable.

use crate::error::Result;
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::store::IndexEntry;
use crate::users::User;

/// Attributes ListUsers can filter on (besides `username`, `cognito:user_status` and `status`).
pub const SEARCHABLE: &[&str] = &[
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "sub",
];

/// Longest search-index key, in characters.
pub const MAX_SEARCH_KEY_CHARS: usize = 256;

/// The comparison form of a name in this pool.
pub fn fold(pool: &UserPool, name: &str) -> String {
    if pool.is_case_sensitive() {
        name.to_string()
    } else {
        name.to_lowercase()
    }
}

/// Whether `attribute` is the pool's sign-in name (UsernameAttributes).
pub fn is_username_attribute(pool: &UserPool, attribute: &str) -> bool {
    pool.username_attributes.iter().flatten().any(|a| a == attribute)
}

pub fn is_alias_attribute(pool: &UserPool, attribute: &str) -> bool {
    pool.alias_attributes.iter().flatten().any(|a| a == attribute)
}

/// Unique lookup keys: the username; email/phone when they are the sign-in name (verified or not); aliases
/// once verified (preferred_username needs no verification).
pub fn lookups(pool: &UserPool, user: &User) -> Vec<IndexEntry> {
    let mut out = vec![IndexEntry {
        kind: "username".into(),
        key: fold(pool, &user.username),
    }];
    for attr in ["email", "phone_number", "preferred_username"] {
        let Some(value) = user.attributes.get(attr) else {
            continue;
        };
        let counts = is_username_attribute(pool, attr)
            || (is_alias_attribute(pool, attr) && (attr == "preferred_username" || user.is_verified(attr)));
        if counts {
            out.push(IndexEntry {
                kind: attr.into(),
                key: fold(pool, value),
            });
        }
    }
    out
}

/// What ListUsers' Filter can find this user by.
pub fn search_entries(pool: &UserPool, user: &User) -> Vec<IndexEntry> {
    let mut out = vec![
        IndexEntry {
            kind: "username".into(),
            key: fold(pool, &user.username),
        },
        IndexEntry {
            kind: "cognito:user_status".into(),
            key: user.status.clone(),
        },
        IndexEntry {
            kind: "status".into(),
            key: if user.enabled { "Enabled" } else { "Disabled" }.into(),
        },
        IndexEntry {
            kind: "sub".into(),
            key: user.sub.clone(),
        },
    ];
    for attr in SEARCHABLE.iter().filter(|a| **a != "sub") {
        if let Some(v) = user.attributes.get(*attr) {
            // Index keys stay short (database indexes cap entry sizes); filters on longer values match by prefix.
            out.push(IndexEntry {
                kind: (*attr).into(),
                key: v.chars().take(MAX_SEARCH_KEY_CHARS).collect(),
            });
        }
    }
    out
}

impl Latchkey {
    /// The user a sign-in name denotes: the username, or email/phone when they are the username, or a verified
    /// alias.
    pub(crate) async fn find_by_sign_in_name(&self, pool: &UserPool, name: &str) -> Result<Option<User>> {
        let key = fold(pool, name);
        if let Some(u) = self.store.find_user(&pool.id, "username", &key).await? {
            return Ok(Some(u));
        }
        for attr in ["email", "phone_number", "preferred_username"] {
            if is_username_attribute(pool, attr) || is_alias_attribute(pool, attr) {
                if let Some(u) = self.store.find_user(&pool.id, attr, &key).await? {
                    return Ok(Some(u));
                }
            }
        }
        Ok(None)
    }
}
