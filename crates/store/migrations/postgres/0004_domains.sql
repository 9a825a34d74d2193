-- User-pool domains (CreateUserPoolDomain): a hosted-UI prefix or a custom domain. As in 0001-0003 the record
-- is a JSON document (`doc`) next to the columns the store queries. A domain is unique across every pool, so
-- it is the primary key on its own; it goes with its pool.
--
-- Text key columns use COLLATE "C" (see 0001): a pool's domains are ordered by byte value, as in SQLite.

CREATE TABLE domains (
    domain  TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    doc     TEXT NOT NULL
);

-- A pool's domains (ordered by domain) and the cascade from user_pools.
CREATE INDEX domains_pool_domain ON domains (pool_id, domain);
