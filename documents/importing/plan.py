"""Planning an import, then applying it.

`plan_import(kind, filename, data)` reads the file and says, row by row, what it
would create, update or leave unchanged, and every error with its line, column
and a French message; nothing is written. It reads the directory once (a fixed
number of queries, whatever the number of lines): matches and uniqueness are
checked in memory (a structure import never reads the référent·e·s). An update
file may omit the columns it does not change: only the cells present are written.
`apply_import(plan, author)` writes the rows of an error-free plan in one
transaction and logs it; `valid_only=True` writes the valid lines of a plan with
errors and leaves the refused ones out (the error file, errors.py, lists them). The rules are the models' own
(`full_clean()`); this package only maps spreadsheet cells to fields.
"""
import datetime
import functools
import logging
import pickle
from collections import namedtuple
from types import SimpleNamespace

from peewee import IntegrityError

from models.batch_save import BatchConflict, paused_cycle_collection, save_many
from models.db import database, taken_values, unique_fields
from models.directory import Referent, Structure, Territory
from models.validation import ValidationError, clean_siret

from .reading import FormulaCell, ImportFileError, filled, read_table
from .specs import SPECS, cell_text, column_reader, header_key

# A compressed workbook can hold a cell of 60 MB in 66 KB: cells stay readable.
MAX_CELL_LENGTH = 10_000
ACTION_LABELS = {"create": "À créer", "update": "À mettre à jour", "unchanged": "Inchangée"}

log = logging.getLogger("maillage.imports")

RowError = namedtuple("RowError", "line column message")
PlannedRow = namedtuple("PlannedRow", "line action record label changes")


class StoredRecords:
    """The rows of one model read in one query as the database gives them; a row
    becomes a record (built as peewee builds what it reads) only when a line asks for
    it: 10 000 records cost 0.9 s to build, and a file matches only some of them."""

    def __init__(self, model, read=True):
        self.model = model
        self.fields = model._meta.sorted_fields
        key = self.fields.index(model._meta.primary_key)
        rows = database.execute_sql(*model.select(*self.fields).sql()).fetchall() if read else []
        self.rows = {row[key]: row for row in rows}
        self.built = {}

    def columns(self, names):
        """Each row's values of the fields `names`, as dicts (field name → value)."""
        wanted = [(index, field) for index, field in enumerate(self.fields) if field.name in names]
        return [{field.name: field.python_value(row[index]) for index, field in wanted}
                for row in self.rows.values()]

    def get(self, record_id):
        record = self.built.get(record_id)
        if record is None and record_id in self.rows:
            # As peewee builds a row it reads, its values given to __data__ at once
            # rather than through each field's descriptor.
            record = self.built[record_id] = self.model(__no_default__=1)
            record.__data__.update({field.name: field.python_value(value)
                                    for field, value in zip(self.fields, self.rows[record_id])})
            record._dirty.clear()  # as read: the audit compares with these values
        return record


class RecordIndex(dict):
    """key → id of a stored row; `get` gives the record."""

    def __init__(self, records):
        super().__init__()
        self.records = records

    def get(self, key, default=None):
        record_id = super().get(key)
        return default if record_id is None else self.records.get(record_id)


class Lookups:
    """The directory read once (two or three queries), so a line costs none:
    territories and structures a cell names, the records a line may update, and
    the values unique fields already hold. The référent·e·s are read only for a
    référent·e import."""

    def __init__(self, model=Referent):
        self.territories = {header_key(t.name): t for t in Territory.select()}
        structures = StoredRecords(Structure)
        referents = StoredRecords(Referent, read=model is Referent)
        structure_rows = structures.columns({"id", "siret", "nom", "commune",
                                             *(f.name for f in unique_fields(Structure))})
        referent_rows = referents.columns({"id", "prenom", "nom", "structure", "courriel",
                                           *(f.name for f in unique_fields(Referent))})
        self.taken = {Structure: taken_values(Structure, structure_rows),
                      Referent: taken_values(Referent, referent_rows)}
        self.by_id = {Structure: structures, Referent: referents}
        self.structure_rows = structure_rows
        self.structures_by_siret = RecordIndex(structures)
        self.structures_by_name = RecordIndex(structures)
        for row in structure_rows:
            structure_id = row["id"]
            if row["siret"]:
                self.structures_by_siret[row["siret"]] = structure_id
            self.structures_by_name[_name_key(row["nom"], row["commune"])] = structure_id
        self.referents = RecordIndex(referents)
        for row in referent_rows:
            self.referents[_referent_key(row["prenom"], row["nom"], row["structure"])] = row["id"]
            if row["courriel"]:
                self.referents[row["courriel"]] = row["id"]


    @functools.cached_property
    def structures_by_label(self):
        """Folded « nom (commune) » or nom → structure: for a référent·e's « Structure »
        cell (a structure import never reads it)."""
        index = RecordIndex(self.by_id[Structure])
        for row in self.structure_rows:
            structure_id, nom, commune = row["id"], row["nom"], row["commune"]
            label = Structure.__str__(SimpleNamespace(nom=nom, commune=commune))  # without building it
            index[header_key(label)] = structure_id
            index.setdefault(header_key(nom), structure_id)
        return index


def _name_key(nom, commune):
    return header_key(nom), header_key(commune)


def _referent_key(prenom, nom, structure_id):
    return header_key(prenom), header_key(nom), structure_id


def _find_existing(spec, values, lookups):
    if values.get("id") is not None:
        return lookups.by_id[spec.model].get(values["id"])
    if spec.model is Structure:
        if values.get("siret"):
            try:
                found = lookups.structures_by_siret.get(clean_siret(values["siret"]))
            except ValueError:
                found = None  # the model's own check reports the bad SIRET
            if found:
                return found
        return lookups.structures_by_name.get(_name_key(values.get("nom"), values.get("commune")))
    if values.get("courriel") and values["courriel"].lower() in lookups.referents:
        return lookups.referents.get(values["courriel"].lower())
    structure = values.get("structure")
    return lookups.referents.get(_referent_key(values.get("prenom"), values.get("nom"), structure and structure.id))


def _snapshot(record):
    """The record's stored values; references as ids (reading them would cost a query)."""
    return dict(record.__data__)


def directory_stamp(model):
    """What changes whenever a record an import plans from is written or deleted: the
    count, highest id and sum of versions of the territories and structures (and the
    référent·e·s for their import), in one query. Equal at the confirmation: the
    preview's plan still holds."""
    parts = []
    for table in [Territory, Structure] + ([Referent] if model is Referent else []):
        name = f'"{table._meta.table_name}"'
        parts += [f"(SELECT count(*) FROM {name})", f"(SELECT coalesce(max(id), 0) FROM {name})",
                  f"(SELECT coalesce(sum(version), 0) FROM {name})"]
    return list(database.execute_sql(f"SELECT {', '.join(parts)}").fetchone())


STALE_PLAN = ("Des fiches ont été créées, modifiées ou supprimées depuis l'aperçu\u00a0: "
              "déposez à nouveau le fichier pour voir ce qu'il changera maintenant.")


class ImportPlan:
    """What an import would do: planned rows, errors, ignored columns; `stamp`, the
    directory_stamp it was planned from."""

    def __init__(self, kind, filename):
        self.kind = kind
        self.filename = filename
        self.stamp = None
        self.rows = []
        self.errors = []
        self.ignored_columns = []
        self.headers = []
        self.refused = {}  # line → its cells as read, for the error file
        self.taken = {}  # unique values already used: for the writes' own check

    @property
    def refused_lines(self):
        return sorted({error.line for error in self.errors})

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def to_write(self):
        return [row for row in self.rows if row.action in ("create", "update")]

    @property
    def can_apply(self):
        return not self.errors

    def report_lines(self):
        """The preview as French text lines, for the command line."""
        lines = [f"{self.filename} : {self.summary()}."]
        if self.ignored_columns:
            lines.append(f"Colonnes ignorées : {', '.join(self.ignored_columns)}")
        lines += [f"  {ACTION_LABELS[row.action]} (ligne {row.line}) : {row.label}"
                  + (f" — {', '.join(row.changes)}" if row.changes else "")
                  for row in self.rows if row.action != "unchanged"]
        lines += [f"  Erreur ligne {e.line}, colonne « {e.column} » : {e.message}" for e in self.errors]
        return lines

    def state(self):
        """The plan as plain values (no record object), to keep between the preview and
        the confirmation instead of planning the file again."""
        return {
            "kind": self.kind, "filename": self.filename, "stamp": self.stamp, "taken": self.taken,
            "errors": [tuple(error) for error in self.errors],
            "rows": [(row.line, row.action, row.record.__data__, row.record._dirty.as_read, row.label,
                      row.changes) for row in self.rows],
        }

    @classmethod
    def from_state(cls, state):
        """The plan `state()` gave; its records as they were planned."""
        plan = cls(state["kind"], state["filename"])
        plan.stamp, plan.taken = state["stamp"], state["taken"]
        plan.errors = [RowError(*error) for error in state["errors"]]
        model = SPECS[plan.kind].model
        for line, action, data, as_read, label, changes in state["rows"]:
            record = model(__no_default__=1)
            record.__data__.update(data)
            record._dirty.update(data)
            record._dirty.as_read = as_read
            plan.rows.append(PlannedRow(line, action, record, label, changes))
        return plan

    def kept(self):
        """state() as bytes, to keep beside the upload (our instance folder)."""
        with paused_cycle_collection():
            return pickle.dumps(self.state())

    @classmethod
    def from_kept(cls, kept):
        """The plan `kept()` gave (bytes this application wrote, never a user's)."""
        with paused_cycle_collection():
            return cls.from_state(pickle.loads(kept))

    def check_fresh(self):
        """A conflict (French message, nothing written) when the directory changed since
        this plan was made."""
        model = SPECS[self.kind].model
        if self.stamp != directory_stamp(model):
            raise BatchConflict(model, STALE_PLAN)

    def summary(self):
        return (
            f"{self.count('create')} à créer, {self.count('update')} à mettre à jour, "
            f"{self.count('unchanged')} inchangée(s), {len(self.errors)} erreur(s)"
        )


def plan_import(kind, filename, data, territory=None):
    """Read the file and plan the import; writes nothing. ImportFileError if unreadable.
    `territory`: given to every structure whose line names none (chosen for the whole file)."""
    with paused_cycle_collection():
        return _plan_import(kind, filename, data, territory)


def _plan_import(kind, filename, data, territory):
    spec = SPECS[kind]
    headers, body = read_table(filename, data)
    plan = ImportPlan(kind, filename)
    plan.headers = headers
    column_fields = {}
    for index, header in enumerate(headers):
        field = spec.by_header.get(header_key(header))
        if field and field not in column_fields.values():
            column_fields[index] = field
        elif header:
            plan.ignored_columns.append(header)
    present = set(column_fields.values())
    missing = [spec.headers[f] for f in spec.required if f not in present]
    if not present & set(spec.identifiers):
        raise ImportFileError(
            f"Colonnes obligatoires introuvables : {', '.join(missing)}. "
            f"Colonnes lues : {', '.join(h for h in headers if h) or 'aucune'}. "
            "Téléchargez le modèle pour voir les en-têtes attendus."
        )
    plan.stamp = directory_stamp(spec.model)  # before reading: a write in between makes it stale
    lookups = Lookups(spec.model)
    plan.taken = lookups.taken[spec.model]
    defaults = {"territory": territory} if territory is not None and spec.model is Structure else {}
    absent = [f for f in spec.required if f not in present]
    columns = {index: (field, spec.headers[field], column_reader(spec, field))
               for index, field in column_fields.items()}
    seen = {}
    for line, cells in body:
        beyond = sum(1 for cell in cells[len(headers):] if filled(cell))
        if beyond:  # a value cut in two by the separator would be lost, or half-read
            plan.errors.append(RowError(line, "(ligne entière)", (
                f"{beyond} valeur(s) au-delà des {len(headers)} colonnes de l'en-tête : une "
                "valeur contient sans doute le séparateur (mettez-la entre guillemets) ou une "
                "colonne n'a pas d'en-tête."
            )))
        else:
            _plan_row(spec, plan, lookups, seen, line, cells, columns, defaults, absent)
        if plan.errors and plan.errors[-1].line == line:
            plan.refused[line] = cells
    return plan


def _read_cells(spec, line, cells, columns, lookups):
    """(field values, errors, fields whose cell could not be read) of one line;
    `columns`: index → (field name, its header, its reader)."""
    values, errors, unreadable = {}, [], set()
    for index, (field_name, header, reader) in columns.items():
        value = cells[index] if index < len(cells) else None
        if value is None:
            continue
        if isinstance(value, FormulaCell):
            errors.append(RowError(line, header, "Cette cellule contient une formule : "
                                   "saisissez la valeur elle-même."))
            unreadable.add(field_name)
        elif isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
            errors.append(RowError(line, header, f"Cellule trop longue ({MAX_CELL_LENGTH} "
                                   "caractères au plus)."))
            unreadable.add(field_name)
        else:
            text = cell_text(value)  # empty exactly when the cell is not filled()
            if not text:
                continue
            try:
                values[field_name] = reader(value, text, lookups)
            except ValueError as error:
                errors.append(RowError(line, header, str(error)))
                unreadable.add(field_name)
    if "structure_siret" in values:
        values["structure"] = values.pop("structure_siret")
    if "structure_siret" in unreadable:
        unreadable.add("structure")
    return values, errors, unreadable


def _plan_row(spec, plan, lookups, seen, line, cells, columns, defaults, absent):
    values, errors, unreadable = _read_cells(spec, line, cells, columns, lookups)
    for name, value in defaults.items():
        if name not in values and name not in unreadable:
            values[name] = value
    existing = _find_existing(spec, values, lookups)
    if values.get("id") is not None and existing is None:
        errors.append(RowError(line, spec.headers["id"], f"Aucune fiche n° {values['id']} : laissez la "
                               "case vide pour créer une fiche."))
        unreadable.add("id")
    values.pop("id", None)
    if existing is None and absent and not errors:
        errors.extend(RowError(line, spec.headers[name], (
            f"Colonne « {spec.headers[name]} » absente du fichier : elle est nécessaire pour "
            "créer une fiche (une mise à jour peut s'en passer).")) for name in absent)
        plan.errors.extend(errors)
        return
    record = existing or spec.model()
    before = _snapshot(record) if existing else None
    for name, value in values.items():
        setattr(record, name, value)
    try:
        record.full_clean(taken=lookups.taken[spec.model])
    except ValidationError as error:
        # Every error of the line at once, not one per upload.
        errors.extend(
            RowError(line, spec.headers.get(name, name), message)
            for name, message in error.errors.items() if name not in unreadable
        )
    if errors:
        plan.errors.extend(errors)
        return
    identity = _identity(record)
    if identity in seen:
        plan.errors.append(RowError(line, "", f"Ligne en double : même fiche que la ligne {seen[identity]}."))
        return
    seen[identity] = line
    if existing is None:
        plan.rows.append(PlannedRow(line, "create", record, str(record), []))
        return
    after = _snapshot(record)
    changes = [
        record._meta.fields[name].verbose_name
        for name in after if after[name] != before.get(name)
    ]
    if changes and "date_maj" not in values and "date_maj" in record._meta.fields:
        record.date_maj = datetime.date.today()
    plan.rows.append(PlannedRow(line, "update" if changes else "unchanged", record, str(record), changes))


def _identity(record):
    if isinstance(record, Structure):
        return ("siret", record.siret) if record.siret else _name_key(record.nom, record.commune)
    return (record.courriel,) if record.courriel else _referent_key(record.prenom, record.nom, record.structure_id)


def import_detail(filename, counts):
    """The audit's detail of an import applied (each record written has its own row)."""
    detail = (f"Fichier « {filename} » : {counts['created']} fiche(s) créée(s), "
              f"{counts['updated']} mise(s) à jour, {counts['unchanged']} inchangée(s)")
    if counts.get("left_out"):
        detail += f", {counts['left_out']} ligne(s) refusée(s) laissée(s) de côté"
    return detail


def apply_import(plan, author, valid_only=False):
    """Write every planned create and update in one transaction; log who did it;
    return the counts. A plan with errors is refused (all or nothing) unless
    `valid_only`: then its valid lines are written and the refused ones left out."""
    if not plan.can_apply and not valid_only:
        raise ImportFileError("Le fichier contient des erreurs : corrigez-les puis importez-le à nouveau.")
    if not plan.rows:
        raise ImportFileError("Aucune ligne valide à importer.")
    with database.atomic():
        plan.check_fresh()  # a plan kept since the preview is written only if still true
        try:
            # Each record passed full_clean(taken) when planned and is written as it was then.
            save_many([row.record for row in plan.to_write], taken=plan.taken, cleaned=True)
        except IntegrityError as error:  # a unique value taken by a change the stamp cannot see
            raise BatchConflict(SPECS[plan.kind].model, STALE_PLAN) from error
    counts = {"created": plan.count("create"), "updated": plan.count("update"),
              "unchanged": plan.count("unchanged"), "left_out": len(plan.refused_lines)}
    log.info(
        "Import %s : utilisateur=%s fichier=« %s » créées=%d mises_à_jour=%d inchangées=%d%s",
        plan.kind, author, " ".join(str(plan.filename).split()), counts["created"],
        counts["updated"], counts["unchanged"],
        f" laissées_de_côté={counts['left_out']}" if counts["left_out"] else "",
    )
    return counts
