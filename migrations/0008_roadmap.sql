-- The partnership's roadmap: its items, what counts as their progress (linked trips,
-- events and telebridges), every status change with who made it, and the people who
-- follow it. Progress figures are not stored: they are counted from the linked
-- activities whenever they are shown.

-- due_quarter NULL: the item is due within the year as a whole.
-- responsible_city_id NULL: both cities answer for it.
CREATE TABLE roadmap_items (
    id                   INTEGER PRIMARY KEY,
    ext_key              TEXT UNIQUE,  -- stable key from import files, so re-import updates
    number               INTEGER NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 9999),
    direction            TEXT NOT NULL CHECK (direction IN ('education', 'healthcare', 'youth',
                             'culture', 'sport', 'business', 'resort', 'urban_it', 'transport',
                             'investment')),
    title                TEXT NOT NULL,
    responsible_city_id  INTEGER REFERENCES cities (id),
    due_year             INTEGER NOT NULL CHECK (due_year BETWEEN 2000 AND 2100),
    due_quarter          INTEGER CHECK (due_quarter BETWEEN 1 AND 4),
    status               TEXT NOT NULL DEFAULT 'planned'
                             CHECK (status IN ('planned', 'in_progress', 'done', 'postponed',
                                               'cancelled')),
    notes                TEXT NOT NULL DEFAULT '',
    -- Every held telebridge counts for this item (the education items), not only linked ones.
    all_telebridges      INTEGER NOT NULL DEFAULT 0 CHECK (all_telebridges IN (0, 1)),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE INDEX roadmap_items_direction ON roadmap_items (direction, number);

CREATE TABLE roadmap_trips (
    item_id  INTEGER NOT NULL REFERENCES roadmap_items (id) ON DELETE CASCADE,
    trip_id  INTEGER NOT NULL REFERENCES trips (id),
    PRIMARY KEY (item_id, trip_id)
);

CREATE TABLE roadmap_events (
    item_id   INTEGER NOT NULL REFERENCES roadmap_items (id) ON DELETE CASCADE,
    event_id  INTEGER NOT NULL REFERENCES events (id),
    PRIMARY KEY (item_id, event_id)
);

CREATE TABLE roadmap_telebridges (
    item_id        INTEGER NOT NULL REFERENCES roadmap_items (id) ON DELETE CASCADE,
    telebridge_id  INTEGER NOT NULL REFERENCES telebridges (id),
    PRIMARY KEY (item_id, telebridge_id)
);

-- Every status change: from, to, who (an organiser's Telegram id, kept like other staff
-- records; NULL for the command line) and when. notified_at is set once the followers'
-- notices are queued, so a change whose notices a crash interrupted is announced at start-up.
CREATE TABLE roadmap_history (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES roadmap_items (id) ON DELETE CASCADE,
    old_status   TEXT NOT NULL,
    new_status   TEXT NOT NULL,
    changed_by   INTEGER,
    changed_at   TEXT NOT NULL,
    notified_at  TEXT
);

CREATE INDEX roadmap_history_item ON roadmap_history (item_id, id);
CREATE INDEX roadmap_history_unnotified ON roadmap_history (id) WHERE notified_at IS NULL;

-- "Следить за дорожной картой": told of every status change.
CREATE TABLE roadmap_followers (
    tg_id       INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL
);
