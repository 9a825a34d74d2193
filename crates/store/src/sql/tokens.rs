//! Refresh-token handles and token-signing keys (`TokenStore`), stamped out per backend (see `crate::sql`).

/// The refresh path's read: a refresh token with its user, by handle hash (`$1`).
pub(crate) const REFRESH_TOKEN_AND_USER: &str =
    "SELECT r.doc, r.revoked, r.replaced_ms, u.doc, u.version FROM refresh_tokens r \
     JOIN users u ON u.pool_id = r.pool_id AND u.username = r.username \
     WHERE r.handle_hash = $1";

/// The access-token check's read: the user (`$1` pool, `$2` username) and whether the sign-in its token comes from
/// (`$3`, the origin jti) has been revoked.
pub(crate) const USER_AND_ORIGIN_REVOKED: &str = "SELECT doc, version, \
     EXISTS (SELECT 1 FROM refresh_tokens WHERE origin_jti = $3 AND revoked) \
     FROM users WHERE pool_id = $1 AND username = $2";

/// Implements `TokenStore` for `$store`.
macro_rules! token_store {
    ($store:ident) => {
        /// Refresh-token handles and token-signing keys.
        mod tokens {
            use async_trait::async_trait;
            use latchkey_core::store::{
                RefreshTokenRecord, SigningKeyRecord, StoreError, StoreResult, TokenStore,
            };
            use latchkey_core::time::Timestamp;
            use latchkey_core::users::User;

            use super::$store;
            use crate::common::{
                backend, check_key_pools, insert_error, key_doc, key_from_row, refresh_doc, refresh_from_row,
                same_kids, user_from_row,
            };

            #[async_trait]
            impl TokenStore for $store {
                async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
                    let insert = sqlx::query(
                        "INSERT INTO refresh_tokens \
                         (handle_hash, pool_id, username, origin_jti, revoked, doc, expires_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&token.handle_hash)
                    .bind(&token.pool_id)
                    .bind(&token.username)
                    .bind(&token.origin_jti)
                    .bind(token.revoked)
                    .bind(refresh_doc(token)?)
                    .bind(token.expires.millis());
                    self.insert(insert, "refresh_token", || {
                        format!("user {}", token.username)
                    })
                    .await
                }

                async fn get_refresh_token(
                    &self,
                    handle_hash: &str,
                ) -> StoreResult<Option<RefreshTokenRecord>> {
                    let query =
                        sqlx::query_as(
                            "SELECT doc, revoked, replaced_ms FROM refresh_tokens WHERE handle_hash = $1",
                        )
                            .bind(handle_hash);
                    self.optional(query, refresh_from_row).await
                }

                async fn get_refresh_token_and_user(
                    &self,
                    handle_hash: &str,
                ) -> StoreResult<Option<(RefreshTokenRecord, User)>> {
                    type Row = (String, bool, Option<i64>, String, i64);
                    let convert = |(token, revoked, replaced, user, version): Row| {
                        Ok((
                            refresh_from_row((token, revoked, replaced))?,
                            user_from_row((user, version))?,
                        ))
                    };
                    self.find(
                        crate::sql::tokens::REFRESH_TOKEN_AND_USER,
                        &[handle_hash],
                        convert,
                    )
                    .await
                }

                async fn mark_refresh_token_replaced(&self, handle_hash: &str, at: Timestamp) -> StoreResult<()> {
                    let mark = sqlx::query(
                        "UPDATE refresh_tokens SET replaced_ms = COALESCE(replaced_ms, $2) WHERE handle_hash = $1",
                    )
                    .bind(handle_hash)
                    .bind(at.millis());
                    self.changed(mark).await.map_err(backend)?;
                    Ok(())
                }

                async fn revoke_origin(&self, origin_jti: &str) -> StoreResult<u64> {
                    // Counts only tokens this call revoked, so a repeated revocation reports 0.
                    let revoke = sqlx::query(
                        "UPDATE refresh_tokens SET revoked = TRUE WHERE origin_jti = $1 AND NOT revoked",
                    )
                    .bind(origin_jti);
                    self.changed(revoke).await.map_err(backend)
                }

                async fn revoke_user_tokens(&self, pool_id: &str, username: &str) -> StoreResult<u64> {
                    let revoke = sqlx::query(
                        "UPDATE refresh_tokens SET revoked = TRUE \
                         WHERE pool_id = $1 AND username = $2 AND NOT revoked",
                    )
                    .bind(pool_id)
                    .bind(username);
                    self.changed(revoke).await.map_err(backend)
                }

                async fn is_origin_revoked(&self, origin_jti: &str) -> StoreResult<bool> {
                    let row =
                        sqlx::query("SELECT 1 FROM refresh_tokens WHERE origin_jti = $1 AND revoked LIMIT 1")
                            .bind(origin_jti)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(backend)?;
                    Ok(row.is_some())
                }

                async fn get_user_and_origin_revoked(
                    &self,
                    pool_id: &str,
                    username: &str,
                    origin_jti: &str,
                ) -> StoreResult<Option<(User, bool)>> {
                    let convert = |(doc, version, revoked): (String, i64, bool)| {
                        Ok((user_from_row((doc, version))?, revoked))
                    };
                    let keys = [pool_id, username, origin_jti];
                    self.find(crate::sql::tokens::USER_AND_ORIGIN_REVOKED, &keys, convert)
                        .await
                }

                async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
                    let rows = sqlx::query_as::<_, (String, Option<i64>)>(
                        "SELECT doc, retired_ms FROM signing_keys WHERE pool_id = $1 \
                         ORDER BY created_ms DESC, kid DESC",
                    )
                    .bind(pool_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    rows.into_iter().map(key_from_row).collect()
                }

                async fn rotate_signing_keys(
                    &self,
                    pool_id: &str,
                    expected_active: &[String],
                    new: &[SigningKeyRecord],
                    retired_at: Timestamp,
                ) -> StoreResult<()> {
                    check_key_pools(pool_id, new)?;
                    // Two rotations must not both pass the check below: the backend's lock (see
                    // `LOCK_POOL_FOR_ROTATION`) holds from the check to the commit, so of two rotations expecting
                    // the same keys the second sees the first's keys and fails.
                    let mut tx = self.begin_write().await?;
                    let pool = sqlx::query(Self::LOCK_POOL_FOR_ROTATION)
                        .bind(pool_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(backend)?;
                    if pool.is_none() {
                        return Err(StoreError::Conflict(format!(
                            "user pool {pool_id} does not exist"
                        )));
                    }
                    let active: Vec<(String,)> = sqlx::query_as(
                        "SELECT kid FROM signing_keys WHERE pool_id = $1 AND retired_ms IS NULL",
                    )
                    .bind(pool_id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let active: Vec<String> = active.into_iter().map(|(kid,)| kid).collect();
                    if !same_kids(&active, expected_active) {
                        return Err(StoreError::Conflict(format!(
                            "signing keys of user pool {pool_id} changed"
                        )));
                    }
                    sqlx::query(
                        "UPDATE signing_keys SET retired_ms = $1 WHERE pool_id = $2 AND retired_ms IS NULL",
                    )
                    .bind(retired_at.millis())
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    for key in new {
                        sqlx::query(
                            "INSERT INTO signing_keys (pool_id, kid, created_ms, retired_ms, doc) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(pool_id)
                        .bind(&key.kid)
                        .bind(key.created.millis())
                        .bind(key.retired.map(Timestamp::millis))
                        .bind(key_doc(key)?)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| insert_error(e, "kid", &format!("user pool {pool_id}")))?;
                    }
                    tx.commit().await.map_err(backend)
                }
            }
        }
    };
}
pub(crate) use token_store;
