-- Pairs of accounts that may belong to one person: the later account was
-- registered with a registration number (or name and number) the earlier
-- one already had, after its registrant confirmed the warning.
CREATE TABLE possible_duplicates (
    account_id        BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    earlier_account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reason            TEXT    NOT NULL CHECK (reason IN ('registration_number', 'name_and_number')),
    detected_at       BIGINT  NOT NULL,
    PRIMARY KEY (account_id, earlier_account_id)
);
CREATE INDEX possible_duplicates_earlier ON possible_duplicates (earlier_account_id);

-- Finding an account by number whatever kind it was filed under.
CREATE INDEX registration_numbers_number ON registration_numbers (number);
