-- Confirming email addresses (My account): a new address, or the one given
-- at registration, takes effect or counts as confirmed only when a link
-- sent to it is followed. Only the newest open confirmation of an account
-- works; the ones before it are closed as superseded.
-- Accounts created before this migration start unconfirmed.
ALTER TABLE accounts ADD COLUMN email_confirmed_at INTEGER;

CREATE TABLE email_confirmations (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email             TEXT    NOT NULL,       -- the address being confirmed, as typed
    purpose           TEXT    NOT NULL,       -- 'registration' or 'change'
    token_hash        TEXT    NOT NULL UNIQUE, -- SHA-256 of the link's token
    cancel_token_hash TEXT    UNIQUE,          -- SHA-256 of the old address's cancel link's token
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    outcome           TEXT                     -- 'confirmed', 'cancelled' or 'superseded'
);
CREATE INDEX email_confirmations_account ON email_confirmations (account_id, id);
