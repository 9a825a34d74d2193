//! The behaviour every `Store` backend must show, written once against `Arc<dyn Store>`; one module per
//! capability of the port, plus the cascades that span them.

use std::future::Future;

use latchkey_core::store::{Page, StoreError, StoreResult};

mod cascade;
mod codes;
mod devices;
mod domains;
mod groups;
mod hot_reads;
mod identities;
mod identity_keys;
mod identity_logins;
mod misc;
mod pools;
mod purge;
mod tokens;
mod user_listing;
mod users;

pub use cascade::*;
pub use codes::*;
pub use devices::*;
pub use domains::*;
pub use groups::*;
pub use hot_reads::*;
pub use identities::*;
pub use identity_keys::*;
pub use identity_logins::*;
pub use misc::*;
pub use pools::*;
pub use purge::*;
pub use tokens::*;
pub use user_listing::*;
pub use users::*;

pub fn ids<T>(page: &Page<T>, key: impl Fn(&T) -> &str) -> Vec<String> {
    page.items.iter().map(|i| key(i).to_owned()).collect()
}

pub fn is_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

/// Whether `r` failed with `Duplicate` of exactly `kind`; prints what it got otherwise.
pub fn is_duplicate<T: std::fmt::Debug>(r: Result<T, StoreError>, kind: &str) -> bool {
    match r {
        Err(StoreError::Duplicate { kind: k }) if k == kind => true,
        other => {
            eprintln!("expected Duplicate {{ kind: {kind:?} }}, got {other:?}");
            false
        }
    }
}

/// Follows `next` keys from the first page to the last, returning each page's keys and checking that `next`
/// is always the last key of a non-empty page.
pub async fn pages<T, Fut>(
    mut fetch: impl FnMut(Option<String>) -> Fut,
    key: impl Fn(&T) -> &str,
) -> Vec<Vec<String>>
where
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(after.take()).await.unwrap();
        let keys = ids(&page, &key);
        if let Some(next) = &page.next {
            // The last key itself, or (prefix listings) a position ending with it.
            let last = keys.last().expect("a page with a next key has items");
            assert!(
                next.ends_with(last.as_str()),
                "next {next:?} continues after {last:?}"
            );
        }
        pages.push(keys);
        match page.next {
            Some(next) => after = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 100, "pagination does not end");
    }
}

/// `n` strings from `name(i)`, as the owned keys pages return.
pub fn names(n: usize, name: impl Fn(usize) -> String) -> Vec<String> {
    (0..n).map(name).collect()
}
