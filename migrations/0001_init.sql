-- Foundation: cities, people, organiser invites and the FSM storage.
-- Timestamps are UTC ISO-8601 strings ("2026-11-21T10:00:00+00:00").

CREATE TABLE cities (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name_ru   TEXT NOT NULL,
    name_be   TEXT NOT NULL,
    country   TEXT NOT NULL,
    timezone  TEXT NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0
);

INSERT INTO cities (code, name_ru, name_be, country, timezone, position) VALUES
    ('sochi', 'Сочи', 'Сочы', 'RU', 'Europe/Moscow', 1),
    ('minsk', 'Минск', 'Мінск', 'BY', 'Europe/Minsk', 2);

-- A person is created when they first choose a language; until they consent,
-- only the Telegram id and the language are kept.
CREATE TABLE people (
    tg_id         INTEGER PRIMARY KEY,
    language      TEXT NOT NULL CHECK (language IN ('ru', 'be')),
    full_name     TEXT,
    city_id       INTEGER REFERENCES cities (id),
    role          TEXT CHECK (role IN ('teacher', 'medic', 'youth', 'culture', 'sport',
                                       'business', 'administration', 'other')),
    organisation  TEXT,
    phone         TEXT,
    consent_at    TEXT,
    is_organiser  INTEGER NOT NULL DEFAULT 0 CHECK (is_organiser IN (0, 1)),
    blocked_at    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX people_organisers ON people (is_organiser) WHERE is_organiser = 1;
CREATE INDEX people_city_role ON people (city_id, role);

-- One-time organiser invitations created by admins.
CREATE TABLE invites (
    code        TEXT PRIMARY KEY,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

-- aiogram FSM: a half-filled form survives a restart.
CREATE TABLE fsm_states (
    storage_key  TEXT PRIMARY KEY,
    state        TEXT,
    data         TEXT NOT NULL DEFAULT '{}',
    updated_at   TEXT NOT NULL
);
