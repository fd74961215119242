-- PostgreSQL form of 0010_search_keys.sql (applied instead of it on PostgreSQL): the keys
-- are COLLATE "C", compared byte by byte as SQLite's BINARY does, whatever the server's
-- locale. The rows already stored get their keys from storage/migrate.py.
ALTER TABLE institutions ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE programmes ADD COLUMN title_key TEXT COLLATE "C" NOT NULL DEFAULT '';

-- The programmes list is read whole in this order. No index for institutions: their
-- search orders by the telebridges held together first, a count no index holds.
CREATE INDEX programmes_order ON programmes (direction, title_key, id);
