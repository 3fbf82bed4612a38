-- Passwords found in the breached-password list (SPEC.md §3). A login
-- that verifies a password on the list records when it first found it
-- here and starts a session that must choose a new password; every later
-- login with that password does the same, and choosing a new password
-- clears it. Support's account page shows it as the reason the account
-- must choose a new password. Unix milliseconds (UTC); NULL: not found.
ALTER TABLE accounts ADD COLUMN password_breached_at INTEGER;
