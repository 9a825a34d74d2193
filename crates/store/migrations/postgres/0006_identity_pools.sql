-- Identity pools (the `cognito-identity` service), their identities and the logins linked to them. As in
-- 0001-0005 a pool is a JSON document (`doc`) with its optimistic-concurrency `version` in its own column. An
-- identity is only columns: its logins are rows of their own, so that "a login belongs to at most one identity
-- of a pool" is the primary key of identity_logins and two concurrent GetId calls cannot both create one.
--
-- No foreign key to user_pools: an identity pool names user pools only inside its document, and deleting a user
-- pool must leave the identity pools that trust it alone.
--
-- Text key columns use COLLATE "C" (see 0001): pools, identities and logins are ordered by byte value, as in
-- SQLite.

CREATE TABLE identity_pools (
    id      TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    doc     TEXT NOT NULL
);

CREATE TABLE identities (
    id          TEXT COLLATE "C" PRIMARY KEY,
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES identity_pools (id) ON DELETE CASCADE,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL
);

-- ListIdentities (one pool, ordered by id) and the cascade from identity_pools.
CREATE INDEX identities_pool_id ON identities (pool_id, id);

-- `pool_id` repeats the identity's pool so that the key is per pool (and a pool's logins go with it in one
-- statement).
CREATE TABLE identity_logins (
    pool_id     TEXT COLLATE "C" NOT NULL,
    provider    TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL,
    identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    PRIMARY KEY (pool_id, provider, subject)
);

-- An identity's logins and the cascade from identities.
CREATE INDEX identity_logins_identity ON identity_logins (identity_id);
