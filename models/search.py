"""Finding a record by its name as people type it: "epicerie" finds "Épicerie",
"claire DUR" finds "Claire Durand". The Python form (fold_text) and the SQL form
(folded) side by side; tests/unit/test_search.py checks they agree."""
import functools
import operator
import re

from peewee import SQL, CharField, Expression, ForeignKeyField, TextField, Value, fn

from .db import is_sqlite
from .formatting import ascii_fold

SQLITE_FOLD_FUNCTION = "maillage_fold"  # registered by models.db.open_database


def fold_text(text):
    """`text` without accents and in lower case ('Épicerie' → 'epicerie')."""
    return None if text is None else ascii_fold(text).casefold()


def _postgresql_translation():
    """translate()'s two strings: each accented letter of Latin-1 and Latin Extended-A
    → its letter, as ascii_fold does; the letters ascii_fold drops (œ, ø, ß…) last, with
    no counterpart, so translate() drops them too."""
    kept, plain, dropped = [], [], []
    for character in map(chr, range(0xC0, 0x250)):
        letter = ascii_fold(character)
        if len(letter) == 1:
            kept.append(character)
            plain.append(letter)
        elif not letter:
            dropped.append(character)
    return "".join(kept + dropped), "".join(plain)


ACCENTED, UNACCENTED = _postgresql_translation()


def folded(expression):
    """SQL twin of fold_text for a text expression."""
    if is_sqlite():
        return getattr(fn, SQLITE_FOLD_FUNCTION)(expression)
    # Accents dropped first: lower() then only meets ASCII, whatever the server's locale.
    return fn.LOWER(fn.TRANSLATE(expression, ACCENTED, UNACCENTED))


def _contains(text, part):
    return (fn.INSTR(text, part) if is_sqlite() else fn.STRPOS(text, part)) > 0


def text_columns(model):
    """The text columns among the fields naming a record (Meta.label_fields)."""
    return [getattr(model, name) for name in model._meta.label_fields
            if isinstance(getattr(model, name), (CharField, TextField))]


def matches_words(columns, term):
    """SQL condition: each word of `term` is in `columns` read end to end, accents and
    case aside; None when `term` has no word (everything matches)."""
    words = fold_text(term or "").split()
    if not words or not columns:
        return None
    parts = []
    for column in columns:
        parts.extend((fn.COALESCE(column, ""), Value(" ")))
    text = folded(functools.reduce(lambda left, right: left.concat(right), parts[:-1]))
    return functools.reduce(operator.and_, (_contains(text, word) for word in words))


# --- the stored search text: one folded, indexed column per searchable model ----------
# Meta.search_fields names what a grid's search box looks into; BaseModel.save keeps
# `search_text` (a SearchTextField) equal to search_document(…) of those values. The
# grids then look for each word in one column, as a substring: on SQLite in the FTS5
# trigram table `<table>_search` kept by triggers (migration 0013) for a word of 3
# characters or more, INSTR for a shorter one; on PostgreSQL LIKE under a pg_trgm GIN
# index (migration 0011). A model given a SearchTextField needs its FTS5 table too.
DIGIT_GAP_RE = re.compile(r"(?<=\d)[\s.\-/]+(?=\d)")


class SearchTextField(TextField):
    """Bookkeeping: the folded text a grid's search reads (never shown, typed, audited
    or fingerprinted). Filled by BaseModel.save from Meta.search_fields."""

    bookkeeping = True  # models.db.is_bookkeeping

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("verbose_name", "Texte de recherche")
        super().__init__(*args, **kwargs)


def search_fields(model):
    """The SearchTextField of `model` (or its alias), or None."""
    for field in model._meta.sorted_fields:
        if isinstance(field, SearchTextField):
            return getattr(model, field.name)
    return None


def _phone_forms(value):
    """'+33549889672' → '33549889672 0549889672': found from any spacing, with or
    without the country code."""
    digits = re.sub(r"\D", "", value)
    forms = [digits]
    if value.startswith("+33") and len(digits) == 11:
        forms.append("0" + digits[2:])
    return forms


def search_document(model, values):
    """The folded text of `values` (field name → value, as saved) that the grids search:
    each of Meta.search_fields, phone numbers as digits with and without the country
    code."""
    from .fields import PhoneField  # models/fields.py is imported by db.py: no cycle at call time
    parts = []
    for name in model._meta.search_fields:
        value = values.get(name)
        if value in (None, ""):
            continue
        field = model._meta.fields[name]
        if isinstance(field, PhoneField):
            parts.extend(_phone_forms(str(value)))
        elif field.choices:
            parts.append(fold_text(str(dict(field.choices).get(value, value))))
        else:
            parts.append(fold_text(str(value)))
    return " ".join(parts) or None


def search_words(term):
    """The folded words of `term`; a number typed in groups ('05 49 88 96 72',
    '05.49.88.96.72', '+33 5 49…') is one word of digits."""
    text = DIGIT_GAP_RE.sub("", fold_text(term or ""))
    return [word.lstrip("+") if word.lstrip("+").isdigit() else word for word in text.split()]


# The shortest word the trigram index finds (shorter: INSTR over the narrow index).
FTS_SHORTEST_WORD = 3


def holds_words(document, term):
    """Python twin of matches_search for one search text: each word of `term` is a
    substring of `document`."""
    return all(word in (document or "") for word in search_words(term))


def _fts_phrase(word):
    """`word` as an FTS5 string: its characters are text, never query syntax
    ('"', '*', '-', NEAR, AND…): the trigrams of `word` in a row, i.e. a substring."""
    return '"' + word.replace('"', '""') + '"'


def _ids_holding(model, words):
    """SQLite: the ids of `model`'s rows whose search text holds each of `words` (of 3
    characters or more), read from its FTS5 trigram table in one MATCH."""
    index = f"{model._meta.table_name}_search"
    return SQL(f'(SELECT rowid FROM "{index}" WHERE "{index}" MATCH ?)', [" ".join(map(_fts_phrase, words))])


def _contains_word(column, word):
    if is_sqlite():
        return fn.INSTR(column, word) > 0
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Expression(column, "LIKE", f"%{escaped}%")  # served by the pg_trgm index


def _holds(source, words):
    """SQL condition: the search text of `source` (a model, or a foreign key: its
    referenced record) holds each of `words`."""
    foreign = isinstance(source, ForeignKeyField)
    target = source.rel_model if foreign else source
    key = target._meta.primary_key
    indexed = [word for word in words if is_sqlite() and len(word) >= FTS_SHORTEST_WORD]
    conditions = [_contains_word(search_fields(target), word) for word in words if word not in indexed]
    if indexed:
        if foreign and not conditions:
            return source << _ids_holding(target, indexed)
        conditions.insert(0, key << _ids_holding(target, indexed))
    condition = functools.reduce(operator.and_, conditions)
    if not foreign:
        return condition
    ids = target.select(key).where(condition)
    if is_sqlite():
        return source << ids
    # = ANY(ARRAY(…)): PostgreSQL reads each source's ids in the foreign key's index and
    # ORs the bitmaps; with IN it scanned the whole table (attendances: 75 → 23 ms at L).
    return source == fn.ANY(fn.ARRAY(ids))


def matches_search(sources, term):
    """SQL condition: each word of `term` is in the search text of one of `sources`
    (as holds_words says); None when `term` has no word. A source is a model (its own
    rows), or a foreign key of them: the rows whose referenced record holds the word
    (`fk IN (SELECT id …)`, so neither the grid nor its COUNT has to join that table).
    One source: all its words in one condition (on SQLite, one MATCH)."""
    words = search_words(term)
    if not words or not sources:
        return None
    if len(sources) == 1:
        return _holds(sources[0], words)
    if is_sqlite():
        # Each word: the ids of the rows one source finds, listed in one IN (UNION ALL
        # of covering-index reads). SQLite then reads that list in id order: a grid
        # sorted by id stops after its page instead of joining and sorting every match.
        model = sources[0].model if isinstance(sources[0], ForeignKeyField) else sources[0]
        key = model._meta.primary_key
        return functools.reduce(operator.and_, (key << functools.reduce(operator.add, (
            model.select(key).where(_holds(source, [word])) for source in sources)) for word in words))
    return functools.reduce(operator.and_, (
        functools.reduce(operator.or_, (_holds(source, [word]) for source in sources)) for word in words))


def is_selective(term):
    """True when `term` has a word of FTS_SHORTEST_WORD characters or more: such a
    search keeps few rows (a grid sorts them), where words of one or two letters keep
    most of the table (a grid reads it in its reading-order index)."""
    return any(len(word) >= FTS_SHORTEST_WORD for word in search_words(term))


def refresh_search_text(model, ids=None):
    """Recompute `search_text` of `model`'s rows (all, or those of `ids`) from their
    values: after writes that do not go through save() (insert_many, bulk UPDATEs of
    a searched field). Returns the number of rows written."""
    column = search_fields(model)
    if column is None:
        return 0
    names = [model._meta.primary_key.name, *model._meta.search_fields]
    query = model.select(*(getattr(model, name) for name in names), column).dicts()
    if ids is not None:
        query = query.where(model._meta.primary_key << list(ids))
    written = 0
    for row in query.iterator():
        text = search_document(model, row)
        if text != row[column.name]:
            model.update({column: text}).where(model._meta.primary_key == row[names[0]]).execute()
            written += 1
    return written
