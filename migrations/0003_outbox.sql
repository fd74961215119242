-- The delivery engine's durable outbox: every message the bot sends on its own.
-- state: queued -> sending (handed to the Bot API) -> sent | blocked | failed | cancelled.
-- A row left in 'sending' by a crash is the only kind that can be sent twice.

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    purpose          TEXT NOT NULL,  -- notice | broadcast | reminder
    dedup_key        TEXT UNIQUE,    -- the same key is never queued twice
    broadcast_id     INTEGER,
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'copy')),
    text             TEXT,           -- HTML, for kind = 'text'
    reply_markup     TEXT,           -- JSON
    from_chat_id     INTEGER,        -- for kind = 'copy'
    from_message_id  INTEGER,
    state            TEXT NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'sending', 'sent', 'blocked', 'failed',
                                          'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT NOT NULL,  -- not sent before this UTC time (schedule, backoff)
    last_error       TEXT,
    sent_message_id  INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE INDEX outbox_due ON outbox (not_before, id) WHERE state = 'queued';
CREATE INDEX outbox_in_flight ON outbox (state) WHERE state = 'sending';
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_chat ON outbox (chat_id, state);
