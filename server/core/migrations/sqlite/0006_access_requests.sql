-- "Contact support" (SPEC.md §8): requests from people who cannot get in,
-- and every step taken on them. Times are Unix milliseconds (UTC).

CREATE TABLE access_requests (
    id                    INTEGER PRIMARY KEY,
    created_at            INTEGER NOT NULL,
    status                TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    first_name            TEXT    NOT NULL,
    surname               TEXT    NOT NULL,
    username              TEXT    NOT NULL DEFAULT '',   -- if remembered
    email                 TEXT    NOT NULL,              -- where to reply
    previous_emails       TEXT    NOT NULL DEFAULT '',   -- one per line
    registration_numbers  TEXT    NOT NULL DEFAULT '',   -- one per line, upper case, no spaces
    last_post             TEXT    NOT NULL DEFAULT '',
    supervised_trainees   TEXT    NOT NULL DEFAULT '',
    message               TEXT    NOT NULL
);
CREATE INDEX access_requests_queue ON access_requests (status, id);

-- The request's history: submitted, then each support step (email changed,
-- reset sent, note, closed) with who took it.
CREATE TABLE access_request_steps (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    occurred_at  INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES accounts (id),        -- NULL: the person
    action       TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX access_request_steps_request ON access_request_steps (request_id, id);
