-- PostgreSQL form of 0005_events.sql (applied instead of it on PostgreSQL).

-- Raised on every change of an event, so a calendar updates its entry (iCalendar SEQUENCE).
ALTER TABLE events ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;

CREATE INDEX events_status_start ON events (status, starts_at);
CREATE INDEX trips_start ON trips (starts_at);

CREATE TABLE event_subscriptions (
    event_id    BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    tg_id       BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, tg_id)
);

CREATE INDEX event_subscriptions_person ON event_subscriptions (tg_id);

-- People who asked not to be reminded of one trip (or, later, telebridge).
CREATE TABLE reminder_optouts (
    kind        TEXT NOT NULL CHECK (kind IN ('trip', 'telebridge')),
    target_id   BIGINT NOT NULL,
    tg_id       BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, target_id, tg_id)
);

-- How far reminders have been handled. One row, always id 1 (written as such by
-- storage/reminders.py): a plain key, no identity.
CREATE TABLE reminder_sweeps (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    swept_until  TIMESTAMPTZ NOT NULL
);
