-- A broadcast's recipients are queued in batches (storage/broadcasts.py): while that
-- goes on it is 'queueing' and its outbox rows are held. SQLite cannot change a CHECK
-- in place, so the table is rebuilt (nothing refers to it; it is small: one row per
-- broadcast ever made).

CREATE TABLE broadcasts_next (
    id                   INTEGER PRIMARY KEY,
    created_by           INTEGER NOT NULL,
    segment              TEXT NOT NULL,      -- JSON, see bot/broadcasts/service.py Segment
    from_chat_id         INTEGER NOT NULL,   -- the organiser's message that is copied
    from_message_id      INTEGER NOT NULL,
    content_kind         TEXT NOT NULL CHECK (content_kind IN ('text', 'photo', 'document')),
    status               TEXT NOT NULL
                             CHECK (status IN ('scheduled', 'queueing', 'sending', 'done',
                                               'stopped', 'cancelled')),
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

INSERT INTO broadcasts_next (id, created_by, segment, from_chat_id, from_message_id,
    content_kind, status, scheduled_for, late, recipients, progress_chat_id,
    progress_message_id, started_at, finished_at, stopped_by, created_at, updated_at)
SELECT id, created_by, segment, from_chat_id, from_message_id, content_kind, status,
    scheduled_for, late, recipients, progress_chat_id, progress_message_id, started_at,
    finished_at, stopped_by, created_at, updated_at
FROM broadcasts;

DROP TABLE broadcasts;
ALTER TABLE broadcasts_next RENAME TO broadcasts;

CREATE INDEX broadcasts_active ON broadcasts (status, scheduled_for)
    WHERE status IN ('scheduled', 'queueing', 'sending');
