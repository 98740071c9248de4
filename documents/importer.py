"""Import of the existing partner file (XLSX or CSV): preview, then one transaction.

`plan_import(kind, filename, data)` reads the file and says, row by row, what it
would create, update or leave unchanged, and every error with its line, column
and a French message; nothing is written. `apply_import(plan)` writes the rows
of an error-free plan in one transaction. The rules are the models' own
(`full_clean()`); this module only maps spreadsheet cells to fields.
"""
import csv
import datetime
import io
import re
import zipfile
from collections import namedtuple

import openpyxl
from peewee import BooleanField, DateField, IntegerField

from models.db import database
from models.directory import REFERENT_ROLES, TYPOLOGIES, Referent, Structure, Territory
from models.fields import SlugListField
from models.formatting import ascii_fold
from models.validation import DATE_FORMATS, ValidationError, clean_siret, parse_date

from .spreadsheets import (
    FORMULA_TRIGGERS, QUOTE_PREFIX, Column, Formats, open_workbook, set_properties,
    write_table, write_value,
)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# A compressed workbook can hold a cell of 60 MB in 66 KB: cells stay readable.
MAX_CELL_LENGTH = 10_000
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
XLSX_MAGIC = b"PK\x03\x04"
TRUE_WORDS = {"oui", "o", "vrai", "x", "1", "yes", "true"}
FALSE_WORDS = {"non", "n", "faux", "0", "no", "false"}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is French."""


RowError = namedtuple("RowError", "line column message")
PlannedRow = namedtuple("PlannedRow", "line action record label changes")

ACTION_LABELS = {"create": "À créer", "update": "À mettre à jour", "unchanged": "Inchangée"}


def header_key(text):
    """'Téléphone ' → 'telephone', 'Code  postal' → 'code postal'."""
    return re.sub(r"[^a-z0-9]+", " ", ascii_fold(text).lower()).strip()


class ImportSpec:
    """What one kind of file holds: its columns (field, template header,
    other accepted headers), the required ones, and how rows are matched."""

    def __init__(self, model, columns, required, example):
        self.model = model
        self.columns = columns
        self.required = required
        self.example = example
        self.by_header = {}
        for field, header, aliases in columns:
            for name in (header, field, *aliases):
                self.by_header[header_key(name)] = field
        self.headers = {field: header for field, header, _aliases in columns}


STRUCTURE_SPEC = ImportSpec(Structure, [
    ("nom", "Nom", ("nom de la structure", "structure", "raison sociale")),
    ("typologie", "Typologie", ("type", "type de structure")),
    ("siret", "SIRET", ("n siret", "numero siret")),
    ("adresse", "Adresse", ("adresse postale",)),
    ("complement_adresse", "Complément d'adresse", ("complement",)),
    ("code_postal", "Code postal", ("cp",)),
    ("code_insee", "Code INSEE", ("insee",)),
    ("commune", "Commune", ("ville",)),
    ("telephone", "Téléphone", ("tel", "telephone principal", "numero de telephone")),
    ("courriel", "Courriel", ("email", "e mail", "mail", "adresse electronique")),
    ("site_web", "Site web", ("site internet", "site")),
    ("horaires_accueil", "Horaires d'accueil", ("horaires",)),
    ("accueille_du_public", "Accueille du public", ("accueil du public",)),
    ("territory", "Territoire", ("bassin de vie", "reseau")),
    ("thematiques", "Thématiques", ()),
    ("publics", "Publics", ()),
    ("places", "Places", ("nombre de places",)),
    ("actif", "Active", ("actif", "active")),
    ("description", "Description", ()),
    ("notes", "Notes", ("commentaires", "remarques")),
], required=("nom", "typologie"), example=[
    "CCAS de Loudun", "CCAS", "", "1 rue de la Mairie", "", "86200", "86137", "Loudun",
    "05 49 98 00 00", "accueil@ccas-loudun.fr", "", "Mo-Fr 09:00-12:00", "Oui",
    "RVC Loudun", "", "femmes", "", "Oui", "", "",
])

REFERENT_SPEC = ImportSpec(Referent, [
    ("civilite", "Civilité", ()),
    ("prenom", "Prénom", ()),
    ("nom", "Nom", ()),
    ("fonction", "Fonction", ("poste",)),
    ("structure", "Structure", ("nom de la structure",)),
    ("structure_siret", "SIRET de la structure", ("siret",)),
    ("role", "Rôle", ("role",)),
    ("courriel", "Courriel", ("email", "e mail", "mail")),
    ("telephone", "Téléphone", ("tel",)),
    ("date_designation", "Désigné·e le", ("date de designation",)),
    ("actif", "Actif·ve", ("actif", "active")),
    ("notes", "Notes", ()),
], required=("prenom", "nom", "structure"), example=[
    "Mme", "Claire", "Martin", "Travailleuse sociale", "CCAS de Loudun (Loudun)", "",
    "Référent·e violences et précarité", "c.martin@ccas-loudun.fr", "05 49 98 00 01",
    "", "Oui", "",
])

SPECS = {"structures": STRUCTURE_SPEC, "referents": REFERENT_SPEC}


# --- reading the file --------------------------------------------------------
def read_table(filename, data):
    """(headers, [(line, [values])]) from XLSX or CSV bytes; ImportFileError if unreadable."""
    if not data:
        raise ImportFileError("Le fichier est vide.")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"Le fichier dépasse la taille maximale de {MAX_IMPORT_BYTES // (1024 * 1024)} Mo."
        )
    if data.startswith(XLSX_MAGIC):
        rows = _read_xlsx(data)
    elif (filename or "").lower().endswith((".xlsx", ".xls", ".ods")) or b"\0" in data[:4096]:
        raise ImportFileError(
            "Ce fichier n'est pas un tableur lisible : enregistrez-le au format Excel (.xlsx) "
            "ou CSV, puis réessayez."
        )
    else:
        rows = _read_csv(data)
    rows = [(line, values) for line, values in rows if any(_filled(v) for v in values)]
    if not rows:
        raise ImportFileError("Le fichier est vide.")
    (_header_line, headers), body = rows[0], rows[1:]
    if len(body) > MAX_IMPORT_ROWS:
        raise ImportFileError(
            f"Le fichier compte {len(body)} lignes : la limite est de {MAX_IMPORT_ROWS}."
        )
    return [str(h).strip() if h is not None else "" for h in headers], body


def _filled(value):
    return value is not None and str(value).strip() != ""


class FormulaCell(str):
    """The text of a cell that holds a formula: refused, never evaluated."""


# What openpyxl raises on a damaged file, while opening it or reading its rows
# (ParseError, broken XML, is a SyntaxError).
DAMAGED_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError, SyntaxError)


def _read_xlsx(data):
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return _xlsx_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except DAMAGED_XLSX_ERRORS as error:
        raise ImportFileError(
            "Ce fichier Excel est illisible ou endommagé : ouvrez-le et enregistrez-le à "
            "nouveau au format .xlsx."
        ) from error


def _xlsx_rows(sheet):
    rows = []
    for line, cells in enumerate(sheet.iter_rows(), start=1):
        rows.append((line, [
            FormulaCell(cell.value) if cell.data_type == "f" else cell.value for cell in cells
        ]))
        if line > MAX_IMPORT_ROWS + 1:
            break
    return rows


def _read_csv(data):
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            "Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou au format .xlsx."
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [
            (reader.line_num, [FormulaCell(v) if v.startswith("=") else v for v in values])
            for values in reader
        ]
    except csv.Error as error:
        raise ImportFileError(f"Ce fichier CSV est mal formé : {error}.") from error


# --- cells to fields ---------------------------------------------------------
def _text(value):
    """A cell as trimmed text; our own exports' quote prefix is taken off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value).strip()
    if text.startswith(QUOTE_PREFIX) and text[1:2] and text[1:2] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def _choice(text, choices, message):
    wanted = header_key(text)
    for code, label in choices:
        if wanted in (header_key(code), header_key(label)):
            return code
    raise ValueError(f"{message} : « {text} ».")


def _slugs(text, choices, message):
    return [_choice(part, choices, message) for part in re.split(r"[,;\n]", text) if part.strip()]


def _boolean(text):
    key = header_key(text)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise ValueError(f"Répondez par Oui ou Non : « {text} ».")


def _integer(text):
    try:
        return int(text.replace(" ", ""))
    except ValueError:
        raise ValueError(f"Nombre entier attendu : « {text} ».")


def _date(value, text):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(text, (*DATE_FORMATS, "%d-%m-%Y"))
    except ValueError:
        raise ValueError(f"Date attendue au format jj/mm/aaaa : « {text} ».")


class Lookups:
    """Territories and structures read once, so a row costs no query to match."""

    def __init__(self):
        self.territories = {header_key(t.name): t for t in Territory.select()}
        self.structures_by_siret = {}
        self.structures_by_name = {}
        self.structures_by_label = {}
        for structure in Structure.select():
            if structure.siret:
                self.structures_by_siret[structure.siret] = structure
            self.structures_by_name[_name_key(structure.nom, structure.commune)] = structure
            self.structures_by_label[header_key(str(structure))] = structure
            self.structures_by_label.setdefault(header_key(structure.nom), structure)
        self.referents = {}
        for referent in Referent.select():
            self.referents[_referent_key(referent)] = referent
            if referent.courriel:
                self.referents[referent.courriel] = referent


def _name_key(nom, commune):
    return header_key(nom), header_key(commune)


def _referent_key(referent):
    return header_key(referent.prenom), header_key(referent.nom), referent.structure_id


def field_value(spec, field_name, value, lookups):
    """The model value of one cell; ValueError with a French message if wrong."""
    text = _text(value)
    if field_name == "typologie":
        return _choice(text, TYPOLOGIES, "Typologie inconnue")
    if field_name == "role":
        return _choice(text, REFERENT_ROLES, "Rôle inconnu")
    if field_name == "territory":
        territory = lookups.territories.get(header_key(text))
        if territory is None:
            raise ValueError(f"Territoire inconnu : « {text} » (créez-le d'abord dans Territoires).")
        return territory
    if field_name == "structure":
        structure = lookups.structures_by_label.get(header_key(text))
        if structure is None:
            raise ValueError(f"Structure inconnue : « {text} » (importez d'abord les structures).")
        return structure
    if field_name == "structure_siret":
        structure = lookups.structures_by_siret.get(clean_siret(text))
        if structure is None:
            raise ValueError(f"Aucune structure n'a le SIRET « {text} ».")
        return structure
    field = spec.model._meta.fields[field_name]
    if isinstance(field, SlugListField):
        return _slugs(text, field.choices, "Valeur inconnue du référentiel data·inclusion")
    if isinstance(field, BooleanField):
        return _boolean(text)
    if isinstance(field, IntegerField):
        return _integer(text)
    if isinstance(field, DateField):
        return _date(value, text)
    if field.choices:
        return _choice(text, field.choices, "Valeur inconnue")
    if field_name == "code_postal" and text.isdigit():
        return text.zfill(5)
    if field_name == "siret" and text.replace(" ", "").isdigit():
        return text.replace(" ", "").zfill(14)
    return text


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
    return {name: getattr(record, name) for name in record._meta.fields}


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
        beyond = sum(1 for cell in cells[len(headers):] if _filled(cell))
        if beyond:  # a value cut in two by the separator would be lost, or half-read
            plan.errors.append(RowError(line, "(ligne entière)", (
                f"{beyond} valeur(s) au-delà des {len(headers)} colonnes de l'en-tête : une "
                "valeur contient sans doute le séparateur (mettez-la entre guillemets) ou une "
                "colonne n'a pas d'en-tête."
            )))
            continue
        _plan_row(spec, plan, lookups, seen, line, cells, column_fields)
    return plan


def _plan_row(spec, plan, lookups, seen, line, cells, column_fields):
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
        elif _filled(value):
            try:
                values[field_name] = field_value(spec, field_name, value, lookups)
            except ValueError as error:
                errors.append(RowError(line, header, str(error)))
                unreadable.add(field_name)
    if "structure_siret" in values:
        values["structure"] = values.pop("structure_siret")
    if "structure_siret" in unreadable:
        unreadable.add("structure")
    existing = _find_existing(spec, values, lookups)
    record = existing or spec.model()
    before = _snapshot(record) if existing else None
    for name, value in values.items():
        setattr(record, name, value)
    try:
        record.full_clean()
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
        for name in after if after[name] != before[name]
    ]
    if changes and "date_maj" not in values and "date_maj" in record._meta.fields:
        record.date_maj = datetime.date.today()
    plan.rows.append(PlannedRow(line, "update" if changes else "unchanged", record, str(record), changes))


def _identity(record):
    if isinstance(record, Structure):
        return ("siret", record.siret) if record.siret else _name_key(record.nom, record.commune)
    return (record.courriel,) if record.courriel else _referent_key(record)


def apply_import(plan):
    """Write every planned create and update in one transaction; return their counts.

    Refuses a plan with errors: an import is all or nothing.
    """
    if not plan.can_apply:
        raise ImportFileError("Le fichier contient des erreurs : corrigez-les puis importez-le à nouveau.")
    with database.atomic():
        for row in plan.to_write:
            row.record.save()
    return {"created": plan.count("create"), "updated": plan.count("update"),
            "unchanged": plan.count("unchanged")}


def write_template(target, kind):
    """The workbook to fill: the expected headers, an example row, the code lists."""
    spec = SPECS[kind]
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(workbook, title=f"Maillage — modèle d'import ({kind})")
    sheet = workbook.add_worksheet("Import")
    columns = [Column(header, "text", max(14, len(header) + 4)) for _f, header, _a in spec.columns]
    write_table(sheet, columns, [spec.example], formats)
    lists = workbook.add_worksheet("Valeurs possibles")
    code_lists = {"Typologie": TYPOLOGIES, "Rôle": REFERENT_ROLES,
                  "Territoire": [(t.name, t.name) for t in Territory.select().order_by(Territory.name)]}
    if spec.model is Structure:
        code_lists["Publics"] = Structure.publics.choices
        code_lists["Thématiques"] = Structure.thematiques.choices
    col = 0
    for title, choices in code_lists.items():
        lists.set_column(col, col + 1, 30)
        lists.write_string(0, col, f"{title} (code)", formats.header)
        lists.write_string(0, col + 1, "Libellé", formats.header)
        for row, (code, label) in enumerate(choices, start=1):
            write_value(lists, row, col, code)
            write_value(lists, row, col + 1, label)
        col += 3
    workbook.close()

