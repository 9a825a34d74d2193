//! What both SQL backends share: the JSON document form of records, the mapping from sqlx errors to
//! `StoreError`, keyset pagination, and the SQL-independent parts of the user index and key rotation rules.

use std::collections::{BTreeSet, HashSet};

use latchkey_core::clients::AppClient;
use latchkey_core::devices::Device;
use latchkey_core::groups::Group;
use latchkey_core::identity::{Identity, IdentityPool, Login};
use latchkey_core::pools::UserPool;
use latchkey_core::store::{
    parse_search_position, search_position, CodeRecord, DomainRecord, IndexEntry, OutboxMessage, Page,
    RefreshTokenRecord, SigningKeyRecord, StoreError, UserFilter,
};
use latchkey_core::time::Timestamp;
use latchkey_core::users::names::MAX_SEARCH_KEY_CHARS;
use latchkey_core::users::User;
use sqlx::error::ErrorKind;

/// Defines the serializer and parser of one record's document. A macro rather than a generic function so the
/// crate needs no direct `serde` dependency for the bounds.
macro_rules! doc_codec {
    ($to:ident, $from:ident, $ty:ty, $what:literal) => {
        pub(crate) fn $to(record: &$ty) -> Result<String, StoreError> {
            serde_json::to_string(record)
                .map_err(|e| StoreError::Backend(format!(concat!("cannot serialize ", $what, ": {}"), e)))
        }

        pub(crate) fn $from(doc: &str) -> Result<$ty, StoreError> {
            serde_json::from_str(doc)
                .map_err(|e| StoreError::Backend(format!(concat!("corrupt ", $what, " row: {}"), e)))
        }
    };
}

doc_codec!(pool_doc, pool_from_doc, UserPool, "user pool");
doc_codec!(client_doc, client_from_doc, AppClient, "app client");
doc_codec!(user_doc, user_from_doc, User, "user");
doc_codec!(group_doc, group_from_doc, Group, "group");
doc_codec!(code_doc, code_from_doc, CodeRecord, "one-time code");
doc_codec!(refresh_doc, refresh_from_doc, RefreshTokenRecord, "refresh token");
doc_codec!(key_doc, key_from_doc, SigningKeyRecord, "signing key");
doc_codec!(outbox_doc, outbox_from_doc, OutboxMessage, "outbox message");
doc_codec!(device_doc, device_from_doc, Device, "device");
doc_codec!(domain_doc, domain_from_doc, DomainRecord, "domain");
doc_codec!(
    identity_pool_doc,
    identity_pool_from_doc,
    IdentityPool,
    "identity pool"
);

/// Defines the parser of a versioned record's row, `(doc, version)`: `version` is serde-skipped and lives in its
/// own column.
macro_rules! versioned_row {
    ($from_row:ident, $from_doc:ident, $ty:ty) => {
        pub(crate) fn $from_row((doc, version): (String, i64)) -> Result<$ty, StoreError> {
            let mut record = $from_doc(&doc)?;
            record.version = version;
            Ok(record)
        }
    };
}

versioned_row!(pool_from_row, pool_from_doc, UserPool);
versioned_row!(client_from_row, client_from_doc, AppClient);
versioned_row!(user_from_row, user_from_doc, User);
versioned_row!(group_from_row, group_from_doc, Group);
versioned_row!(device_from_row, device_from_doc, Device);
versioned_row!(identity_pool_from_row, identity_pool_from_doc, IdentityPool);

/// An identity joined with one of its logins: id, pool id, created and last-modified millis, then the login's
/// provider and subject (both null for an identity without logins, from the LEFT JOIN).
pub(crate) type IdentityRow = (String, String, i64, i64, Option<String>, Option<String>);

/// Identities from rows that keep each identity's rows together, with its logins in row order.
pub(crate) fn identities_from_rows(rows: Vec<IdentityRow>) -> Vec<Identity> {
    let mut identities: Vec<Identity> = Vec::new();
    for (id, pool_id, created_ms, modified_ms, provider, subject) in rows {
        if !matches!(identities.last(), Some(last) if last.id == id) {
            identities.push(Identity {
                id,
                pool_id,
                logins: Vec::new(),
                created: Timestamp::from_millis(created_ms),
                last_modified: Timestamp::from_millis(modified_ms),
            });
        }
        if let (Some(provider), Some(subject), Some(identity)) = (provider, subject, identities.last_mut()) {
            identity.logins.push(Login { provider, subject });
        }
    }
    identities
}

// Fields that single statements change are columns, and the column wins over the stale document.

pub(crate) fn code_from_row((doc, attempts): (String, i64)) -> Result<CodeRecord, StoreError> {
    let mut code = code_from_doc(&doc)?;
    code.attempts = attempts_of(attempts)?;
    Ok(code)
}

pub(crate) fn refresh_from_row(
    (doc, revoked, replaced_ms): (String, bool, Option<i64>),
) -> Result<RefreshTokenRecord, StoreError> {
    let mut token = refresh_from_doc(&doc)?;
    token.revoked = revoked;
    token.replaced = replaced_ms.map(Timestamp::from_millis);
    Ok(token)
}

pub(crate) fn key_from_row((doc, retired_ms): (String, Option<i64>)) -> Result<SigningKeyRecord, StoreError> {
    let mut key = key_from_doc(&doc)?;
    key.retired = retired_ms.map(Timestamp::from_millis);
    Ok(key)
}

pub(crate) fn attempts_of(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::Backend(format!("code attempt count {n} out of range")))
}

/// Converts rows with `convert` and trims them to a page keyed by `key` (see `fetch_limit`).
pub(crate) fn page_of<R, T>(
    rows: Vec<R>,
    convert: impl Fn(R) -> Result<T, StoreError>,
    limit: u32,
    key: impl Fn(&T) -> &str,
) -> Result<Page<T>, StoreError> {
    let items = rows.into_iter().map(convert).collect::<Result<Vec<_>, _>>()?;
    Ok(page(items, limit, key))
}

/// Any sqlx failure that is not a constraint the caller should hear about. PostgreSQL aborts one of two
/// transactions that deadlock or fail serialization; that is a lost race the caller may retry, so a
/// `Conflict`. (SQLite's codes are numeric and never match these SQLSTATEs.)
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    let code = e.as_database_error().and_then(|d| d.code());
    match code.as_deref() {
        Some("40001" | "40P01") => StoreError::Conflict(format!("concurrent modification: {e}")),
        _ => StoreError::Backend(e.to_string()),
    }
}

pub(crate) fn migration(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(format!("migration failed: {e}"))
}

/// Errors of a single-row insert: its key is taken (`Duplicate { kind }`), or the row it references is gone
/// (`Conflict` naming `parent`). Each insert that can clash is its own statement, so the kind is exact
/// without parsing constraint names.
pub(crate) fn insert_error(e: sqlx::Error, kind: &str, parent: &str) -> StoreError {
    match e.as_database_error().map(|d| d.kind()) {
        Some(ErrorKind::UniqueViolation) => StoreError::Duplicate {
            kind: kind.to_owned(),
        },
        Some(ErrorKind::ForeignKeyViolation) => StoreError::Conflict(format!("{parent} does not exist")),
        _ => backend(e),
    }
}

/// The version an update expects to find stored: the caller has already incremented it.
pub(crate) fn previous_version(version: i64) -> i64 {
    version.saturating_sub(1)
}

/// The `Conflict` of an update whose version check (or row) was not found.
pub(crate) fn changed_or_gone(what: &str) -> StoreError {
    StoreError::Conflict(format!("{what} changed or is gone"))
}

/// Rows to fetch for a page: one beyond `limit`, which only proves there is more. A limit of 0 is read as 1
/// so that a page with a `next` key is never empty.
pub(crate) fn fetch_limit(limit: u32) -> i64 {
    i64::from(limit.max(1)) + 1
}

/// Which ListUsers statement serves a listing, and its keys (the contract is `UserStore::list_users`).
pub(crate) enum UserListing<'a> {
    /// Every user, by username.
    All { after: &'a str },
    /// One search key: its index range is already in username order.
    Exact {
        kind: &'a str,
        key: &'a str,
        after: &'a str,
    },
    /// The first page of a prefix: keys in [start, end), by (key, username).
    PrefixFirst {
        kind: &'a str,
        start: &'a str,
        end: String,
    },
    /// A later page of a prefix: rows after (key, username), below end.
    PrefixAfter {
        kind: &'a str,
        key: &'a str,
        username: &'a str,
        end: String,
    },
}

impl<'a> UserListing<'a> {
    pub(crate) fn plan(filter: Option<&'a UserFilter>, after: Option<&'a str>) -> Self {
        let Some(f) = filter else {
            return Self::All {
                after: after.unwrap_or(""),
            };
        };
        if !f.prefix {
            return Self::Exact {
                kind: &f.attribute,
                key: &f.value,
                after: after.unwrap_or(""),
            };
        }
        // A prefix with no upper bound ("" or all U+10FFFF) is bounded by a string above every key: keys are at
        // most MAX_SEARCH_KEY_CHARS long, so one more U+10FFFF than that sorts after all of them.
        let end = prefix_end(&f.value).unwrap_or_else(|| "\u{10FFFF}".repeat(MAX_SEARCH_KEY_CHARS + 1));
        match after.and_then(parse_search_position) {
            // A cursor before the prefix (only a forged one) must not widen the range.
            Some((key, username)) if key >= f.value.as_str() => Self::PrefixAfter {
                kind: &f.attribute,
                key,
                username,
                end,
            },
            _ => Self::PrefixFirst {
                kind: &f.attribute,
                start: &f.value,
                end,
            },
        }
    }

    fn by_key(&self) -> bool {
        matches!(self, Self::PrefixFirst { .. } | Self::PrefixAfter { .. })
    }

    /// A page from rows of (doc, version, search key) fetched with `fetch_limit(limit)`.
    pub(crate) fn page(
        &self,
        rows: Vec<(String, i64, String)>,
        limit: u32,
    ) -> Result<Page<User>, StoreError> {
        let items = rows
            .into_iter()
            .map(|(doc, version, key)| Ok((user_from_row((doc, version))?, key)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let page = page(items, limit, |(user, _)| &user.username);
        // A prefix listing continues after the last row's (key, username), not after its username alone.
        let next = match (self.by_key(), page.next, page.items.last()) {
            (true, Some(_), Some((user, key))) => Some(search_position(key, &user.username)),
            (_, next, _) => next,
        };
        Ok(Page {
            items: page.items.into_iter().map(|(user, _)| user).collect(),
            next,
        })
    }
}

/// Trims rows fetched with `fetch_limit` to a page; `next` is the last item's key when rows remain.
pub(crate) fn page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> &str) -> Page<T> {
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|item| key(item).to_owned())
    } else {
        None
    };
    Page { items, next }
}

pub(crate) fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Backend(format!("negative row count {n}")))
}

/// A user's index entries without repeats, in the caller's order: one user may list the same entry twice
/// (an alias equal to another), which must not read as a clash with itself.
pub(crate) fn distinct(entries: &[IndexEntry]) -> Vec<&IndexEntry> {
    let mut seen = HashSet::new();
    entries.iter().filter(|e| seen.insert(*e)).collect()
}

/// Whether the active kids found match what the rotating caller saw, in any order.
pub(crate) fn same_kids(found: &[String], expected: &[String]) -> bool {
    found.iter().collect::<BTreeSet<_>>() == expected.iter().collect::<BTreeSet<_>>()
}

/// Refuses keys of another pool in a rotation: their rows would be filed under the wrong pool.
pub(crate) fn check_key_pools(pool_id: &str, new: &[SigningKeyRecord]) -> Result<(), StoreError> {
    match new.iter().find(|k| k.pool_id != pool_id) {
        Some(k) => Err(StoreError::Conflict(format!(
            "signing key {} belongs to pool {}, not {pool_id}",
            k.kid, k.pool_id
        ))),
        None => Ok(()),
    }
}

/// The least string above every string that starts with `prefix`, in code-point order (which is UTF-8 byte
/// order, the order of SQLite's BINARY and PostgreSQL's "C" collation); `None` when no string is (an empty
/// prefix, or one of only `char::MAX`). So `prefix <= key < bound` holds exactly for keys with the prefix,
/// as an index range rather than a LIKE pattern that would need escaping.
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // Surrogates are not chars: the successor of U+D7FF is U+E000.
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_is_the_least_upper_bound() {
        assert_eq!(prefix_end("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("ab\u{10FFFF}").as_deref(), Some("ac"));
        assert_eq!(prefix_end("é").as_deref(), Some("ê"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("\u{10FFFF}\u{10FFFF}"), None);
        let bound = prefix_end("ab").unwrap_or_default();
        for inside in ["ab", "ab\u{10FFFF}", "abzzz", "ab\u{10FFFF}\u{10FFFF}"] {
            assert!(("ab"..bound.as_str()).contains(&inside), "{inside:?}");
        }
        for outside in ["aa\u{10FFFF}", "ac", "b", "a"] {
            assert!(!("ab"..bound.as_str()).contains(&outside), "{outside:?}");
        }
    }

    #[test]
    fn distinct_keeps_first_occurrences_in_order() {
        let e = |k: &str, v: &str| IndexEntry {
            kind: k.into(),
            key: v.into(),
        };
        let entries = [
            e("email", "a"),
            e("username", "a"),
            e("email", "a"),
            e("email", "b"),
        ];
        assert_eq!(distinct(&entries), [&entries[0], &entries[1], &entries[3]]);
    }

    #[test]
    fn kid_sets_ignore_order() {
        let s = |v: &[&str]| v.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
        assert!(same_kids(&s(&["a", "b"]), &s(&["b", "a"])));
        assert!(same_kids(&s(&[]), &s(&[])));
        assert!(!same_kids(&s(&["a"]), &s(&["a", "b"])));
        assert!(!same_kids(&s(&["a", "c"]), &s(&["a", "b"])));
    }
}
