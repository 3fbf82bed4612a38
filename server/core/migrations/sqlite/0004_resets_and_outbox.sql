-- Forgotten password (SPEC.md §4): pending reset passwords, the outbox that
-- delivers them, every delivery attempt, and the development mailbox.
-- Times are Unix milliseconds (UTC).

-- Email waiting to be delivered, and what became of it. The message is kept
-- as its kind and the data it is rendered from; the one secret it carries (a
-- reset password) is a separate column, set to NULL once the message is sent
-- or abandoned, so no stored body ever holds a password that was delivered.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,                -- what to render: 'password_reset', ...
    account_id       INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    recipient        TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    data             TEXT    NOT NULL DEFAULT '{}',   -- JSON the body is rendered from
    secret           TEXT,
    status           TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sending', 'sent', 'abandoned', 'superseded')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    -- A worker owns a 'sending' message until its lease runs out; after that
    -- (the worker died) any worker may claim it again.
    claimed_by       TEXT,
    lease_expires_at INTEGER,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    last_reply       TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_account ON outbox (account_id, id);

-- Every delivery attempt with the server's reply, for support.
CREATE TABLE outbox_attempts (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempted_at  INTEGER NOT NULL,
    worker        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('sent', 'failed', 'superseded')),
    reply         TEXT    NOT NULL
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (message_id, id);

-- The one reset password an account may have pending. The primary key makes
-- a newer reset replace an older one, so only the most recent works; using it
-- deletes the row, so it works once.
CREATE TABLE pending_resets (
    account_id     INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    password_hash  TEXT    NOT NULL,
    issued_at      INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    message_id     INTEGER NOT NULL REFERENCES outbox (id)
);

-- Reset requests by the address typed, known or not, for the hourly limit:
-- counting unknown addresses alike keeps the limit's answer from revealing
-- which addresses have accounts.
CREATE TABLE reset_requests (
    email_key     TEXT    NOT NULL,
    requested_at  INTEGER NOT NULL
);
CREATE INDEX reset_requests_recent ON reset_requests (email_key, requested_at);

-- The last reset issued to an account, for the support console.
ALTER TABLE accounts ADD COLUMN last_reset_at INTEGER;

-- A session started with a reset password may only choose a new password.
ALTER TABLE sessions ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- Messages "delivered" when no SMTP server is configured, shown at
-- /dev/mailbox so a local run can complete a reset.
CREATE TABLE dev_mailbox (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL,
    recipient     TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    body_text     TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    delivered_at  INTEGER NOT NULL
);
