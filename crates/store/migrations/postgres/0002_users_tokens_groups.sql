-- Users with their lookup and search indexes, one-time codes, refresh tokens, signing keys, groups, the
-- development outbox and rate counters. As in 0001, records are JSON documents (`doc`) next to the columns
-- the store queries; a column that a single statement changes (`version`, `attempts`, `revoked`,
-- `retired_ms`) is authoritative over the same field in the document.
--
-- Everything of a user references the user row with ON DELETE CASCADE, and users and pool-level records
-- reference the pool, so a deleted pool or user leaves nothing behind. The outbox is a development aid kept
-- across pool deletion.
--
-- Text key columns use COLLATE "C" (see 0001): listings, pagination and the ListUsers prefix ranges compare
-- by byte value, as SQLite does.

CREATE TABLE users (
    pool_id  TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    username TEXT COLLATE "C" NOT NULL,
    version  BIGINT NOT NULL,
    doc      TEXT NOT NULL,
    PRIMARY KEY (pool_id, username)
);

-- Unique sign-in names and aliases: the primary key is what makes (pool, kind, key) belong to one user.
CREATE TABLE user_lookups (
    pool_id  TEXT COLLATE "C" NOT NULL,
    kind     TEXT COLLATE "C" NOT NULL,
    key      TEXT COLLATE "C" NOT NULL,
    username TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, kind, key),
    FOREIGN KEY (pool_id, username) REFERENCES users (pool_id, username) ON DELETE CASCADE
);

-- Replacing a user's lookups and the cascade from users.
CREATE INDEX user_lookups_user ON user_lookups (pool_id, username);

-- ListUsers filters: not unique across users; the primary key only drops a user's repeated entries and
-- serves the `=` and prefix (range) scans.
CREATE TABLE user_search (
    pool_id  TEXT COLLATE "C" NOT NULL,
    kind     TEXT COLLATE "C" NOT NULL,
    key      TEXT COLLATE "C" NOT NULL,
    username TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, kind, key, username),
    FOREIGN KEY (pool_id, username) REFERENCES users (pool_id, username) ON DELETE CASCADE
);

CREATE INDEX user_search_user ON user_search (pool_id, username);

CREATE TABLE codes (
    pool_id  TEXT COLLATE "C" NOT NULL,
    username TEXT COLLATE "C" NOT NULL,
    purpose  TEXT COLLATE "C" NOT NULL,
    attempts BIGINT NOT NULL,
    doc      TEXT NOT NULL,
    PRIMARY KEY (pool_id, username, purpose),
    FOREIGN KEY (pool_id, username) REFERENCES users (pool_id, username) ON DELETE CASCADE
);

CREATE TABLE refresh_tokens (
    handle_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id     TEXT COLLATE "C" NOT NULL,
    username    TEXT COLLATE "C" NOT NULL,
    origin_jti  TEXT COLLATE "C" NOT NULL,
    revoked     BOOLEAN NOT NULL,
    doc         TEXT NOT NULL,
    FOREIGN KEY (pool_id, username) REFERENCES users (pool_id, username) ON DELETE CASCADE
);

-- Revocation by sign-in (RevokeToken, access-token checks) and by user (GlobalSignOut, the cascade).
CREATE INDEX refresh_tokens_origin ON refresh_tokens (origin_jti);
CREATE INDEX refresh_tokens_user ON refresh_tokens (pool_id, username);

CREATE TABLE signing_keys (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kid        TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    retired_ms BIGINT,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, kid)
);

CREATE TABLE user_groups (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    group_name TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name)
);

CREATE TABLE group_members (
    pool_id    TEXT COLLATE "C" NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    username   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, group_name, username),
    FOREIGN KEY (pool_id, group_name) REFERENCES user_groups (pool_id, group_name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username) REFERENCES users (pool_id, username) ON DELETE CASCADE
);

-- AdminListGroupsForUser and the cascade from users.
CREATE INDEX group_members_user ON group_members (pool_id, username, group_name);

CREATE TABLE outbox (
    id         TEXT COLLATE "C" PRIMARY KEY,
    pool_id    TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    doc        TEXT NOT NULL
);

CREATE INDEX outbox_created ON outbox (created_ms, id);

CREATE TABLE counters (
    key        TEXT COLLATE "C" PRIMARY KEY,
    value      BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
