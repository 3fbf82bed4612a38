-- Retention: what the sweeper (server/core/src/retention.rs) deletes, and
-- the indexes its bounded deletes need. Times are Unix milliseconds (UTC).

-- When a rate-limit bucket holds its whole burst again. From then on the
-- row says no more than no row at all (a new bucket starts full), so the
-- sweeper may delete it whatever limit it belongs to. Rows written before
-- this column existed get the longest full refill of the limits shipped
-- with it (contact-email: 3 at one per 8 hours = 24 hours) after their
-- last use.
ALTER TABLE rate_limits ADD COLUMN full_at INTEGER NOT NULL DEFAULT 0;
UPDATE rate_limits SET full_at = updated_at + 86400000;
CREATE INDEX rate_limits_full ON rate_limits (full_at);

-- Sessions end after an idle time or an absolute lifetime: one index each.
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX sessions_created ON sessions (created_at);

CREATE INDEX unknown_login_failures_last ON unknown_login_failures (last_failed_at);
CREATE INDEX reset_requests_at ON reset_requests (requested_at);
CREATE INDEX pending_resets_expiry ON pending_resets (expires_at);
-- A message still named by a pending reset is kept (the reset refers to it).
CREATE INDEX pending_resets_message ON pending_resets (message_id);
CREATE INDEX events_occurred ON events (occurred_at);
CREATE INDEX outbox_finished ON outbox (finished_at);
CREATE INDEX dev_mailbox_delivered ON dev_mailbox (delivered_at);
