"""Finding a record by its name as people type it: "epicerie" finds "Épicerie",
"claire DUR" finds "Claire Durand". The Python form (fold_text) and the SQL form
(folded) side by side; tests/unit/test_search.py checks they agree."""
import functools
import operator

from peewee import CharField, TextField, Value, fn

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
