-- Passkeys (WebAuthn). An account gets a random user handle the first time
-- it adds one: the authenticator stores the handle, never the username, and
-- a discoverable (username-less) login names the account by it.
ALTER TABLE accounts ADD COLUMN passkey_user_handle TEXT;
CREATE UNIQUE INDEX accounts_passkey_user_handle ON accounts (passkey_user_handle);

CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential_id TEXT    NOT NULL UNIQUE, -- base64url, as the browser sends it
    name          TEXT    NOT NULL,        -- chosen by the owner ("Work laptop")
    credential    TEXT    NOT NULL,        -- webauthn-rs' Passkey, JSON: public key, counter, backup flags
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_account ON passkeys (account_id, id);

-- A ceremony's state between its two requests: single use (deleted as it
-- is finished), short-lived (swept), and bound to the session that began
-- it when there is one.
CREATE TABLE passkey_ceremonies (
    id_hash      TEXT    PRIMARY KEY,      -- SHA-256 of the ceremony id the browser holds
    purpose      TEXT    NOT NULL,         -- 'register' or 'login'
    session_hash TEXT,                     -- the session that began it (register)
    state        TEXT    NOT NULL,         -- webauthn-rs' ceremony state, JSON
    expires_at   INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
