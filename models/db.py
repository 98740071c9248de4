"""The database handle shared by every model, bound at start from a URL."""
import functools
import hashlib
import os
import re
from decimal import Decimal

from peewee import (
    Case, CharField, DatabaseProxy, DecimalField, IntegerField, Model, PostgresqlDatabase,
    SqliteDatabase, TextField,
)
from playhouse.db_url import connect
from playhouse.postgres_ext import PostgresqlExtDatabase, ServerSide

from .fields import SlugListField
from .formatting import ascii_fold, format_number
from .validation import INTEGER_MAX, ValidationError, free_text_error, one_line_text_error

DEFAULT_DATABASE_URL = "sqlite:///instance/maillage.db"

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


@functools.lru_cache(maxsize=256)
def _like_pattern(pattern, escape):
    parts, characters = [], iter(pattern)
    for character in characters:
        if escape and character == escape:
            parts.append(re.escape(next(characters, "")))
        elif character in "%_":
            parts.append(".*" if character == "%" else ".")
        else:
            parts.append(re.escape(character))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def sqlite_like(pattern, value, escape=None):
    """SQL LIKE, case-insensitive for every letter: SQLite's own only folds
    A–Z, so a search for "école" would miss "École" (PostgreSQL's ILIKE finds it)."""
    if pattern is None or value is None:
        return None
    return _like_pattern(pattern, escape).fullmatch(str(value)) is not None


# The order a French reader expects: "Commissariat" before "CPAM", "Éducation" among
# the E. SQLite compares bytes, and PostgreSQL follows its locale (often C.UTF-8):
# SQLite gets this collation, PostgreSQL its ICU French one.
SQLITE_TEXT_COLLATION = "maillage_text"
POSTGRESQL_TEXT_COLLATIONS = ("fr-x-icu", "und-x-icu")


@functools.lru_cache(maxsize=65536)
def text_order_key(text):
    """The key sorting texts in French reading order in Python (the collation's);
    remembered, as SQLite's collation asks for the same names again and again."""
    return ascii_fold(text).casefold(), text


def _compare_text(left, right):
    left, right = text_order_key(left), text_order_key(right)
    return (left > right) - (left < right)


def _text_collation():
    if is_sqlite():
        return SQLITE_TEXT_COLLATION
    db = database.obj
    if not isinstance(db, PostgresqlDatabase):
        return None
    if not hasattr(db, "maillage_text_collation"):
        found = {row[0] for row in db.execute_sql(
            "SELECT collname FROM pg_collation WHERE collname IN %s", (POSTGRESQL_TEXT_COLLATIONS,),
        )}
        db.maillage_text_collation = next(
            (f'"{name}"' for name in POSTGRESQL_TEXT_COLLATIONS if name in found), None,
        )
    return db.maillage_text_collation


def remember_text_collation():
    """Look the PostgreSQL collation up now (at start-up), not in a user's first request."""
    return _text_collation()


def alphabetical(expression):
    """`expression` (a text column or a CASE) to sort in French alphabetical order."""
    collation = _text_collation()
    return expression.collate(collation) if collation else expression


def reading_order(column):
    """What to sort `column` by so that a list reads in order: text alphabetically,
    a coded column by the labels shown; numbers, dates and lists as they are."""
    if isinstance(column, SlugListField) or not isinstance(column, (CharField, TextField)):
        return column
    if column.choices:
        return alphabetical(Case(column, [(code, label) for code, label in column.choices], column))
    return alphabetical(column)


def in_label_order(model):
    """The records of `model`, with their names only (Meta.label_fields), in reading order."""
    return model.select(*label_columns(model)).order_by(
        *(reading_order(getattr(model, name)) for name in model._meta.label_fields)
    )


def with_maillage_collation(connection):
    """A plain sqlite3 connection (backups) that can check and read Maillage's
    indexes, which sort in French reading order (the maillage_text collation)."""
    connection.create_collation(SQLITE_TEXT_COLLATION, _compare_text)
    return connection


def open_database(url=DEFAULT_DATABASE_URL):
    """Connect the proxy to the database named by `url` and return it."""
    if url.startswith("sqlite"):
        # Transactions take the write lock when they begin: one that read first (a check,
        # or the FTS5 search index a trigger writes) and wrote after another writer's
        # commit would get « database is locked » at once instead of waiting its turn.
        db = connect(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
        db.register_function(sqlite_like, "like")  # any number of arguments: with or without ESCAPE
        from .search import SQLITE_FOLD_FUNCTION, fold_text  # models/search.py imports this module
        db.register_function(fold_text, SQLITE_FOLD_FUNCTION, 1, deterministic=True)
        db.register_collation(_compare_text, SQLITE_TEXT_COLLATION)
    else:
        db = connect(pooled_url(url), **pool_settings(url))
    database.initialize(db)
    return db


# PostgreSQL: a connection costs ~5 ms to open; requests reuse pooled ones (playhouse.pool).
POOL_SIZE_SETTING = "MAILLAGE_DB_POOL_SIZE"  # connections kept per process; 0: none
POOL_STALE_SECONDS = 300  # a connection idle longer is closed rather than reused


def pooled_url(url):
    """postgresql://… → postgresqlext+pool://… (playhouse.postgres_ext's database, which
    has server-side cursors: stream_rows), without +pool when MAILLAGE_DB_POOL_SIZE=0;
    a URL naming its own database class is kept."""
    scheme, separator, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"postgresqlext{'+pool' if _pool_size() > 0 else ''}{separator}{rest}"
    return url


def pool_settings(url):
    if "+pool" not in pooled_url(url).partition("://")[0]:
        return {}
    # A request finding every connection busy waits up to 10 s for one, not an error.
    return {"max_connections": _pool_size() or 20, "stale_timeout": POOL_STALE_SECONDS, "timeout": 10}


def _pool_size():
    value = os.environ.get(POOL_SIZE_SETTING, "").strip()
    return int(value) if value.isdigit() else 20


def stream_rows(query):
    """The rows of `query` (a select, as it gives them: records, tuples…) one at a time,
    none kept: on PostgreSQL from a server-side cursor, 2 000 at a time, since psycopg2's
    ordinary cursor loads the whole result into the client first (100 000 rows of an
    export); elsewhere query.iterator()."""
    if isinstance(database.obj, PostgresqlExtDatabase):
        return ServerSide(query, array_size=STREAMED_ROWS_PER_FETCH)
    return query.iterator()


STREAMED_ROWS_PER_FETCH = 2000


def release_pooled_connections(db):
    """Close the pool's idle connections: after the start-up work, so that a server
    forking workers from this process (gunicorn --preload) never shares one."""
    if hasattr(db, "close_idle"):
        db.close_idle()


def label_columns(model):
    """The columns that name a record of `model` (a model or its alias)."""
    names = model._meta.label_fields
    if not names:
        return [model]
    return [getattr(model, name) for name in (model._meta.primary_key.name, *names)]


def column_limit_error(field, value, typed_text=True):
    """A French message when `value` does not fit the column of `field`, else None;
    with `typed_text`, the rules of text people type (validation.py) too."""
    return column_check(field, typed_text)(value)


def column_check(field, typed_text=True):
    """column_limit_error's rules for the values of `field`, as a function value →
    message or None; what depends on the field alone (its length, its kind of text,
    its digits) is read once, when the check is made (a model's checks are made once:
    _record_column_checks), not once per value."""
    max_length = getattr(field, "max_length", None)
    text_rule = None
    if typed_text and isinstance(field, CharField):
        text_rule = one_line_text_error
    elif typed_text and isinstance(field, TextField):
        text_rule = free_text_error
    decimal_limit = None
    if isinstance(field, DecimalField) and field.max_digits:
        decimal_limit = Decimal(10) ** (field.max_digits - field.decimal_places)

    def check(value):
        if isinstance(value, str):  # the common case first: the checks below are for numbers
            if max_length and len(value) > max_length:
                return f"{max_length} caractères au plus ({len(value)} saisis)."
            return text_rule(value) if text_rule else None
        if decimal_limit is not None and isinstance(value, Decimal) and not -decimal_limit < value < decimal_limit:
            return f"Valeur trop grande (moins de {format_number(decimal_limit, 0)} attendu)."
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INTEGER_MAX:
            return f"Nombre trop grand ({format_number(INTEGER_MAX, 0)} au plus)."
        return None

    return check


def unique_fields(model):
    """The fields of `model` whose values no two records share (its key aside)."""
    return [f for f in model._meta.sorted_fields if f.unique and not f.primary_key]


def taken_values(model, records):
    """For `full_clean(taken=…)`: field name → {value: primary key} over `records`
    (every record of `model`, already read: records, or rows as dicts of field values)."""
    key = model._meta.primary_key.name
    rows = [r if isinstance(r, dict) else r.__data__ for r in records]
    return {
        field.name: {row[field.name]: row[key] for row in rows if row.get(field.name) is not None}
        for field in unique_fields(model)
    }


def is_bookkeeping(field):
    """A column the application keeps for itself (the search text): never typed,
    shown, audited or compared between two readings of a record."""
    return getattr(field, "bookkeeping", False)


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


@functools.lru_cache(maxsize=None)
def _defaulted_fields(model):
    """The required fields of `model` that have a default."""
    return [field for field in model._meta.sorted_fields if not field.null and field.default is not None]


@functools.lru_cache(maxsize=None)
def _record_column_checks(model):
    """(field name, column_check) of each field of `model` a save checks (its
    bookkeeping columns aside), with the model's Meta.typed_text."""
    return [(field.name, column_check(field, model._meta.typed_text))
            for field in model._meta.sorted_fields if not is_bookkeeping(field)]


class ReadState(set):
    """peewee's `_dirty` (the fields assigned since the row was read or saved),
    which also keeps the row as it was read: peewee marks a field dirty on any
    assignment, even of the same value, so the audit (models/audit.py) compares
    values instead. peewee calls clear() once it has filled a row read from the
    database (with or without joins): that is when `as_read` is taken."""

    __slots__ = ("data", "as_read")

    def __init__(self, fields, data):
        super().__init__(fields)
        self.data = data
        self.as_read = None

    def clear(self):
        super().clear()
        self.remember()

    def remember(self):
        self.as_read = {name: list(value) if isinstance(value, list) else value
                        for name, value in self.data.items()}


class BaseModel(Model):
    """Every save goes through `clean()`, so no caller can skip the rules.

    Meta.owned_backrefs names the children deleted with their parent (a
    scenario's lines); other required references block a delete.
    Meta.label_fields names the fields `__str__` reads: a grid showing this
    record beside another's fetches only those (see `label_columns`).
    Every save and delete writes a row of the audit history (models/audit.py),
    unless Meta.audited is False. Text fields follow the rules of text people type
    (one line, no controls, bounded notes: `column_limit_error`) unless Meta.typed_text is False.
    """

    class Meta:
        database = database
        owned_backrefs = ()
        label_fields = ()
        search_fields = ()  # what the grids' search box looks into (models/search.py)
        audited = True
        typed_text = True  # False: text fields record what a machine saw (a failed login's email)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._dirty = ReadState(self._dirty, self.__data__)

    def clean(self):
        """Normalise fields and raise models.validation.ValidationError."""

    def full_clean(self, taken=None):
        """`taken`: field name → {value: primary key} of the values a unique field
        already holds, read once by a caller checking many records (the importer);
        without it, one query per unique field."""
        try:
            self._fill_defaults()
            self.clean()
            self._check_column_limits()
            self._check_unique_fields(taken or {})
        except ValidationError as error:
            error.model = type(self)
            raise

    def _fill_defaults(self):
        """An emptied required field takes its default (room cost → 0 €)."""
        data = self.__data__
        for field in _defaulted_fields(type(self)):
            if data.get(field.name) is None:
                setattr(self, field.name, field.default() if callable(field.default) else field.default)

    def _check_column_limits(self):
        """What the database would refuse or truncate, and text no field may hold
        (controls in a one-line field, an oversized note), get a French message."""
        errors = {}
        data = self.__data__
        for name, check in _record_column_checks(type(self)):
            value = data.get(name)
            if value is None:  # None fits every column
                continue
            message = check(value)
            if message:
                errors[name] = message
        if errors:
            raise ValidationError(errors)

    def _check_unique_fields(self, taken):
        model = type(self)
        errors = {}
        for field in unique_fields(model):
            value = getattr(self, field.name)
            if value is None:
                continue
            if field.name in taken:
                used = taken[field.name].get(value, self._pk) != self._pk
            else:
                others = model.select().where(field == value)
                if self._pk is not None:
                    others = others.where(model._meta.primary_key != self._pk)
                used = others.exists()
            if used:
                errors[field.name] = f"« {value} » est déjà utilisé par une autre fiche."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.full_clean()
        self._fill_search_text(kwargs)
        write = functools.partial(super().save, *args, **kwargs)
        if not self._meta.audited:
            return write()
        from . import audit  # imports this module
        rows = audit.saved(self, write, kwargs.get("force_insert", False))
        self._dirty.remember()
        return rows

    def _fill_search_text(self, save_arguments):
        """The folded search text (models/search.py) of the values about to be written."""
        from .search import search_document, search_fields  # models/search.py imports this module
        column = search_fields(type(self))
        if column is None:
            return
        setattr(self, column.name, search_document(type(self), self.__data__))
        if save_arguments.get("only") is not None:
            save_arguments["only"] = [*save_arguments["only"], column]

    def delete_instance(self, *args, **kwargs):
        delete = functools.partial(super().delete_instance, *args, **kwargs)
        if not self._meta.audited:
            return delete()
        from . import audit
        return audit.deleted(self, delete)

    def delete_with_dependents(self):
        """Delete owned children, unlink optional references, refuse otherwise."""
        blockers = []
        with self._meta.database.atomic():
            for foreign_key, child in type(self)._meta.backrefs.items():
                children = child.select().where(foreign_key == self._pk)
                if foreign_key.backref in self._meta.owned_backrefs:
                    for row in children:
                        row.delete_with_dependents()
                elif foreign_key.null:
                    from . import audit
                    unlinked = list(children)  # read first: each one's history says it
                    child.update({foreign_key: None, **version_bump(child)}).where(
                        foreign_key == self._pk).execute()
                    audit.unlinked(unlinked, foreign_key)
                elif children.exists():
                    count = children.count()
                    name = child._meta.verbose_name if count == 1 else child._meta.verbose_name_plural
                    blockers.append(f"{count} {name}")
            if blockers:
                raise ValidationError({"__all__": (
                    f"Suppression impossible : cette fiche est liée à {', '.join(blockers)}. "
                    "Modifiez ou supprimez d'abord ces fiches, ou désactivez celle-ci."
                )})
            return self.delete_instance()


# --- optimistic locking: a record is written over only as it was read -------------
FINGERPRINT_DIGITS = 8  # hex digits of one field's fingerprint in a version token
VERSION_TOKEN_RE = re.compile(r"([0-9]{1,10})\.((?:[0-9a-f]{%d})*)" % FINGERPRINT_DIGITS)
STALE_FORM = "Formulaire incomplet\u00a0: rechargez la fiche, puis refaites vos changements."


class ConflictError(ValidationError):
    """A save or delete refused, nothing written: someone else changed or deleted
    the record since the caller read it. `current` is the record as it is now (None
    once deleted), `changed` the names of the fields whose value changed since (empty
    when the caller's reading is not known)."""

    def __init__(self, model, record_id, current=None, changed=()):
        self.record_id, self.current, self.changed = record_id, current, list(changed)
        if current is None:
            message = "Cette fiche a été supprimée par quelqu'un d'autre entre-temps\u00a0: rien n'a été enregistré."
        else:
            labels = ", ".join(model._meta.fields[name].verbose_name for name in self.changed)
            message = (
                "Cette fiche a été modifiée par quelqu'un d'autre entre-temps"
                + (f" (champs modifiés\u00a0: {labels})" if labels else "")
                + "\u00a0: rien n'a été enregistré. Rechargez-la, puis refaites vos changements."
            )
        super().__init__({"__all__": message})
        self.model = model


def _fingerprint(field, value):
    if isinstance(value, (bytes, memoryview)):  # a file: its bytes (a driver's wrapper's repr changes at each read)
        text = bytes(value)
    else:
        text = repr(field.db_value(value)).encode()
    return hashlib.blake2s(text, digest_size=FINGERPRINT_DIGITS // 2).hexdigest()


class VersionedModel(BaseModel):
    """A record several people edit: every save writes `version + 1` only where the
    row still has the version read (UPDATE … WHERE id = ? AND version = ?), and every
    delete deletes only that version. When no row matches, someone else changed or
    deleted it since: ConflictError, and nothing is written (the audit row neither).

    A form keeps `version_token` (the version and a fingerprint of each value, as
    shown to the user) and hands it back to `expect_version` before saving, so the
    check is against what the user saw, and the refusal names what changed since."""

    version = IntegerField(verbose_name="Version", default=1)

    _version_read = None  # during a save: the version the UPDATE expects
    _token_fingerprints = None  # set by expect_version

    @classmethod
    def _fingerprinted_fields(cls):
        return [f for f in cls._meta.sorted_fields
                if f is not cls._meta.primary_key and f.name != "version" and not is_bookkeeping(f)]

    @classmethod
    def _fingerprints(cls, values):
        return "".join(_fingerprint(f, values.get(f.name)) for f in cls._fingerprinted_fields())

    def _values_as_read(self):
        return getattr(self._dirty, "as_read", None) or self.__data__

    @property
    def version_token(self):
        """'version.fingerprints' of the record as read; '' for a new record."""
        values = self._values_as_read()
        if self._pk is None or values.get("version") is None:
            return ""
        return f"{values['version']}.{self._fingerprints(values)}"

    def expect_version(self, token):
        """Check the next save or delete against the reading `token` describes (an
        empty token: against the version read now, as before versions existed)."""
        if not token:
            return
        match = VERSION_TOKEN_RE.fullmatch(token)
        if not match or int(match.group(1)) > INTEGER_MAX:
            error = ValidationError({"__all__": STALE_FORM})
            error.model = type(self)
            raise error
        self.version = int(match.group(1))
        self._token_fingerprints = match.group(2)

    def changed_since(self, reading):
        """The names of the fields whose value differs from `reading` (a version token,
        fingerprints, or the values read); [] when `reading` says nothing."""
        if isinstance(reading, str):
            match = VERSION_TOKEN_RE.fullmatch(reading)
            seen = match.group(2) if match else reading
        else:
            seen = self._fingerprints(reading or {}) if reading else ""
        now = self._fingerprints(self.__data__)
        if len(seen) != len(now):
            return []
        width = FINGERPRINT_DIGITS
        return [field.name for index, field in enumerate(self._fingerprinted_fields())
                if seen[index * width:(index + 1) * width] != now[index * width:(index + 1) * width]]

    def _conflict(self, seen):
        """The ConflictError of a write that found no row; `seen`: the fingerprints,
        or the values, the caller read."""
        model = type(self)
        current = model.get_or_none(model._meta.primary_key == self._pk)
        changed = current.changed_since(seen) if current is not None else []
        return ConflictError(model, self._pk, current, changed)

    def _pk_expr(self):
        # peewee's condition for the UPDATE of save() and the DELETE of delete_instance().
        read = self._version_read if self._version_read is not None else self.version
        expression = super()._pk_expr()
        return expression if read is None else expression & (type(self).version == read)

    def save(self, force_insert=False, only=None):
        if force_insert or self._pk is None:
            self.version = 1
            return super().save(force_insert=force_insert, only=only)
        read = self.version
        if read is None:
            raise ValueError(f"{type(self).__name__} read without its version: it cannot be saved.")
        seen = self._token_fingerprints or self._values_as_read()
        if only is not None:
            only = [*only, type(self).version]
        self.version, self._version_read = read + 1, read
        try:
            rows = super().save(only=only)
        except BaseException:
            self.version = read
            raise
        finally:
            self._version_read = None
        if not rows:
            self.version = read
            raise self._conflict(seen)
        self._token_fingerprints = None
        return rows

    def delete_instance(self, *args, **kwargs):
        seen = self._token_fingerprints or self._values_as_read()
        rows = super().delete_instance(*args, **kwargs)
        if not rows and self._pk is not None:
            raise self._conflict(seen)
        return rows


def version_bump(model):
    """The values that count a bulk UPDATE of `model` as a change of each row."""
    return {model.version: model.version + 1} if issubclass(model, VersionedModel) else {}
