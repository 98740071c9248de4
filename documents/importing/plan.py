"""Planning an import, then applying it.

`plan_import(kind, filename, data)` reads the file and says, row by row, what it
would create, update or leave unchanged, and every error with its line, column
and a French message; nothing is written. It reads the directory once (a fixed
number of queries, whatever the number of lines): matches and uniqueness are
checked in memory. `apply_import(plan, author)` writes the rows of an error-free
plan in one transaction and logs it. The rules are the models' own
(`full_clean()`); this package only maps spreadsheet cells to fields.
"""
import datetime
import logging
from collections import namedtuple

from models.db import database, taken_values
from models.directory import Referent, Structure, Territory
from models.validation import ValidationError, clean_siret

from .reading import FormulaCell, ImportFileError, filled, read_table
from .specs import SPECS, field_value, header_key

# A compressed workbook can hold a cell of 60 MB in 66 KB: cells stay readable.
MAX_CELL_LENGTH = 10_000
ACTION_LABELS = {"create": "À créer", "update": "À mettre à jour", "unchanged": "Inchangée"}

log = logging.getLogger("maillage.imports")

RowError = namedtuple("RowError", "line column message")
PlannedRow = namedtuple("PlannedRow", "line action record label changes")


class Lookups:
    """The directory read once (three queries), so a line costs none: territories
    and structures a cell names, the records a line may update, and the values
    unique fields already hold."""

    def __init__(self):
        self.territories = {header_key(t.name): t for t in Territory.select()}
        structures = list(Structure.select())
        referents = list(Referent.select())
        self.taken = {Structure: taken_values(Structure, structures),
                      Referent: taken_values(Referent, referents)}
        self.structures_by_siret = {}
        self.structures_by_name = {}
        self.structures_by_label = {}
        for structure in structures:
            if structure.siret:
                self.structures_by_siret[structure.siret] = structure
            self.structures_by_name[_name_key(structure.nom, structure.commune)] = structure
            self.structures_by_label[header_key(str(structure))] = structure
            self.structures_by_label.setdefault(header_key(structure.nom), structure)
        self.referents = {}
        for referent in referents:
            self.referents[_referent_key(referent)] = referent
            if referent.courriel:
                self.referents[referent.courriel] = referent


def _name_key(nom, commune):
    return header_key(nom), header_key(commune)


def _referent_key(referent):
    return header_key(referent.prenom), header_key(referent.nom), referent.structure_id


def _find_existing(spec, values, lookups):
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
        return lookups.referents[values["courriel"].lower()]
    structure = values.get("structure")
    key = (header_key(values.get("prenom")), header_key(values.get("nom")), structure and structure.id)
    return lookups.referents.get(key)


def _snapshot(record):
    """The record's stored values; references as ids (reading them would cost a query)."""
    return dict(record.__data__)


class ImportPlan:
    """What an import would do: planned rows, errors, ignored columns."""

    def __init__(self, kind, filename):
        self.kind = kind
        self.filename = filename
        self.rows = []
        self.errors = []
        self.ignored_columns = []

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

    def summary(self):
        return (
            f"{self.count('create')} à créer, {self.count('update')} à mettre à jour, "
            f"{self.count('unchanged')} inchangée(s), {len(self.errors)} erreur(s)"
        )


def plan_import(kind, filename, data):
    """Read the file and plan the import; writes nothing. ImportFileError if unreadable."""
    spec = SPECS[kind]
    headers, body = read_table(filename, data)
    plan = ImportPlan(kind, filename)
    column_fields = {}
    for index, header in enumerate(headers):
        field = spec.by_header.get(header_key(header))
        if field and field not in column_fields.values():
            column_fields[index] = field
        elif header:
            plan.ignored_columns.append(header)
    missing = [spec.headers[f] for f in spec.required if f not in column_fields.values()]
    if missing:
        raise ImportFileError(
            f"Colonnes obligatoires introuvables : {', '.join(missing)}. "
            f"Colonnes lues : {', '.join(h for h in headers if h) or 'aucune'}. "
            "Téléchargez le modèle pour voir les en-têtes attendus."
        )
    lookups = Lookups()
    seen = {}
    for line, cells in body:
        beyond = sum(1 for cell in cells[len(headers):] if filled(cell))
        if beyond:  # a value cut in two by the separator would be lost, or half-read
            plan.errors.append(RowError(line, "(ligne entière)", (
                f"{beyond} valeur(s) au-delà des {len(headers)} colonnes de l'en-tête : une "
                "valeur contient sans doute le séparateur (mettez-la entre guillemets) ou une "
                "colonne n'a pas d'en-tête."
            )))
            continue
        _plan_row(spec, plan, lookups, seen, line, cells, column_fields)
    return plan


def _read_cells(spec, line, cells, column_fields, lookups):
    """(field values, errors, fields whose cell could not be read) of one line."""
    values, errors, unreadable = {}, [], set()
    for index, field_name in column_fields.items():
        value = cells[index] if index < len(cells) else None
        header = spec.headers[field_name]
        if isinstance(value, FormulaCell):
            errors.append(RowError(line, header, "Cette cellule contient une formule : "
                                   "saisissez la valeur elle-même."))
            unreadable.add(field_name)
        elif isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
            errors.append(RowError(line, header, f"Cellule trop longue ({MAX_CELL_LENGTH} "
                                   "caractères au plus)."))
            unreadable.add(field_name)
        elif filled(value):
            try:
                values[field_name] = field_value(spec, field_name, value, lookups)
            except ValueError as error:
                errors.append(RowError(line, header, str(error)))
                unreadable.add(field_name)
    if "structure_siret" in values:
        values["structure"] = values.pop("structure_siret")
    if "structure_siret" in unreadable:
        unreadable.add("structure")
    return values, errors, unreadable


def _plan_row(spec, plan, lookups, seen, line, cells, column_fields):
    values, errors, unreadable = _read_cells(spec, line, cells, column_fields, lookups)
    existing = _find_existing(spec, values, lookups)
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
    return (record.courriel,) if record.courriel else _referent_key(record)


def apply_import(plan, author):
    """Write every planned create and update in one transaction; log who did it;
    return the counts. Refuses a plan with errors: an import is all or nothing."""
    if not plan.can_apply:
        raise ImportFileError("Le fichier contient des erreurs : corrigez-les puis importez-le à nouveau.")
    with database.atomic():
        for row in plan.to_write:
            row.record.save()
    counts = {"created": plan.count("create"), "updated": plan.count("update"),
              "unchanged": plan.count("unchanged")}
    log.info(
        "Import %s : utilisateur=%s fichier=« %s » créées=%d mises_à_jour=%d inchangées=%d",
        plan.kind, author, " ".join(str(plan.filename).split()), counts["created"],
        counts["updated"], counts["unchanged"],
    )
    return counts
