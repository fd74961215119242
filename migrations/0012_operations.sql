-- The nightly jobs' last run each (shown by `python -m bot status` and /metrics, and
-- compared at start-up with the time the job should last have run: a run missed while
-- the bot was down is made up once).
CREATE TABLE maintenance_runs (
    job TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    duration_seconds REAL,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
    -- What the run did or why it failed, for the operator (no personal data).
    detail TEXT NOT NULL DEFAULT '',
    last_success_at TEXT,
    -- When a failure was told to the admins; cleared by the next success (told once).
    failure_told_at TEXT
);

-- People who had their data erased (/forget): only the Telegram id and the moment, so
-- that `restore` of an older backup erases them again instead of bringing them back.
CREATE TABLE erasures (
    tg_id INTEGER PRIMARY KEY,
    erased_at TEXT NOT NULL
);
