-- The search's result order (surname, first name) kept beside the terms, so
-- a search finds its matches and sorts them without reading accounts, then
-- reads accounts for its one page only.
ALTER TABLE account_search
    ADD COLUMN surname_key TEXT NOT NULL DEFAULT '',
    ADD COLUMN first_name_key TEXT NOT NULL DEFAULT '';
UPDATE account_search s
   SET surname_key = lower(a.surname), first_name_key = lower(a.first_name)
  FROM accounts a
 WHERE a.id = s.account_id;

-- 0007's index let the planner walk accounts in name order and test each
-- against the terms. It looked cheap because matches were assumed spread
-- evenly, but a surname's matches sit together in that order: "okaf" read
-- 53,000 accounts to find 50 (400 ms on 100,000). Without it, every search
-- finds its matches first.
DROP INDEX accounts_by_name;

-- The name order within the index table: a search for a fragment first
-- reads the first 2,000 accounts in this order (store/search_index.rs,
-- first_look).
CREATE INDEX account_search_by_name
    ON account_search (surname_key, first_name_key, account_id);
