-- Support search results are listed by surname, then first name. With this
-- index a query matching a large share of all accounts can read accounts in
-- that order and stop at the first page, instead of sorting every match.
CREATE INDEX accounts_by_name ON accounts (lower(surname), lower(first_name), id);
