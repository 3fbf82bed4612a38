-- Look-alike names (SPEC.md §1): every login name carries its UTS #39
-- confusable skeleton, unique across the namespace like the name itself, so
-- a name that looks like a held one cannot be claimed, even by a racing
-- registration.
--
-- SQL cannot compute a skeleton: rows written before this migration get
-- theirs from the server at start-up (store/login_names.rs,
-- complete_login_names), which also moves an address's key to its
-- punycode domain. A row whose skeleton another name already holds keeps
-- NULL (NULLs never collide) and is reported in look_alike_names; nothing
-- is deleted, support decides.
ALTER TABLE login_names ADD COLUMN skeleton TEXT;
CREATE UNIQUE INDEX login_names_skeleton ON login_names (skeleton);

CREATE TABLE look_alike_names (
    name_key              TEXT    PRIMARY KEY,  -- the name that could not take its skeleton
    account_id            BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    looks_like_account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    found_at              BIGINT  NOT NULL     -- Unix milliseconds (UTC)
);
CREATE INDEX look_alike_names_account ON look_alike_names (account_id);
CREATE INDEX look_alike_names_other ON look_alike_names (looks_like_account_id);
