"""RGPD rules for référent·e·s: what is held about one person (right of access),
anonymisation (right to erasure), and the retention period.

Headless: the panel, the CLI and the tests call these functions; the XLSX of the
right of access is written by documents.privacy_export.
"""
import datetime
import io
import json
import time
import zipfile
from collections import namedtuple
from xml.etree import ElementTree

from peewee import ForeignKeyField, PostgresqlDatabase, SqliteDatabase

from .committee import CommitteePack
from .db import database, version_bump
from .directory import Referent, Structure, Territory
from .formatting import format_phone
from .training import Attendance, Training

from .audit import AuditEntry, record_event, unlinked

DEFAULT_RETENTION_MONTHS = 36
RETENTION_ENV = "MAILLAGE_RETENTION_MONTHS"
DPO_CONTACT_ENV = "MAILLAGE_DPO_CONTACT"
ANONYMOUS_FIRST_NAME = "Personne"
ANONYMOUS_LAST_NAME = "anonymisée n° {id}"
ERASED = "[effacé]"
# The fields that name or reach the person: emptied by anonymisation.
PERSONAL_FIELDS = ("civilite", "prenom", "nom", "fonction", "courriel", "telephone", "notes")

FREE_TEXT_REMINDER = (
    "Ne saisissez jamais le nom ni la situation d'une victime ou d'une personne accompagnée : "
    "Maillage ne contient que des données professionnelles."
)


# --- retention -----------------------------------------------------------------
def retention_months(value=None):
    """The retention period in months from a setting ('36', 36 or None → the default).
    Raises ValueError (French) for anything else than a whole number of months ≥ 1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_RETENTION_MONTHS
    try:
        months = int(str(value).strip())
    except ValueError:
        raise ValueError(f"Durée de conservation invalide : « {value} » (un nombre de mois attendu).")
    if not 1 <= months <= 1200:
        raise ValueError(f"Durée de conservation invalide : {months} mois (de 1 à 1200 mois).")
    return months


def months_before(day, months):
    """The same day `months` earlier (the 31st becomes the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def anonymised_condition():
    return (Referent.prenom == ANONYMOUS_FIRST_NAME) & Referent.nom.startswith("anonymisée n° ")


def is_anonymised(referent):
    return (referent.prenom == ANONYMOUS_FIRST_NAME
            and referent.nom == ANONYMOUS_LAST_NAME.format(id=referent.id))


def inactive_referents(months, today=None):
    """Referents to anonymise: not yet anonymised, record not updated (date_maj) for
    `months` months, and no training attended since. Inactive ones (actif False) and
    active ones whose record nobody has confirmed for that long alike: the date of the
    last update is the only date the record has."""
    cutoff = months_before(today or datetime.date.today(), months)
    recent_training = (
        Attendance.select(Attendance.referent)
        .join(Training, on=Attendance.training == Training.id)
        .where(Training.date >= cutoff)
    )
    return (
        Referent.select(Referent, Structure)
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .where(~anonymised_condition() & (Referent.date_maj < cutoff)
               & Referent.id.not_in(recent_training))
        .order_by(Referent.date_maj, Referent.id)
    )


# --- right of access -------------------------------------------------------------
Section = namedtuple("Section", "title headers rows")
Section.__doc__ = "One part of what is held about a person: a title, column headers, rows of values."


def _label(field, value):
    if field.choices and isinstance(value, (list, tuple)):
        return ", ".join(dict(field.choices).get(v, v) for v in value)
    if field.choices and value is not None:
        return dict(field.choices).get(value, value)
    if field.name == "telephone":
        return format_phone(value)
    return value


def _record_rows(record, fields):
    rows = []
    for field in fields:
        if getattr(field, "bookkeeping", False):  # the search text (models/search.py): derived, not data
            continue
        if field.name == "id":
            rows.append(("Numéro de fiche", record.id))
            continue
        value = getattr(record, field.name)
        if isinstance(field, ForeignKeyField):
            value = str(value) if value is not None else None
        rows.append((field.verbose_name or field.name, _label(field, value)))
    return rows


def _own_audit_rows(referent_id):
    return (AuditEntry.model == Referent.__name__) & (AuditEntry.record_id == referent_id)


def audit_rows_about(referent_id):
    """The audit rows about this referent: their record and their attendance lines."""
    attendance_ids = [a.id for a in Attendance.select(Attendance.id).where(Attendance.referent == referent_id)]
    condition = _own_audit_rows(referent_id)
    if attendance_ids:
        condition |= (AuditEntry.model == Attendance.__name__) & AuditEntry.record_id.in_(attendance_ids)
    return AuditEntry.select().where(condition).order_by(AuditEntry.created_at, AuditEntry.id)


def _changes_text(changes):
    """{"nom": ["A", "B"], "role": "x"} → 'nom : A → B ; role : x'."""
    parts = []
    for name, value in _changes_dict(changes).items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{name} : {value[0]} → {value[1]}")
        else:
            parts.append(f"{name} : {value}")
    return " ; ".join(parts)


def subject_access(referent):
    """Everything Maillage holds about one referent, as titled sections."""
    referent_fields = Referent._meta.sorted_fields
    structure = referent.structure
    attendances = (
        Attendance.select(Attendance, Training)
        .join(Training, on=Attendance.training == Training.id, attr="training")
        .where(Attendance.referent == referent.id)
        .order_by(Training.date, Training.theme)
    )
    territories = Territory.select().where(Territory.resource_person == referent.id).order_by(Territory.name)
    history = [
        (entry.created_at, entry.actor, entry.action, entry.model, entry.record_id, entry.label,
         _changes_text(entry.changes), entry.detail)
        for entry in audit_rows_about(referent.id)
    ]
    return [
        Section("Fiche", ("Donnée", "Valeur"), _record_rows(referent, referent_fields)),
        Section("Structure", ("Donnée", "Valeur"), _record_rows(structure, Structure._meta.sorted_fields)),
        Section("Formations", ("Formation", "Date", "Présent·e", "Évaluation (1 à 5)"), [
            (a.training.theme, a.training.date, a.present, a.evaluation) for a in attendances
        ]),
        Section("Personne ressource", ("Territoire", "Type"), [
            (t.name, dict(Territory.kind.choices).get(t.kind, t.kind)) for t in territories
        ]),
        Section("Historique", ("Date", "Par", "Action", "Modèle", "Fiche n°", "Libellé",
                               "Modifications", "Détail"), history),
    ]


# --- right to erasure --------------------------------------------------------------
ErasureReport = namedtuple(
    "ErasureReport",
    "referent_id label attendances_kept territories_unlinked packs_deleted audit_rows_scrubbed",
)


def identifying_texts(referent):
    """The texts that name this person, today and in their record's history:
    full name both ways, email, phone (stored and as printed)."""
    values = {name: {getattr(referent, name)} for name in ("prenom", "nom", "courriel", "telephone")}
    for entry in AuditEntry.select(AuditEntry.changes).where(_own_audit_rows(referent.id)):
        for name, value in _changes_dict(entry.changes).items():
            if name in values:
                values[name].update(value if isinstance(value, list) else [value])
    texts = set()
    for prenom in values["prenom"]:
        for nom in values["nom"]:
            if prenom and nom:
                texts.update({f"{prenom} {nom}", f"{nom} {prenom}"})
    for email in values["courriel"]:
        if email:
            texts.add(str(email))
    for phone in values["telephone"]:
        if phone:
            texts.update({str(phone), format_phone(phone)})
    return {text.strip() for text in texts if text and len(text.strip()) >= 3}


def _changes_dict(changes):
    try:
        data = json.loads(changes) if isinstance(changes, str) else (changes or {})
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _cell_text(value):
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text  # neutralised by documents.spreadsheets


SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx_rows(content):
    """Each row of each sheet of an XLSX, as the set of its texts (read with the
    standard library's XML parser: an openpyxl read is ~40 times slower)."""
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{SPREADSHEET_NS}t"))
                      for si in root.iter(f"{SPREADSHEET_NS}si")]
        for name in names:
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            for row in ElementTree.fromstring(archive.read(name)).iter(f"{SPREADSHEET_NS}row"):
                texts = set()
                for cell in row.iter(f"{SPREADSHEET_NS}c"):
                    kind, value = cell.get("t"), cell.find(f"{SPREADSHEET_NS}v")
                    if kind == "s" and value is not None:
                        texts.add(shared[int(value.text)])
                    elif kind == "inlineStr":
                        texts.add("".join(t.text or "" for t in cell.iter(f"{SPREADSHEET_NS}t")))
                    elif value is not None and value.text:
                        texts.add(value.text)
                yield texts


def workbook_mentions(content, texts, name_pairs):
    """True when the XLSX `content` has a cell equal to one of `texts` (case aside),
    or a row holding both parts of one of `name_pairs` (first name, last name)."""
    wanted = {text.casefold() for text in texts}
    pairs = [(first.casefold(), last.casefold()) for first, last in name_pairs if first and last]
    try:
        for row in _xlsx_rows(content):
            cells = {_cell_text(text).casefold() for text in row}
            if cells & wanted or any(first in cells and last in cells for first, last in pairs):
                return True
    except (zipfile.BadZipFile, ElementTree.ParseError, IndexError, ValueError):
        return True  # unreadable: it cannot be shown not to hold them, so it goes
    return False


def packs_mentioning(referent):
    """The ids of the archived committee packs that hold this person (read one at a time)."""
    texts = identifying_texts(referent)
    pairs = [(referent.prenom, referent.nom)]
    found = []
    for pack_id in [p.id for p in CommitteePack.select(CommitteePack.id).order_by(CommitteePack.id)]:
        content = CommitteePack.select(CommitteePack.content).where(CommitteePack.id == pack_id).scalar()
        if workbook_mentions(content, texts, pairs):
            found.append(pack_id)
    return found


def _scrub_text(text, texts, replacement):
    if not text:
        return text
    for needle in sorted(texts, key=len, reverse=True):
        start = text.casefold().find(needle.casefold())
        while start >= 0:
            text = text[:start] + replacement + text[start + len(needle):]
            start = text.casefold().find(needle.casefold(), start + len(replacement))
    return text


def _scrub_own_changes(changes):
    """A Referent audit row: the personal fields' values become « [effacé] »."""
    data = _changes_dict(changes)
    for name in PERSONAL_FIELDS:
        if name in data:
            data[name] = [ERASED, ERASED] if isinstance(data[name], list) else ERASED
    return json.dumps(data, ensure_ascii=False)


def scrub_audit(referent, texts, replacement):
    """The audit rows about this person: their own record's rows lose the personal
    values and their label; any other row (attendance, territory…) has the
    person's name, email and phone replaced. Returns how many rows changed."""
    changed = 0
    own_ids = {e.id for e in AuditEntry.select(AuditEntry.id).where(_own_audit_rows(referent.id))}
    for entry in AuditEntry.select().iterator():
        before = (entry.label, entry.changes, entry.detail)
        if entry.id in own_ids:
            entry.label = replacement
            entry.changes = _scrub_own_changes(entry.changes) if entry.changes else entry.changes
        entry.label = _scrub_text(entry.label, texts, replacement)
        entry.changes = _scrub_text(entry.changes, texts, replacement)
        entry.detail = _scrub_text(entry.detail, texts, replacement)
        if (entry.label, entry.changes, entry.detail) != before:
            AuditEntry.update(label=entry.label, changes=entry.changes, detail=entry.detail).where(
                AuditEntry.id == entry.id).execute()
            changed += 1
    return changed


def anonymise_referent(referent):
    """Right to erasure, in one transaction: the person's names, contacts, notes and
    function are replaced, the record is made inactive; their attendance stays (now
    anonymous) so the training statistics survive; they stop being the personne
    ressource of any territory; the archived committee packs that hold them are
    deleted; the audit history about them is scrubbed. The author is whoever the
    audit says is acting (the logged-in user, the command's login).

    Call `reclaim_free_space()` afterwards (outside any transaction) so the old
    bytes leave the database file too."""
    with database.atomic():
        referent = Referent.get_by_id(referent.id)
        texts = identifying_texts(referent)
        packs = packs_mentioning(referent)
        label = f"{ANONYMOUS_FIRST_NAME} {ANONYMOUS_LAST_NAME.format(id=referent.id)}"
        for name in PERSONAL_FIELDS:
            setattr(referent, name, None)
        referent.civilite = ""
        referent.prenom = ANONYMOUS_FIRST_NAME
        referent.nom = ANONYMOUS_LAST_NAME.format(id=referent.id)
        referent.actif = False
        referent.date_maj = datetime.date.today()
        referent.save()
        relayed = list(Territory.select().where(Territory.resource_person == referent.id))
        unlinked(relayed, Territory.resource_person)  # each territory's history says it
        # Counted as a change of each territory: a form opened before cannot bring them back.
        Territory.update({Territory.resource_person: None, **version_bump(Territory)}).where(
            Territory.resource_person == referent.id).execute()
        attendances = Attendance.select().where(Attendance.referent == referent.id).count()
        for pack in CommitteePack.select(*_pack_columns()).where(CommitteePack.id.in_(packs)):
            pack.delete_instance()  # recorded in the history (file name, filters; content masked)
        # Last: the rows the writes above added to the history are scrubbed too.
        scrubbed = scrub_audit(referent, texts, label)
        record_event("update", Referent, record_id=referent.id, label=label, detail=(
            "Anonymisation (RGPD, droit à l'effacement) : nom, contacts, fonction et notes effacés ; "
            + (f"dossiers du comité supprimés : n° {', '.join(map(str, packs))}." if packs
               else "aucun dossier du comité ne la mentionnait.")))
    return ErasureReport(referent.id, label, attendances, len(relayed), packs, scrubbed)


def _pack_columns():
    """A pack without its file: enough to delete it and name it in the history."""
    return [field for field in CommitteePack._meta.sorted_fields if field.name != "content"]


# --- the file itself --------------------------------------------------------------
def reclaim_free_space(db=None, attempts=20):
    """After an erasure, make the old bytes leave the database storage.

    SQLite keeps deleted rows in free pages, in the unused space of pages and in
    the WAL file: VACUUM rebuilds the file from the live rows only, then a
    TRUNCATE checkpoint copies it back and empties the WAL. PostgreSQL keeps dead
    tuples until VACUUM: VACUUM FULL rewrites the tables that held the person.
    Returns True when the storage is clean (the WAL could be emptied)."""
    db = db or database.obj
    if isinstance(db, SqliteDatabase):
        db.execute_sql("VACUUM")
        for _ in range(attempts):
            busy, _log, _done = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            time.sleep(0.1)  # a reader is still on an older snapshot
        return False
    if isinstance(db, PostgresqlDatabase):
        tables = [Referent, Territory, Attendance, CommitteePack, AuditEntry]
        for model in tables:
            db.execute_sql(f'VACUUM FULL "{model._meta.table_name}"')
        return True
    return False

