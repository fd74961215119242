-- The search keys now give Belarusian і and ў their places in the alphabet (after и and
-- у, storage/search_key.py): every stored key is computed again. Set to '' here, they are
-- filled by storage/migrate.py (fill_search_keys) right after the migrations, as 0010's.
UPDATE institutions SET name_key = '';
UPDATE programmes SET title_key = '';
