-- The key ring of identity pools' OpenID tokens (GetOpenIdToken): one ring for the whole service, apart from
-- `signing_keys`, whose rows belong to a user pool. As there, the record is a JSON document (`doc`, the private
-- key sealed with the master key) next to the columns the store queries.

CREATE TABLE identity_signing_keys (
    kid        TEXT COLLATE "C" PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    retired_ms BIGINT,
    doc        TEXT NOT NULL
);

-- At most one unretired key: of two nodes creating or rotating the key at once, the second insert fails here, so
-- the ring never has two active keys whatever the isolation level.
CREATE UNIQUE INDEX identity_signing_keys_one_active ON identity_signing_keys ((retired_ms IS NULL))
    WHERE retired_ms IS NULL;
