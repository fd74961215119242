"""A name's search key: what lists order by and searches compare, alike on both stores.

Neither store can compare Russian and Belarusian text the way people expect and the
same way as the other: SQLite's `lower()` and `COLLATE NOCASE` fold ASCII only, and
PostgreSQL's `lower()` and ordering follow the server's locale (another server, another
order). So the folding is done here, in Python, once when a name is written, and kept
beside the name (`institutions.name_key`, `programmes.title_key`, migration 0010).
The stores then compare keys byte by byte, which is the same on both: SQLite's BINARY
collation, and PostgreSQL's `COLLATE "C"` declared on the key columns. UTF-8 bytes sort
as code points, and the Cyrillic code points а…я are in alphabetical order.

The key:
- Unicode NFKC, so that a letter typed as a base letter and a combining mark (е + ̈),
  a compatibility form (a full-width letter, a non-breaking space) and the plain letter
  give one key (it also spells «№» out as «No», so «№ 5» and «No 5» are one key);
- `casefold()`: case does not matter, Cyrillic (and any other script) included;
- `ё` → `е` after the folding (so `Ё` too): Russian text writes ё as е as often as not,
  and «Ёлка» belongs among the words beginning with е, not after я where ё's code point
  is;
- runs of whitespace made one space, none at either end.

- Belarusian і and ў, letters of their own (not variants of и and у), take their places
  in the alphabet: by code point they would sort after я. The Belarusian alphabet has і
  where Russian has и (…з, і, й…) and ў right after у, so in a list of both languages і
  comes after every и and before й, and ў after every у and before ф: each is written as
  its neighbour followed by U+FFFF, which sorts after every letter (`_PLACES`). «Іван»
  and «Иван» keep two keys.

Changing what the key is changes every stored key: a later migration then sets the keys
to '' and `storage.migrate` fills them again (see `fill_search_keys` there).
"""

from __future__ import annotations

import unicodedata

# After every letter of both alphabets, by code point and in UTF-8 bytes alike.
_AFTER_ALL = "\uffff"
_PLACES = str.maketrans({"ё": "е", "і": "и" + _AFTER_ALL, "ў": "у" + _AFTER_ALL})


def search_key(text: str) -> str:
    # NFKC again after casefold(): folding can give a sequence that NFKC composes
    # differently, and the key of a key must be the key itself.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.translate(_PLACES).split())
