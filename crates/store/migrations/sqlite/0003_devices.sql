-- Devices a user's sign-ins registered (NewDeviceMetadata, ConfirmDevice). As in 0001 and 0002 the record is
-- a JSON document (`doc`) next to the columns the store queries, and `version` is the optimistic-concurrency
-- counter (not part of the document). A device key is unique across its pool; a device belongs to one user
-- and goes with the user (and with the pool).

CREATE TABLE devices (
    pool_id    TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    device_key TEXT NOT NULL,
    username   TEXT NOT NULL,
    version    BIGINT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (pool_id, device_key),
    FOREIGN KEY (pool_id, username) REFERENCES users (pool_id, username) ON DELETE CASCADE
);

-- ListDevices (one user, ordered by device key) and the cascade from users.
CREATE INDEX devices_user ON devices (pool_id, username, device_key);
