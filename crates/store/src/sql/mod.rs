//! The store traits, written once in the SQL both backends speak and stamped out for each backend's store type
//! by `store_traits!`. Each file here holds one macro: a capability (`PoolStore`, `UserStore`, …) or the
//! statement runners the capabilities share.
//!
//! Statements use `$N` placeholders, which sqlx's SQLite driver binds as PostgreSQL does, so one text serves
//! both. What really differs stays in the backend modules, under the names the macros call: `pool` (the
//! connection pool field), `begin_write` (how a write transaction begins), `LOCK_POOL_FOR_ROTATION` (what
//! serializes key rotations), `purge_statement` (how a bounded purge picks its rows) and `read_inline` (whether
//! the hot reads may skip sqlx: SQLite runs them on the calling task, see `crate::sqlite::reads`).
//!
//! Macros rather than code generic over `sqlx::Database`: such code needs bounds for every executor, argument
//! and column type it touches, which would outgrow the statements; stamped out, each backend runs the same
//! concrete code it ran when it was written out twice.

pub(crate) mod devices;
pub(crate) mod domains;
pub(crate) mod groups;
pub(crate) mod identities;
pub(crate) mod identity_keys;
pub(crate) mod misc;
pub(crate) mod pools;
pub(crate) mod purge;
pub(crate) mod run;
pub(crate) mod tokens;
pub(crate) mod users;

/// A row `read_inline` can read through rusqlite: the tuples of plain columns the inline reads select. Every
/// backend's runners name it, so the statements stay written once.
pub(crate) trait InlineRow: for<'r> TryFrom<&'r rusqlite::Row<'r>, Error = rusqlite::Error> {}

impl<R> InlineRow for R where R: for<'r> TryFrom<&'r rusqlite::Row<'r>, Error = rusqlite::Error> {}

/// Implements every store trait for `$store`, a struct of the calling module with a `pool: sqlx::Pool<$db>`
/// field and the backend-specific items named in this module's documentation. Each capability becomes a
/// child module of the caller (`users`, `tokens`, …), so `$db` is given as a path those modules resolve too
/// (`sqlx::Sqlite`).
macro_rules! store_traits {
    ($store:ident, $db:ty) => {
        crate::sql::run::runners!($store, $db);
        crate::sql::pools::pool_store!($store);
        crate::sql::users::user_store!($store);
        crate::sql::groups::group_store!($store);
        crate::sql::tokens::token_store!($store);
        crate::sql::misc::misc_store!($store);
        crate::sql::devices::device_store!($store);
        crate::sql::domains::domain_store!($store);
        crate::sql::purge::purge_store!($store);
        crate::sql::identity_keys::identity_key_store!($store);
        crate::sql::identities::identity_store!($store);
    };
}
pub(crate) use store_traits;
