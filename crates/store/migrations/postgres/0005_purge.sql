-- Expiry columns for the background purge (`PurgeStore::purge_expired`): refresh tokens and codes kept their
-- expiry only inside the JSON document, which a bounded delete cannot scan by index. Rows written before this
-- migration are filled from the document (seconds with a fraction, as `Timestamp` serializes). The columns stay
-- nullable so that a node still running the previous version keeps working during an upgrade; its rows are
-- simply never purged.

ALTER TABLE refresh_tokens ADD COLUMN expires_ms BIGINT;
UPDATE refresh_tokens SET expires_ms = ROUND((doc::jsonb ->> 'expires')::numeric * 1000)::bigint;
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_ms);

ALTER TABLE codes ADD COLUMN expires_ms BIGINT;
UPDATE codes SET expires_ms = ROUND((doc::jsonb ->> 'expires')::numeric * 1000)::bigint;
CREATE INDEX codes_expires ON codes (expires_ms);

CREATE INDEX counters_expires ON counters (expires_ms);
