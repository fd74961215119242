-- Names ordered and compared by a normalised key kept beside them (storage/search_key.py:
-- NFKC, casefold, ё → е, spaces collapsed), computed in Python when the name is written:
-- SQLite cannot fold Cyrillic case and PostgreSQL folds and orders by its locale, so
-- neither can compute or order it alike. Keys compare byte by byte (SQLite's BINARY,
-- COLLATE "C" on PostgreSQL): the same order on both stores.
-- The rows already stored get their keys after the migrations (storage/migrate.py,
-- fill_search_keys): SQL cannot compute them here.
ALTER TABLE institutions ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE programmes ADD COLUMN title_key TEXT NOT NULL DEFAULT '';

-- The programmes list is read whole in this order. No index for institutions: their
-- search orders by the telebridges held together first, a count no index holds.
CREATE INDEX programmes_order ON programmes (direction, title_key, id);
