"""The audit history: who created, changed or deleted which record, and when;
every login, export, committee pack and import.

Written once, at the core: BaseModel.save() and delete_instance() (models/db.py)
call `saved` / `deleted`, so forms, inline lines, list actions, imports, the CLI and
scripts are all recorded the same way. The web layer and the CLI only say who is
acting (`acting_as`); anything else writes as « système ».

Table `audit_entry` (other modules read it by these names, the RGPD erasure included):
created_at (UTC, naive), actor (an email, « ligne de commande (<login>) » or
« système »), action (ACTIONS), model (a model class name, "Referent"), record_id,
label (str(record) at the time), changes (JSON: {field: [before, after]} for an
update, {field: value} for a create or a delete), detail (free text: filters, file
name, counts).

Not recorded, on purpose:
- AuditEntry itself (Meta.audited = False), and any model that says the same.
- `updated_at` and `version` (changed by every save): the row's own time says it.
- Password hashes, tokens and files (BlobField): the field is named, its value masked.
- Bulk queries that are not edits: User.last_login at login (the login row says it),
  a password hash upgraded to new Argon2 parameters at login (same password), a
  session token renewed at logout. Unlinked children in delete_with_dependents ARE
  recorded (see `unlinked`); peewee's delete_instance(recursive=True), used by
  Flask-Admin for inline lines, only ever reaches models with no children here.
"""
import contextlib
import datetime
import json
import re
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from peewee import BlobField, CharField, DateTimeField, IntegerField, TextField

from .db import BaseModel

SYSTEM = "système"
ANONYMOUS = "anonyme"
MASKED = "(masqué)"
CHARFIELD_LIMIT = 255

ACTIONS = [
    ("create", "Création"),
    ("update", "Modification"),
    ("delete", "Suppression"),
    ("login", "Connexion"),
    ("login_failed", "Échec de connexion"),
    ("logout", "Déconnexion"),
    ("export", "Export"),
    ("committee_pack", "Dossier du comité"),
    ("import", "Import"),
]
# Records whose creation is an event of its own: model name → (action, its detail).
CREATE_EVENTS = {
    "CommitteePack": ("committee_pack", lambda pack: f"{pack.filters} ; fichier {pack.filename}"),
}
# Changed by every save (clean()'s time, the optimistic-locking counter): recording
# them would only repeat the row's own time.
BOOKKEEPING_FIELDS = frozenset({"updated_at", "version", "search_text"})
SECRET_NAME_RE = re.compile(r"password|token|secret", re.IGNORECASE)

# Who is acting: a name, or a function giving it (the web layer's reads the
# logged-in user only when something is written).
_actor = ContextVar("maillage_audit_actor", default=SYSTEM)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def cli_actor(login):
    return f"ligne de commande ({login})"


def current_actor():
    actor = _actor.get()
    return actor() if callable(actor) else actor


def set_actor(actor):
    """Make `actor` (a name or a function returning one) the author of what
    follows; returns the token `reset_actor` takes."""
    return _actor.set(actor)


def reset_actor(token):
    _actor.reset(token)


@contextlib.contextmanager
def acting_as(actor):
    token = set_actor(actor)
    try:
        yield
    finally:
        reset_actor(token)


class AuditEntry(BaseModel):
    """One line of the history. Never edited: written by insert only."""

    created_at = DateTimeField(verbose_name="Date et heure (UTC)", default=utc_now, index=True)
    actor = CharField(verbose_name="Auteur·rice", index=True)
    action = CharField(verbose_name="Action", choices=ACTIONS, max_length=32)
    model = CharField(verbose_name="Type de fiche", max_length=64)
    record_id = IntegerField(verbose_name="N° de fiche", null=True)
    label = CharField(verbose_name="Fiche", null=True)
    changes = TextField(verbose_name="Changements", null=True)
    detail = TextField(verbose_name="Détail", null=True)

    class Meta:
        table_name = "audit_entry"
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des modifications"
        audited = False
        indexes = ((("model", "record_id"), False),)

    def __str__(self):
        return f"{dict(ACTIONS).get(self.action, self.action)} — {self.label or self.model}"

    @property
    def changes_dict(self):
        return json.loads(self.changes) if self.changes else {}


def history_of(model_name, record_id):
    """The rows of one record, newest first."""
    return (AuditEntry.select()
            .where((AuditEntry.model == model_name) & (AuditEntry.record_id == record_id))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))


# --- values -------------------------------------------------------------------
def _is_secret(field):
    return isinstance(field, BlobField) or bool(SECRET_NAME_RE.search(field.name))


def _canonical(field, value):
    """`value` as the database would give it back, so that 350 and 350.00, a date
    and its ISO text, ["b", "a"] and ["a", "b"] compare equal; "" is None."""
    try:
        canonical = field.python_value(field.db_value(value))
    except (TypeError, ValueError, InvalidOperation):
        canonical = value  # not of the field's type (never cleaned): compared as given
    return None if canonical == "" else canonical


def _plain(field, value):
    """`value` as JSON can hold it."""
    if _is_secret(field):
        return MASKED
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ", "seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return list(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _recorded_fields(record):
    meta = type(record)._meta
    return [field for field in meta.sorted_fields
            if field is not meta.primary_key and field.name not in BOOKKEEPING_FIELDS]


def _values(record, data):
    """field → value of every filled field: what a create or a delete records."""
    values = {}
    for field in _recorded_fields(record):
        value = data.get(field.name)
        if value is None:  # None reads back as None (a slug list as []): not recorded
            continue
        value = _canonical(field, value)
        if value is not None and value != []:
            values[field.name] = _plain(field, value)
    return values


def _changed(record, before):
    """field → [before, after] of the fields whose value really changed."""
    changes = {}
    for field in _recorded_fields(record):
        if field.name not in record.__data__:
            continue
        old, new = before.get(field.name), record.__data__[field.name]
        if old is new or (type(old) is type(new) and old == new):  # read back alike: unchanged
            continue
        old, new = _canonical(field, old), _canonical(field, new)
        if old != new:
            changes[field.name] = [_plain(field, old), _plain(field, new)]
    return changes


def _stored_data(record):
    """The row as the database has it (a record saved without being read first)."""
    model = type(record)
    stored = model.get_or_none(model._meta.primary_key == record._pk)
    return dict(stored.__data__) if stored is not None else {}


def _label(record):
    """str(record); a record given raw values (a date as text, before any reload),
    or related to such a record, is named as the database will give it back."""
    try:
        return str(record)
    except (TypeError, ValueError):
        fields = type(record)._meta.fields
        as_stored = type(record)(__no_default__=True)
        as_stored.__data__ = {name: _canonical(fields[name], value) if name in fields else value
                              for name, value in record.__data__.items()}
        return str(as_stored)  # related records read again from the database


def _json(changes):
    return json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else None


def _cut(text):
    return None if text is None else str(text)[:CHARFIELD_LIMIT]


def _entry(action, model, record_id=None, label=None, changes=None, detail=None, actor=None):
    return {
        "created_at": utc_now(), "actor": _cut(actor or current_actor()), "action": action,
        "model": model if isinstance(model, str) else model.__name__, "record_id": record_id,
        "label": _cut(label), "changes": _json(changes), "detail": detail,
    }


def _transaction(record):
    """The write and its audit row commit together."""
    db = record._meta.database
    return contextlib.nullcontext() if db.in_transaction() else db.atomic()


# --- what BaseModel calls -------------------------------------------------------
def saved(record, write, force_insert=False):
    """Run `write` (peewee's save) and record a create, or an update that changed
    something. Returns what `write` returned."""
    creating = force_insert or record._pk is None
    before = None
    if not creating:
        before = record._dirty.as_read
        if before is None or not set(record.__data__) <= set(before):
            before = {**_stored_data(record), **(before or {})}
    with _transaction(record):
        rows = write()
        name = type(record).__name__
        if creating:
            action, detail = CREATE_EVENTS.get(name, ("create", None))
            entry = _entry(action, name, record._pk, _label(record), _values(record, record.__data__),
                           detail(record) if detail else None)
        else:
            changes = _changed(record, before)
            entry = _entry("update", name, record._pk, _label(record), changes) if changes and rows else None
        if entry:
            AuditEntry.insert(entry).execute()
    return rows


def deleted(record, delete):
    """Run `delete` (peewee's delete_instance) and record it with the values the row had."""
    name, label = type(record).__name__, _label(record)
    values = _values(record, record._dirty.as_read or record.__data__)
    with _transaction(record):
        rows = delete()
        if rows:
            AuditEntry.insert(_entry("delete", name, record._pk, label, values)).execute()
    return rows


def unlinked(rows, foreign_key):
    """Record `rows` (read before a bulk UPDATE set `foreign_key` to None)."""
    entries = [
        _entry("update", type(row).__name__, row._pk, _label(row),
               {foreign_key.name: [_plain(foreign_key, row.__data__.get(foreign_key.name)), None]})
        for row in rows
    ]
    if entries and foreign_key.model._meta.audited:
        AuditEntry.insert_many(entries).execute()


def record_event(action, model, record=None, detail=None, actor=None, record_id=None, label=None):
    """An event that is not a write of a record: a login, an export, an import."""
    if record is not None:
        record_id, label = record._pk, _label(record)
    AuditEntry.insert(_entry(action, model, record_id, label, None, detail, actor)).execute()


def record_import(model, filename, counts):
    """An import applied (each record it wrote has its own row)."""
    record_event("import", model, detail=(
        f"Fichier « {filename} » : {counts['created']} fiche(s) créée(s), "
        f"{counts['updated']} mise(s) à jour, {counts['unchanged']} inchangée(s)"))
