-- My account lists a person's open sessions: where each came from, as the
-- browser said (its User-Agent, cut to 512 characters) and the client
-- address the server's edge decided. Written just after the session
-- starts; NULL for sessions started before this migration.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN client_address TEXT;
