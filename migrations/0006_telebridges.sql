-- Telebridges: schools and kindergartens of the partner cities, their coordinators, and
-- the video link-ups they agree on, round by round.

CREATE TABLE institutions (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('school', 'kindergarten', 'college', 'other')),
    name         TEXT NOT NULL,
    city_id      INTEGER NOT NULL REFERENCES cities (id),
    address      TEXT NOT NULL DEFAULT '',
    age_groups   TEXT NOT NULL,  -- comma-separated codes, see bot/telebridges.py AgeGroup
    verified_at  TEXT,           -- set by an organiser; unverified ones are marked as such
    verified_by  INTEGER,
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE INDEX institutions_city ON institutions (city_id, kind);

-- A person coordinates one institution at a time: the first one registered it, later
-- ones ask to join and an active coordinator approves.
CREATE TABLE coordinators (
    institution_id  INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    tg_id           INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'pending', 'declined')),
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      INTEGER,
    PRIMARY KEY (institution_id, tg_id)
);

CREATE UNIQUE INDEX coordinators_one_each ON coordinators (tg_id)
    WHERE status IN ('active', 'pending');

-- status: proposed (being agreed, never confirmed yet) -> confirmed -> held | not_held;
-- confirmed -> rescheduled (a new time waits for the other side; the agreed one stands
-- until then) -> confirmed; proposed -> declined; any open one -> cancelled.
-- starts_at/ends_at/duration/video_url are the agreed terms once confirmed, and the
-- latest proposal's terms before that; the proposal being decided is telebridge_rounds
-- row (id, round). awaiting_id is the side whose answer is awaited.
CREATE TABLE telebridges (
    id               INTEGER PRIMARY KEY,
    proposer_id      INTEGER NOT NULL REFERENCES institutions (id),
    partner_id       INTEGER REFERENCES institutions (id),  -- NULL: an open offer
    partner_city_id  INTEGER NOT NULL REFERENCES cities (id),
    open_offer       INTEGER NOT NULL DEFAULT 0 CHECK (open_offer IN (0, 1)),  -- made to any school
    topic            TEXT NOT NULL,
    age_group        TEXT NOT NULL,
    starts_at        TEXT NOT NULL,
    ends_at          TEXT NOT NULL,
    duration_min     INTEGER NOT NULL CHECK (duration_min BETWEEN 15 AND 180),
    video_url        TEXT,
    note             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL
                         CHECK (status IN ('proposed', 'confirmed', 'rescheduled', 'declined',
                                           'cancelled', 'held', 'not_held')),
    round            INTEGER NOT NULL DEFAULT 1,
    awaiting_id      INTEGER,  -- NULL when nothing waits for an answer
    reason           TEXT,     -- of a decline or cancellation
    closed_by        INTEGER,  -- the institution that declined or cancelled
    sequence         INTEGER NOT NULL DEFAULT 0,  -- iCalendar SEQUENCE of the agreed terms
    created_by       INTEGER,  -- NULL once the person asked to be forgotten
    confirmed_at     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE INDEX telebridges_proposer ON telebridges (proposer_id, starts_at);
CREATE INDEX telebridges_partner ON telebridges (partner_id, starts_at);
CREATE INDEX telebridges_status_start ON telebridges (status, starts_at);
CREATE INDEX telebridges_status_end ON telebridges (status, ends_at);

-- Every proposal and counter-proposal, in order; only the latest can be accepted.
CREATE TABLE telebridge_rounds (
    telebridge_id   INTEGER NOT NULL REFERENCES telebridges (id) ON DELETE CASCADE,
    round           INTEGER NOT NULL,
    institution_id  INTEGER NOT NULL,
    tg_id           INTEGER,
    starts_at       TEXT NOT NULL,
    duration_min    INTEGER NOT NULL,
    video_url       TEXT,
    note            TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    PRIMARY KEY (telebridge_id, round)
);

-- "Состоялся ли телемост?": one answer per side.
CREATE TABLE telebridge_reports (
    telebridge_id   INTEGER NOT NULL REFERENCES telebridges (id) ON DELETE CASCADE,
    institution_id  INTEGER NOT NULL,
    tg_id           INTEGER,
    held            INTEGER NOT NULL CHECK (held IN (0, 1)),
    report          TEXT NOT NULL DEFAULT '',
    photo_file_id   TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (telebridge_id, institution_id)
);

-- The outbox learns to send documents (the .ics of a confirmed telebridge): SQLite
-- cannot change a CHECK constraint, so the table is built again with the same rows.
CREATE TABLE outbox_next (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    purpose          TEXT NOT NULL,
    dedup_key        TEXT UNIQUE,
    broadcast_id     INTEGER,
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'copy', 'document')),
    text             TEXT,           -- HTML; a document's caption
    reply_markup     TEXT,
    from_chat_id     INTEGER,
    from_message_id  INTEGER,
    file_name        TEXT,           -- for kind = 'document'
    file_data        BLOB,
    state            TEXT NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'sending', 'sent', 'blocked', 'failed',
                                          'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT NOT NULL,
    last_error       TEXT,
    sent_message_id  INTEGER,
    priority         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

INSERT INTO outbox_next (id, chat_id, purpose, dedup_key, broadcast_id, kind, text,
    reply_markup, from_chat_id, from_message_id, state, attempts, not_before, last_error,
    sent_message_id, priority, created_at, updated_at)
SELECT id, chat_id, purpose, dedup_key, broadcast_id, kind, text, reply_markup,
    from_chat_id, from_message_id, state, attempts, not_before, last_error, sent_message_id,
    priority, created_at, updated_at
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'queued';
CREATE INDEX outbox_in_flight ON outbox (state) WHERE state = 'sending';
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_chat ON outbox (chat_id, state);
