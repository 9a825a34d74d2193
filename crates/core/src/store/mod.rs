//! The storage port, split into capability traits (pools, users, groups, tokens, mail) that every backend
//! implements; `Store` is all of them. The conformance suite in `latchkey-store` holds each backend to the same
//! behaviour. Writes that belong together happen inside one call, so a backend can make them one transaction.

mod devices;
mod domains;
mod groups;
mod identities;
mod identity_keys;
mod misc;
mod pools;
mod purge;
mod tokens;
mod users;

pub use devices::DeviceStore;
pub use domains::{DomainRecord, DomainStore};
pub use groups::GroupStore;
pub use identities::IdentityStore;
pub use identity_keys::IdentityKeyStore;
pub use misc::{MiscStore, OutboxMessage};
pub use pools::PoolStore;
pub use purge::{PurgeCutoffs, PurgeStore, Purged};
pub use tokens::{RefreshTokenRecord, SigningKeyRecord, TokenStore};
pub use users::{
    parse_search_position, search_position, CodeRecord, IndexEntry, NewUserRows, UserFilter, UserStore,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// An optimistic-concurrency check failed, or the record a write depends on is gone; the text names what.
    Conflict(String),
    /// A uniqueness rule failed. `kind` names it: "username", "email", "phone_number", "preferred_username",
    /// "group", "kid", "device", "domain", "login", or the record type for primary keys ("user_pool", "client", "identity_pool").
    Duplicate { kind: String },
    /// The backend failed (connection, I/O, corrupt row). The text is for logs only.
    Backend(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(w) => write!(f, "conflict: {w}"),
            StoreError::Duplicate { kind } => write!(f, "duplicate {kind}"),
            StoreError::Backend(w) => write!(f, "store backend error: {w}"),
        }
    }
}

impl std::error::Error for StoreError {}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page of results: items in a stable order, and the key to continue after, when there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Everything Latchkey persists.
pub trait Store:
    PoolStore
    + UserStore
    + GroupStore
    + TokenStore
    + MiscStore
    + DeviceStore
    + DomainStore
    + PurgeStore
    + IdentityStore
    + IdentityKeyStore
{
}

impl<T> Store for T where
    T: PoolStore
        + UserStore
        + GroupStore
        + TokenStore
        + MiscStore
        + DeviceStore
        + DomainStore
        + PurgeStore
        + IdentityStore
        + IdentityKeyStore
{
}
