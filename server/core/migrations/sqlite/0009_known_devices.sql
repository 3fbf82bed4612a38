-- Browsers that have logged in to an account: a long-lived "known device"
-- cookie holds a random token, and only its SHA-256 is stored here (a copy
-- of this table cannot be replayed as cookies). One browser may be known to
-- several accounts (a shared computer), so the key is the pair.
-- A reset asked for from a device known to the account draws from the
-- owner's own hourly allowance, which strangers cannot use up (SPEC.md §4).
-- Times are Unix milliseconds (UTC); a device unused for a year is swept.
CREATE TABLE known_devices (
    token_hash    TEXT    NOT NULL,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    PRIMARY KEY (token_hash, account_id)
);
CREATE INDEX known_devices_last_used ON known_devices (last_used_at);

-- Which allowance a reset request was counted in: strangers' (0) or the
-- owner's own (1). Both are limited per address per hour.
ALTER TABLE reset_requests ADD COLUMN by_owner INTEGER NOT NULL DEFAULT 0;
