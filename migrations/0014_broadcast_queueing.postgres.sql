-- A broadcast's recipients are queued in batches (storage/broadcasts.py): while that
-- goes on it is 'queueing' and its outbox rows are held.

ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_status_check;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_status_check
    CHECK (status IN ('scheduled', 'queueing', 'sending', 'done', 'stopped', 'cancelled'));

DROP INDEX broadcasts_active;
CREATE INDEX broadcasts_active ON broadcasts (status, scheduled_for)
    WHERE status IN ('scheduled', 'queueing', 'sending');
