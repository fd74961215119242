-- Exchange programmes, trips (delegations), their questions, registrations, events.
-- Times are UTC ISO-8601 strings; JSON columns hold plain lists and objects.

CREATE TABLE programmes (
    id           INTEGER PRIMARY KEY,
    ext_key      TEXT UNIQUE,  -- stable key from import files, so re-import updates
    direction    TEXT NOT NULL CHECK (direction IN ('education', 'healthcare', 'youth',
                     'culture', 'sport', 'business', 'resort', 'urban_it', 'transport',
                     'investment')),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    audience     TEXT NOT NULL DEFAULT '[]',  -- JSON list of roles; empty means everyone
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE trips (
    id                     INTEGER PRIMARY KEY,
    ext_key                TEXT UNIQUE,
    programme_id           INTEGER NOT NULL REFERENCES programmes (id),
    title                  TEXT NOT NULL,
    from_city_id           INTEGER NOT NULL REFERENCES cities (id),
    to_city_id             INTEGER NOT NULL REFERENCES cities (id),
    starts_at              TEXT NOT NULL,
    ends_at                TEXT NOT NULL,
    registration_deadline  TEXT NOT NULL,
    capacity               INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    needs_approval         INTEGER NOT NULL DEFAULT 1 CHECK (needs_approval IN (0, 1)),
    description            TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL DEFAULT 'draft'
                               CHECK (status IN ('draft', 'open', 'closed', 'cancelled',
                                                 'finished')),
    cancel_reason          TEXT,
    created_by             INTEGER,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    CHECK (from_city_id != to_city_id),
    CHECK (ends_at >= starts_at),
    CHECK (registration_deadline < starts_at)
);

CREATE INDEX trips_status_start ON trips (status, starts_at);

CREATE TABLE trip_questions (
    id        INTEGER PRIMARY KEY,
    trip_id   INTEGER NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('short_text', 'long_text', 'choice', 'yes_no',
                                            'date')),
    label     TEXT NOT NULL,
    required  INTEGER NOT NULL DEFAULT 1 CHECK (required IN (0, 1)),
    options   TEXT NOT NULL DEFAULT '[]',  -- JSON list, for kind = 'choice'
    UNIQUE (trip_id, key)
);

-- Organisers who receive the trip's new registrations (nobody listed: every organiser).
CREATE TABLE trip_organisers (
    trip_id  INTEGER NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    tg_id    INTEGER NOT NULL,
    PRIMARY KEY (trip_id, tg_id)
);

-- A person on a trip. The waiting-list position is derived from (waitlisted_at, id),
-- so nobody's position has to be rewritten when someone ahead leaves the line.
CREATE TABLE registrations (
    id             INTEGER PRIMARY KEY,
    trip_id        INTEGER NOT NULL REFERENCES trips (id),
    tg_id          INTEGER,  -- NULL once the person's data is erased
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'waitlisted',
                                                   'rejected', 'cancelled')),
    answers        TEXT NOT NULL DEFAULT '{}',  -- JSON {question key: answer}
    waitlisted_at  TEXT,
    reject_reason  TEXT,
    decided_by     INTEGER,
    decided_at     TEXT,
    cancelled_at   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE UNIQUE INDEX registrations_one_active ON registrations (trip_id, tg_id)
    WHERE status IN ('pending', 'approved', 'waitlisted');
CREATE INDEX registrations_trip_status ON registrations (trip_id, status, waitlisted_at, id);
CREATE INDEX registrations_person ON registrations (tg_id);

-- Every status change of a registration, with who made it.
CREATE TABLE registration_history (
    id               INTEGER PRIMARY KEY,
    registration_id  INTEGER NOT NULL REFERENCES registrations (id),
    status           TEXT NOT NULL,
    changed_at       TEXT NOT NULL,
    changed_by       INTEGER,
    note             TEXT
);

CREATE INDEX registration_history_registration ON registration_history (registration_id);

-- Festivals, forums, contests, seminars, tournaments. Loaded by the import here;
-- the events capability adds subscriptions and reminders.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    ext_key       TEXT UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('festival', 'forum', 'contest', 'seminar',
                                                'tournament', 'other')),
    title         TEXT NOT NULL,
    city_id       INTEGER NOT NULL REFERENCES cities (id),
    venue         TEXT NOT NULL DEFAULT '',
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    programme_id  INTEGER REFERENCES programmes (id),
    trip_id       INTEGER REFERENCES trips (id),
    status        TEXT NOT NULL DEFAULT 'scheduled'
                      CHECK (status IN ('scheduled', 'cancelled')),
    created_by    INTEGER,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (ends_at >= starts_at)
);

CREATE INDEX events_start ON events (starts_at);
