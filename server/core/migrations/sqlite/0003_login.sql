-- Login: throttling state, sessions, rate limits and the event log.
-- Times are Unix milliseconds (UTC).

-- Consecutive failed logins since the last success; the delay and the lock
-- they lead to (SPEC.md §2). Kept on the account so every server instance
-- and the support console see the same state.
ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN throttled_until INTEGER;
ALTER TABLE accounts ADD COLUMN locked_at INTEGER;
ALTER TABLE accounts ADD COLUMN last_login_at INTEGER;

-- The same counters for names that belong to no account, so a throttled or
-- locked answer cannot tell an attacker which names exist.
CREATE TABLE unknown_login_failures (
    name_key        TEXT    PRIMARY KEY,
    failed_logins   INTEGER NOT NULL,
    throttled_until INTEGER,
    locked_at       INTEGER,
    last_failed_at  INTEGER NOT NULL
);

-- Server-side sessions. Only a SHA-256 of the cookie's random token is
-- stored: a copy of this table does not let anyone in.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Token buckets for per-address rate limits, shared by every instance.
CREATE TABLE rate_limits (
    bucket      TEXT    PRIMARY KEY,
    tokens      REAL    NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- What happened, for the support console's feed and account pages.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    occurred_at   INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    account_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    actor_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    detail        TEXT    NOT NULL DEFAULT '{}'   -- JSON
);
CREATE INDEX events_account ON events (account_id, id);
