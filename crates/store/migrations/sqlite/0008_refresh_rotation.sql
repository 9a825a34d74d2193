-- Refresh-token rotation: when a rotating client's refresh token was replaced by a new one. The old token keeps
-- working for the client's RetryGracePeriodSeconds after this instant, and is refused as reused after that. A
-- column, not only in the document, so the compare-free update (first replacement wins) is one statement.
ALTER TABLE refresh_tokens ADD COLUMN replaced_ms BIGINT;
