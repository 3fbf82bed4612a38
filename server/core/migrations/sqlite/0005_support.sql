-- Support console (SPEC.md §5): the audit trail of staff actions, and the
-- search index over accounts. Times are Unix milliseconds (UTC).

-- Who did what to which account, with the state before and after, written
-- in the same transaction as the change itself.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    occurred_at  INTEGER NOT NULL,
    actor_id     INTEGER NOT NULL REFERENCES accounts (id),
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    action       TEXT    NOT NULL,
    before       TEXT    NOT NULL DEFAULT '{}',   -- JSON
    after        TEXT    NOT NULL DEFAULT '{}'    -- JSON
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);

-- Search: one row per account (rowid = account id) holding its searchable
-- terms, case-folded by the application (username, current and previous
-- emails, names, practice, registration numbers with and without their
-- kind). The trigram index answers substring matches of three characters or
-- more; the word index answers shorter queries as whole words ("Li", "Ng").
-- The store rewrites an account's row in every transaction that changes
-- one of those terms.
CREATE VIRTUAL TABLE account_search USING fts5 (terms, tokenize = 'trigram');
CREATE VIRTUAL TABLE account_search_words USING fts5 (terms, tokenize = 'unicode61');

