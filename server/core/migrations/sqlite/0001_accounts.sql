-- Accounts, the shared login-name namespace, email history and registration
-- numbers. Times are Unix milliseconds (UTC).

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL,            -- as chosen or generated, for display
    email           TEXT    NOT NULL,            -- as typed (trimmed), for display
    first_name      TEXT    NOT NULL,
    surname         TEXT    NOT NULL,
    account_type    TEXT    NOT NULL CHECK (account_type IN ('practitioner', 'practice_admin', 'support')),
    practice_name   TEXT,
    password_hash   TEXT    NOT NULL,            -- Argon2id PHC string
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at      INTEGER NOT NULL,
    CHECK (account_type <> 'practice_admin' OR practice_name IS NOT NULL)
);

-- Login accepts a username or an email, so both live in one namespace: each
-- row is the case-folded form of an account's username or current email, and
-- the primary key makes every one of them unique across all accounts, in
-- either direction. An account whose username is its email holds one row.
CREATE TABLE login_names (
    name_key    TEXT    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('username', 'email', 'both'))
);
CREATE INDEX login_names_account ON login_names (account_id);

CREATE TABLE email_history (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT    NOT NULL,                -- the earlier address, as it was
    email_key   TEXT    NOT NULL,
    changed_at  INTEGER NOT NULL,
    changed_by  INTEGER REFERENCES accounts (id) -- NULL: the person themself
);
CREATE INDEX email_history_account ON email_history (account_id);
CREATE INDEX email_history_key ON email_history (email_key);

-- Not unique: a second account with the same number is allowed after a
-- warning, and the support console shows the pair as possible duplicates.
CREATE TABLE registration_numbers (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('GMC', 'NMC', 'NTN', 'College', 'Other')),
    number      TEXT    NOT NULL,                -- normalised: trimmed, upper-case, no spaces
    PRIMARY KEY (account_id, kind, number)
);
CREATE INDEX registration_numbers_lookup ON registration_numbers (kind, number);
