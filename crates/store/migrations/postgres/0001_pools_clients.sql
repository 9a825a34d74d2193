-- User pools and their app clients. Each row holds the record as a JSON document (`doc`) next to the columns
-- the store looks it up by; `version` is the optimistic-concurrency counter (not part of the document).
--
-- Key columns use COLLATE "C" so listings are ordered by byte value, as in SQLite, whatever the database's
-- locale: ids mix upper and lower case, and pagination tokens must mean the same on every backend.

CREATE TABLE user_pools (
    id      TEXT COLLATE "C" PRIMARY KEY,
    region  TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    doc     TEXT NOT NULL
);

-- ListUserPools: one region, ordered by id.
CREATE INDEX user_pools_region_id ON user_pools (region, id);

CREATE TABLE user_pool_clients (
    client_id TEXT COLLATE "C" PRIMARY KEY,
    pool_id   TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    version   BIGINT NOT NULL,
    doc       TEXT NOT NULL
);

-- ListUserPoolClients and the cascade from user_pools.
CREATE INDEX user_pool_clients_pool_client ON user_pool_clients (pool_id, client_id);
