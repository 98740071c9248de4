"""Saving many records of one model at once (the importer's 10 000 lines): what
BaseModel.save does for one record — full_clean(), the search text, the version
check, an audit row per record that changed — in a few queries per chunk instead
of two or three per record.

- new records: one INSERT … RETURNING id per chunk, then their audit rows;
- changed records: one UPDATE per chunk setting each changed column with a
  CASE on the id (ELSE the column: a record keeps what it does not change), the
  version bumped, WHERE id IN (…) AND version = the version each was read with.
  Fewer rows than records: someone changed one meanwhile, and the caller's
  transaction is rolled back (ValidationError, nothing written);
- audit rows (models/audit.py's own entries) by INSERT of many rows per chunk.

Call it inside a transaction (database.atomic()): a failure leaves nothing.
"""
import contextlib
import gc

from . import audit
from .db import ConflictError, VersionedModel, database
from .validation import ValidationError

# Bound parameters per statement: SQLite allows 32 766 (since 3.32), PostgreSQL 65 535.
MAX_PARAMETERS = 30_000
# A CASE is read WHEN by WHEN: its cost per row grows with the chunk (quadratic in all).
MAX_UPDATE_ROWS = 250
CONFLICT = ("Une fiche du fichier a été modifiée par quelqu'un d'autre pendant l'import : "
            "rien n'a été enregistré. Déposez à nouveau le fichier pour voir l'état actuel.")


class BatchConflict(ConflictError):
    """A row of the batch changed since it was read: the whole batch is refused."""

    def __init__(self, model, message=CONFLICT):
        ValidationError.__init__(self, {"__all__": message})
        self.model, self.record_id, self.current, self.changed = model, None, None, []


def _quoted(name):
    """A table or column name as SQLite and PostgreSQL both read it."""
    return '"' + name.replace('"', '""') + '"'


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _prepare(record, taken, cleaned):
    """What BaseModel.save does before writing."""
    if not cleaned:
        record.full_clean(taken=taken)
    record._fill_search_text({})


@contextlib.contextmanager
def paused_cycle_collection():
    """Python's cycle collector paused while a batch builds, keeps or writes thousands
    of records (an import's 10 000 lines): so many new objects start full passes over
    the whole heap, a fifth of an import's time (0.5 s of 2.4 s for its preview),
    though these records form no cycle. A cycle made meanwhile is collected once the
    collector resumes; the collector is resumed only by whoever paused it (nested
    batches, another thread's batch)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def save_many(records, taken=None, cleaned=False):
    """Save `records` (one model); `taken`: as for full_clean (values unique
    fields already hold, read once). `cleaned`: the caller has just run
    full_clean(taken) on each record and changed none since (an import's plan, made
    in the same request): it is not run twice. Returns the number of rows written."""
    if not records:
        return 0
    with paused_cycle_collection():
        return _save_many(records, taken, cleaned)


def _save_many(records, taken, cleaned):
    model = type(records[0])
    for record in records:
        _prepare(record, taken, cleaned)
    new = [r for r in records if r._pk is None]
    changed = [r for r in records if r._pk is not None]
    entries = _insert(model, new) + _update(model, changed)
    if model._meta.audited:
        _insert_rows(audit.AuditEntry, entries)
    for record in records:
        record._dirty.remember()
    return len(records)


def _insert_rows(model, rows, returning=False):
    """INSERT `rows` (dicts: field name → value, a missing one NULL) of `model`, a
    chunk per statement: the statement peewee's insert_many writes, without building
    a node per value. With `returning`, the new ids, in the rows' order."""
    primary_key = model._meta.primary_key
    fields = [f for f in model._meta.sorted_fields if f is not primary_key]
    columns = ", ".join(_quoted(field.column_name) for field in fields)
    row_marks = f"({', '.join(database.param for _field in fields)})"
    tail = f" RETURNING {_quoted(primary_key.column_name)}" if returning else ""
    ids = []
    for chunk in _chunks(rows, max(1, MAX_PARAMETERS // len(fields))):
        sql = (f"INSERT INTO {_quoted(model._meta.table_name)} ({columns}) VALUES "
               f"{', '.join([row_marks] * len(chunk))}{tail}")
        params = [field.db_value(row.get(field.name)) for row in chunk for field in fields]
        cursor = database.execute_sql(sql, params)
        if returning:
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _insert(model, records):
    if not records:
        return []
    primary_key = model._meta.primary_key
    if issubclass(model, VersionedModel):
        for record in records:
            record.version = 1
    ids = _insert_rows(model, [record.__data__ for record in records], returning=True)
    name = model.__name__
    entries = []
    for record, record_id in zip(records, ids):
        setattr(record, primary_key.name, record_id)
        entries.append(audit._entry("create", name, record_id, audit._label(record),
                                    audit._values(record, record.__data__)))
    return entries


def _update(model, records):
    """UPDATE the changed columns of `records`, a chunk at a time; their audit entries."""
    primary_key = model._meta.primary_key
    versioned = issubclass(model, VersionedModel)
    name = model.__name__
    entries, pending = [], []
    for record in records:
        before = record._dirty.as_read or audit._stored_data(record)
        changes = audit._changed(record, before)
        if changes:
            pending.append((record, changes))
            entries.append(audit._entry("update", name, record._pk, audit._label(record), changes))
    bookkeeping = [f for f in model._meta.sorted_fields if getattr(f, "bookkeeping", False)]
    names = sorted({field for _record, changes in pending for field in changes})
    fields = [model._meta.fields[n] for n in names] + bookkeeping
    size = max(1, min(MAX_UPDATE_ROWS, MAX_PARAMETERS // (2 * len(fields) + 4)))
    key = _quoted(primary_key.column_name)
    mark = database.param
    for chunk in _chunks(pending, size):
        # The statement peewee would write with Case(), without a node per value.
        whens = " ".join([f"WHEN {mark} THEN {mark}"] * len(chunk))
        assignments, params = [], []
        for field in fields:
            column = _quoted(field.column_name)
            assignments.append(f"{column} = CASE {key} {whens} ELSE {column} END")
            for record, _changes in chunk:
                params += [record._pk, field.db_value(record.__data__.get(field.name))]
        condition = f"{key} IN ({', '.join([mark] * len(chunk))})"
        params += [record._pk for record, _changes in chunk]
        if versioned:
            version = _quoted(model.version.column_name)
            assignments.append(f"{version} = {version} + 1")
            condition += f" AND {version} = CASE {key} {whens} END"
            for record, _changes in chunk:
                params += [record._pk, record.version]
        sql = f"UPDATE {_quoted(model._meta.table_name)} SET {', '.join(assignments)} WHERE {condition}"
        if database.execute_sql(sql, params).rowcount != len(chunk):
            raise BatchConflict(model)
        if versioned:
            for record, _changes in chunk:
                record.version += 1
    return entries
