-- Personal data rights, guardian consent and the audit log.

-- A trip whose participants are minors: registering asks for a parent's or guardian's
-- consent (their name and a confirmation) before the registration is submitted.
ALTER TABLE trips ADD COLUMN for_minors INTEGER NOT NULL DEFAULT 0
    CHECK (for_minors IN (0, 1));

-- The consent given for a minor: the parent's or guardian's name and when they confirmed.
ALTER TABLE registrations ADD COLUMN guardian_name TEXT;
ALTER TABLE registrations ADD COLUMN guardian_consent_at TEXT;
-- When the registration lost its personal data (the person's /forget, or the retention
-- job for trips that ended long ago). The row stays, so figures stay right.
ALTER TABLE registrations ADD COLUMN anonymised_at TEXT;

-- The retention job looks for trips that ended before a moment, and for texts of
-- messages sent before it (notices and reminders; broadcast rows hold no text).
CREATE INDEX trips_end ON trips (ends_at);
CREATE INDEX outbox_text_created ON outbox (created_at) WHERE text IS NOT NULL;

-- Every organiser and admin action: who (actor_id; NULL for the command line), what
-- (action), on which object (object_kind, object_id), when, and a short diff (JSON object).
-- Written in the transaction of the action itself, so an action is never without its entry.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     INTEGER,
    action       TEXT NOT NULL,
    object_kind  TEXT NOT NULL,
    object_id    INTEGER,
    diff         TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_object ON audit_log (object_kind, object_id, id);
