//! Users, their lookup and search indexes, and one-time codes.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Page, StoreResult};
use crate::time::Timestamp;
use crate::users::User;

/// One row of a user's index. For lookups (`kind` = "username", "email", "phone_number",
/// "preferred_username") the pair (pool, kind, key) is unique across the pool's users; for search entries
/// (`kind` = a searchable attribute such as "email", "given_name", "cognito:user_status") it is not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    pub kind: String,
    pub key: String,
}

/// ListUsers' `Filter`: `attribute = "value"` or `attribute ^= "prefix"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub attribute: String,
    pub value: String,
    pub prefix: bool,
}

/// A one-time code (sign-up confirmation, password reset, attribute verification). Only its keyed hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRecord {
    pub pool_id: String,
    pub username: String,
    /// "SIGN_UP", "FORGOT_PASSWORD", "VERIFY:email", "VERIFY:phone_number".
    pub purpose: String,
    pub code_hash: String,
    pub created: Timestamp,
    pub expires: Timestamp,
    pub attempts: u32,
}

/// A user with its lookup keys and search entries, as `insert_user` takes them.
pub type NewUserRows = (User, Vec<IndexEntry>, Vec<IndexEntry>);

/// The cursor of a prefix-filtered listing: the last row's search key and username, in one string (the key's
/// byte length, a colon, the key, the username), so it travels inside a pagination token.
pub fn search_position(key: &str, username: &str) -> String {
    format!("{}:{key}{username}", key.len())
}

/// The (search key, username) of a `search_position` cursor; `None` for anything else.
pub fn parse_search_position(cursor: &str) -> Option<(&str, &str)> {
    let (len, rest) = cursor.split_once(':')?;
    let len: usize = len.parse().ok()?;
    // is_char_boundary is false past the end too.
    rest.is_char_boundary(len).then(|| rest.split_at(len))
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Insert a user with its lookup keys and search entries, atomically. `Duplicate { kind }` names the lookup
    /// kind that is taken ("username" when the username itself is).
    async fn insert_user(
        &self,
        user: &User,
        lookups: &[IndexEntry],
        search: &[IndexEntry],
    ) -> StoreResult<()>;
    /// Insert many users in one transaction (bulk loading): all of them, or none and the first error.
    async fn insert_users(&self, users: &[NewUserRows]) -> StoreResult<()>;
    async fn get_user(&self, pool_id: &str, username: &str) -> StoreResult<Option<User>>;
    /// The user whose lookup entry (kind, key) this is.
    async fn find_user(&self, pool_id: &str, kind: &str, key: &str) -> StoreResult<Option<User>>;
    /// Replace a user (optimistic `version` rule as for pools) and its index rows, atomically. `Duplicate { kind }`
    /// when a new lookup key is another user's; `Conflict` when the version moved or the user is gone.
    async fn update_user(
        &self,
        user: &User,
        lookups: &[IndexEntry],
        search: &[IndexEntry],
    ) -> StoreResult<()>;
    /// Delete a user with its index rows, codes, refresh tokens, devices and group memberships. Returns whether it
    /// existed.
    async fn delete_user(&self, pool_id: &str, username: &str) -> StoreResult<bool>;
    /// One page of a pool's users after the cursor `after` (a `Page::next` of the same listing), optionally
    /// restricted by a search filter. Without a filter or with an exact (`=`) one, users come in username order
    /// and the cursor is the last username. With a prefix (`^=`) filter they come in (search key, username)
    /// order, so a page is one range of the index however large the pool, and the cursor is
    /// `search_position(key, username)`; a cursor that does not decode starts from the beginning. Core writes at
    /// most one search entry per kind and user, so no user appears twice.
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<User>>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;

    /// Store a code, replacing any earlier code of the same (pool, username, purpose).
    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()>;
    async fn get_code(&self, pool_id: &str, username: &str, purpose: &str)
        -> StoreResult<Option<CodeRecord>>;
    /// Count one wrong attempt; returns the new count (0 when there is no such code).
    async fn add_code_attempt(&self, pool_id: &str, username: &str, purpose: &str) -> StoreResult<u32>;
    /// Remove a code; returns whether this call removed it, so of two concurrent uses only one succeeds.
    async fn take_code(&self, pool_id: &str, username: &str, purpose: &str) -> StoreResult<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_positions_round_trip() {
        for (key, name) in [
            ("", "u1"),
            ("ann@example.com", "u:2"),
            ("é:3", "ü"),
            ("12:ab", ""),
        ] {
            assert_eq!(
                parse_search_position(&search_position(key, name)),
                Some((key, name))
            );
        }
        for bad in ["", "u1", "x:abc", "9:abc", "1:é", "-1:a"] {
            assert_eq!(parse_search_position(bad), None, "{bad}");
        }
    }
}
