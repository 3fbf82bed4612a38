-- A second factor for support users (NIST SP 800-63B-4 AAL2): a passkey,
-- or an authenticator app's codes with single-use recovery codes.

-- When the session proved a second factor: a passkey login, or a code
-- after the password. The support console answers only such sessions.
ALTER TABLE sessions ADD COLUMN second_factor_at INTEGER;

-- An authenticator app (RFC 6238). The secret must be read back to check
-- codes, so it is stored as issued; confirmed_at stays NULL until the
-- first code from the app proves it was set up. last_step is the newest
-- time step accepted: a code is accepted once.
CREATE TABLE totp_factors (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,         -- base32
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER
);

-- Ten single-use codes for when the authenticator app is not at hand.
-- lookup is the code's first group (which row to check); the code itself
-- is kept only as an Argon2id hash.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    lookup     TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id, lookup);

-- One-time enrolment links for support users: valid 24 hours, the newest
-- only; opened by the support user's own (password) session.
CREATE TABLE support_enrolments (
    token_hash  TEXT    PRIMARY KEY,       -- SHA-256 of the link's token
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_by  INTEGER REFERENCES accounts (id) ON DELETE SET NULL, -- NULL: the command line
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX support_enrolments_account ON support_enrolments (account_id);
