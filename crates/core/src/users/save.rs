//! Writing users: index entries recomputed on every write, uniqueness clashes turned into Cognito's errors,
//! ForceAliasCreation, and read-modify-write with retry when another node changed the user meanwhile.

use super::names::{self, fold, is_username_attribute};
use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::service::{Latchkey, MAX_CONFLICT_RETRIES};
use crate::store::StoreError;
use crate::users::{user_not_found, User};

/// Whether a clash happened creating a user or changing one: in a pool that signs in by email or phone, the
/// address is the sign-in name, so creating a second account with it is UsernameExistsException, while changing
/// an account's address to one another account has is AliasExistsException (the only clash the update
/// operations' models allow).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    Insert,
    Update,
}

fn clash(pool: &UserPool, kind: &str, write: Write) -> CognitoError {
    match kind {
        "username" => CognitoError::new(ErrorKind::UsernameExistsException, "User already exists"),
        k if is_username_attribute(pool, k) => CognitoError::new(
            if write == Write::Insert {
                ErrorKind::UsernameExistsException
            } else {
                ErrorKind::AliasExistsException
            },
            format!("An account with the given {k} already exists."),
        ),
        k => CognitoError::new(
            ErrorKind::AliasExistsException,
            format!("An account with the {k} already exists."),
        ),
    }
}

impl Latchkey {
    /// Inserts a new user. With `force_alias`, a verified alias another user holds moves to this one.
    pub(crate) async fn insert_user(&self, pool: &UserPool, user: &User, force_alias: bool) -> Result<()> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let (lookups, search) = (names::lookups(pool, user), names::search_entries(pool, user));
            match self.store.insert_user(user, &lookups, &search).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Duplicate { kind })
                    if force_alias && kind != "username" && !is_username_attribute(pool, &kind) =>
                {
                    self.release_alias(pool, &kind, user).await?;
                }
                Err(StoreError::Duplicate { kind }) => return Err(clash(pool, &kind, Write::Insert)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(CognitoError::new(
            ErrorKind::ConcurrentModificationException,
            "The user was modified concurrently; retry.",
        ))
    }

    /// Takes a verified alias away from whoever holds it (ForceAliasCreation): their attribute becomes
    /// unverified, so it no longer signs them in.
    async fn release_alias(&self, pool: &UserPool, kind: &str, claimant: &User) -> Result<()> {
        let Some(value) = claimant.attributes.get(kind) else {
            return Ok(());
        };
        let Some(holder) = self.store.find_user(&pool.id, kind, &fold(pool, value)).await? else {
            return Ok(());
        };
        if holder.username == claimant.username {
            return Ok(());
        }
        // Boxed: this write may itself release an alias, and async recursion needs a heap frame.
        Box::pin(self.mutate_user(pool, &holder.username, |u| {
            if kind != "preferred_username" {
                u.attributes.insert(format!("{kind}_verified"), "false".into());
            } else {
                u.attributes.remove(kind);
            }
            Ok(())
        }))
        .await?;
        Ok(())
    }

    /// Loads a user, applies `change`, and stores the result with fresh index entries, retrying from a fresh copy
    /// when another writer got there first. `change` must be a pure function of the user it is given.
    pub(crate) async fn mutate_user<T>(
        &self,
        pool: &UserPool,
        username: &str,
        change: impl FnMut(&mut User) -> Result<T>,
    ) -> Result<(User, T)> {
        self.mutate_user_forcing(pool, username, false, change).await
    }

    pub(crate) async fn mutate_user_forcing<T>(
        &self,
        pool: &UserPool,
        username: &str,
        force_alias: bool,
        mut change: impl FnMut(&mut User) -> Result<T>,
    ) -> Result<(User, T)> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut user = self
                .store
                .get_user(&pool.id, username)
                .await?
                .ok_or_else(user_not_found)?;
            let out = change(&mut user)?;
            user.modified = self.clock.now();
            user.version += 1;
            let (lookups, search) = (names::lookups(pool, &user), names::search_entries(pool, &user));
            match self.store.update_user(&user, &lookups, &search).await {
                Ok(()) => return Ok((user, out)),
                Err(StoreError::Conflict(_)) => continue,
                Err(StoreError::Duplicate { kind })
                    if force_alias && kind != "username" && !is_username_attribute(pool, &kind) =>
                {
                    self.release_alias(pool, &kind, &user).await?;
                }
                Err(StoreError::Duplicate { kind }) => return Err(clash(pool, &kind, Write::Update)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(CognitoError::new(
            ErrorKind::ConcurrentModificationException,
            "The user was modified concurrently; retry.",
        ))
    }
}
