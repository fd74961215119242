-- Indexes for the data the product is designed for (50,000 people, thousands of trips and
-- events, 150,000 subscriptions, nearly a million outbox rows), where a query read a
-- whole table (bench/data_scale.py measures them).

-- The report: registrations made in a period.
CREATE INDEX registrations_created ON registrations (created_at);
-- The retention job: registrations of ended trips not yet anonymised. Once anonymised a
-- registration leaves this index, so it stays the size of the trips still ahead.
CREATE INDEX registrations_unanonymised ON registrations (trip_id)
    WHERE anonymised_at IS NULL;
-- /mydata and /forget: a person's reminder opt-outs.
CREATE INDEX reminder_optouts_person ON reminder_optouts (tg_id);
-- The retention job: events that ended before a moment.
CREATE INDEX events_end ON events (ends_at);

-- A person's forms (/mydata, /forget) by their Telegram id rather than by a search
-- through every stored key (`bot:chat:user:thread:business:destiny`); storage/fsm.py
-- writes it with the key. The rows already there get the key's third part.
ALTER TABLE fsm_states ADD COLUMN user_id INTEGER;
UPDATE fsm_states SET user_id = CAST(substr(
        substr(storage_key, instr(storage_key, ':')
            + instr(substr(storage_key, instr(storage_key, ':') + 1), ':') + 1),
        1,
        instr(substr(storage_key, instr(storage_key, ':')
            + instr(substr(storage_key, instr(storage_key, ':') + 1), ':') + 1), ':') - 1
    ) AS INTEGER)
WHERE storage_key GLOB '*:*:[0-9]*:*'
    AND substr(storage_key, instr(storage_key, ':')
            + instr(substr(storage_key, instr(storage_key, ':') + 1), ':') + 1)
        GLOB '[0-9]*:*'
    AND NOT substr(
        substr(storage_key, instr(storage_key, ':')
            + instr(substr(storage_key, instr(storage_key, ':') + 1), ':') + 1),
        1,
        instr(substr(storage_key, instr(storage_key, ':')
            + instr(substr(storage_key, instr(storage_key, ':') + 1), ':') + 1), ':') - 1
    ) GLOB '*[^0-9]*';
CREATE INDEX fsm_states_user ON fsm_states (user_id) WHERE user_id IS NOT NULL;
