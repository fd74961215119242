-- Organisers' broadcasts: one message copied to everyone in a segment.
-- status: scheduled -> sending -> done | stopped; a scheduled one can be cancelled.
-- The recipients are outbox rows (purpose 'broadcast', broadcast_id = id), queued when
-- the broadcast starts, so a scheduled one reaches the people in the segment at its time.

CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY,
    created_by           INTEGER NOT NULL,
    segment              TEXT NOT NULL,      -- JSON, see bot/broadcasts.py Segment
    from_chat_id         INTEGER NOT NULL,   -- the organiser's message that is copied
    from_message_id      INTEGER NOT NULL,
    content_kind         TEXT NOT NULL CHECK (content_kind IN ('text', 'photo', 'document')),
    status               TEXT NOT NULL
                             CHECK (status IN ('scheduled', 'sending', 'done', 'stopped',
                                               'cancelled')),
    scheduled_for        TEXT,               -- UTC; NULL when sent at once
    late                 INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    recipients           INTEGER NOT NULL DEFAULT 0,
    progress_chat_id     INTEGER,            -- the message edited with the figures
    progress_message_id  INTEGER,
    started_at           TEXT,
    finished_at          TEXT,
    stopped_by           INTEGER,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE INDEX broadcasts_active ON broadcasts (status, scheduled_for)
    WHERE status IN ('scheduled', 'sending');

-- Notices and reminders go before a long broadcast: an approval must not wait half an
-- hour behind 50,000 announcements. Lower priority is sent first.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;

DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'queued';
