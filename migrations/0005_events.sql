-- Events capability: subscriptions, the calendar sequence, reminders' bookkeeping.
-- Which reminder is due when is computed from events, trips and these tables; the
-- outbox (dedup_key 'reminder:...') records which were sent, so nothing is sent twice.

-- Raised on every change of an event, so a calendar updates its entry (iCalendar SEQUENCE).
ALTER TABLE events ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

CREATE INDEX events_status_start ON events (status, starts_at);
CREATE INDEX trips_start ON trips (starts_at);

CREATE TABLE event_subscriptions (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    tg_id       INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, tg_id)
);

CREATE INDEX event_subscriptions_person ON event_subscriptions (tg_id);

-- People who asked not to be reminded of one trip (or, later, telebridge).
CREATE TABLE reminder_optouts (
    kind        TEXT NOT NULL CHECK (kind IN ('trip', 'telebridge')),
    target_id   INTEGER NOT NULL,
    tg_id       INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (kind, target_id, tg_id)
);

-- How far reminders have been handled: every reminder due at or before swept_until was
-- queued (or dropped because its event had begun). One row.
CREATE TABLE reminder_sweeps (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    swept_until  TEXT NOT NULL
);
