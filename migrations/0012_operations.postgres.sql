-- PostgreSQL form of 0012_operations.sql (applied instead of it on PostgreSQL).
CREATE TABLE maintenance_runs (
    job TEXT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    duration_seconds DOUBLE PRECISION,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
    detail TEXT NOT NULL DEFAULT '',
    last_success_at TIMESTAMPTZ,
    failure_told_at TIMESTAMPTZ
);

CREATE TABLE erasures (
    tg_id BIGINT PRIMARY KEY,
    erased_at TIMESTAMPTZ NOT NULL
);
