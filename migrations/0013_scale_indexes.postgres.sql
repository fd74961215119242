-- PostgreSQL form of 0013_scale_indexes.sql (applied instead of it on PostgreSQL): the
-- same indexes; the forms' user id is a BIGINT, read from the key with split_part.

CREATE INDEX registrations_created ON registrations (created_at);
CREATE INDEX registrations_unanonymised ON registrations (trip_id)
    WHERE anonymised_at IS NULL;
CREATE INDEX reminder_optouts_person ON reminder_optouts (tg_id);
CREATE INDEX events_end ON events (ends_at);

ALTER TABLE fsm_states ADD COLUMN user_id BIGINT;
UPDATE fsm_states SET user_id = split_part(storage_key, ':', 3)::BIGINT
WHERE split_part(storage_key, ':', 3) ~ '^[0-9]{1,18}$';
CREATE INDEX fsm_states_user ON fsm_states (user_id) WHERE user_id IS NOT NULL;
