"""Import a data·inclusion v1 dataset: start the directory from what already exists.

Files accepted (one or several in one run, so the two files data.gouv.fr publishes,
structures and services, go together):
- JSON: a list of records, or an object {"structures": [...], "services": [...]};
- JSON lines: one record a line;
- CSV (comma or semicolon), a header line with the v1 field names; list fields as
  JSON ('["femmes"]') or separated by commas.
A record with `structure_id` is a service, else a structure. Each record is validated
by the schema package (data-inclusion-schema, v1) first, then by Maillage's own rules.

Structures are matched to existing ones by their source and id (an earlier import),
else by SIRET, else by name and commune (accents and case aside); services by source
and id, else by structure and name. A field is updated only when Maillage's value is
still the one the last import brought (or empty): a value edited in Maillage since is
never overwritten, it is listed as a conflict. Everything is written in one
transaction; a dry run does the same work and rolls it back, so its figures are exactly
those of the real run. A second run of the same file changes nothing.
"""
import csv
import datetime
import io
import json

from data_inclusion.schema import v1 as data_inclusion
from pydantic import ValidationError as PydanticValidationError

from models import DataInclusionLink, Service, Structure, database
from models.audit import record_event
from models.db import taken_values
from models.directory import TYPOLOGIES, Territory
from models.search import fold_text
from models.services import DATA_INCLUSION_FIELDS as SERVICE_FIELDS, DATA_INCLUSION_LISTS, departement_of
from models.validation import ValidationError

STRUCTURE_FIELDS = (
    "nom", "siret", "description", "commune", "code_postal", "code_insee", "adresse",
    "complement_adresse", "telephone", "courriel", "site_web", "horaires_accueil",
)
STRUCTURE_LISTS = ("reseaux_porteurs",)
SERVICE_IMPORTED = tuple(f for f in SERVICE_FIELDS if f != "date_maj") + DATA_INCLUSION_LISTS + ("zone_eligibilite",)
LIST_FIELDS = set(STRUCTURE_LISTS) | set(DATA_INCLUSION_LISTS) | {"zone_eligibilite"}
DEFAULT_TYPOLOGY = "AUTRE"
# A name that starts with one of these words tells the typology (v1 has none).
TYPOLOGY_WORDS = {code.lower(): code for code, _ in TYPOLOGIES if code not in ("AUTRE", "ETAT")}
TYPOLOGY_WORDS.update({"mission locale": "ML", "france travail": "FT", "france victimes": "FRANCE_VICTIMES"})
MAX_ERRORS_SHOWN = 50


class DataInclusionFileError(Exception):
    """The file cannot be read at all: nothing was written (French message)."""


def _typology(name):
    folded = fold_text(name)
    for word, code in TYPOLOGY_WORDS.items():
        if folded == word or folded.startswith(word + " "):
            return code
    return DEFAULT_TYPOLOGY


# --- reading -----------------------------------------------------------------------
def _csv_records(text):
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;") if text.strip() else csv.excel
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    records = []
    for row in rows:
        record = {}
        for key, value in row.items():
            if key is None or value in (None, ""):
                continue
            if key in LIST_FIELDS:
                value = json.loads(value) if value.strip().startswith("[") else [
                    part.strip() for part in value.split(",") if part.strip()]
            record[key.strip()] = value
        records.append(record)
    return records


def read_records(name, content):
    """[(line or position, record dict)] of one file; DataInclusionFileError when unreadable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataInclusionFileError(f"« {name} » n'est pas un texte UTF-8 : exportez-le de nouveau en UTF-8.")
    stripped = text.strip()
    if not stripped:
        raise DataInclusionFileError(f"« {name} » est vide.")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        data = None
        if stripped.startswith("{"):  # JSON lines
            records = []
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError:
                    raise DataInclusionFileError(
                        f"« {name} », ligne {number} : JSON illisible. Rien n'a été enregistré.") from None
            if not all(isinstance(record, dict) for _number, record in records):
                raise DataInclusionFileError(f"« {name} » : chaque ligne doit être un enregistrement (objet JSON).")
            return records
    if data is None:
        try:
            records = _csv_records(text)
        except (csv.Error, json.JSONDecodeError):
            records = []
        if not records or not any("id" in record for record in records):
            raise DataInclusionFileError(
                f"« {name} » n'est ni un fichier JSON, ni des lignes JSON, ni un CSV data·inclusion "
                "(avec une ligne d'en-tête « source », « id », « nom »…).")
        return [(number, record) for number, record in enumerate(records, 2)]
    if isinstance(data, dict) and ("structures" in data or "services" in data):
        structures, services = data.get("structures") or [], data.get("services") or []
        if not isinstance(structures, list) or not isinstance(services, list):
            raise DataInclusionFileError(f"« {name} » : « structures » et « services » doivent être des listes.")
        data = [*structures, *services]
    if not isinstance(data, list) or not all(isinstance(record, dict) for record in data):
        raise DataInclusionFileError(
            f"« {name} » : une liste d'enregistrements data·inclusion est attendue "
            "(ou un objet avec les clés « structures » et « services »).")
    return list(enumerate(data, 1))


def _french_error(error):
    """The first problem pydantic found, in French."""
    problem = error.errors()[0]
    field = ".".join(str(part) for part in problem["loc"]) or "enregistrement"
    if problem["type"] == "missing":
        return f"champ « {field} » obligatoire manquant"
    return f"champ « {field} » invalide ({problem.get('input')!r})"


# --- the import --------------------------------------------------------------------
class ImportReport:
    """What an import did (or would do): counts per kind, conflicts, errors, in French."""

    def __init__(self, dry_run):
        self.dry_run = dry_run
        self.counts = {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in ("structure", "service")}
        self.left_out = 0
        self.errors = []  # (file, line, message)
        self.conflicts = []  # (record label, field label, Maillage's value, the file's value)
        self.warnings = []

    def lines(self):
        words = {"structure": ("structure", "structures"), "service": ("service", "services")}
        out = ["Aperçu (rien n'a été enregistré) :" if self.dry_run else "Import enregistré :"]
        for kind, counts in self.counts.items():
            out.append(f"- {words[kind][1].capitalize()} : {counts['created']} à créer, {counts['updated']} à mettre à jour, "
                       f"{counts['unchanged']} inchangé(e)s" if self.dry_run else
                       f"- {words[kind][1].capitalize()} : {counts['created']} créé(e)s, {counts['updated']} mis(es) à jour, "
                       f"{counts['unchanged']} inchangé(e)s")
        if self.left_out:
            out.append(f"- Hors du périmètre demandé (département, communes) : {self.left_out} écarté(e)s")
        out.append(f"- Erreurs : {len(self.errors)} ; conflits : {len(self.conflicts)}")
        for filename, line, message in self.errors[:MAX_ERRORS_SHOWN]:
            out.append(f"Erreur — {filename}, enregistrement {line} : {message}")
        if len(self.errors) > MAX_ERRORS_SHOWN:
            out.append(f"… et {len(self.errors) - MAX_ERRORS_SHOWN} autres erreurs.")
        for label, field, local, incoming in self.conflicts:
            out.append(f"Conflit — {label}, {field} : modifié dans Maillage (« {local} »), "
                       f"le fichier dit « {incoming} » : valeur de Maillage gardée.")
        out.extend(f"Attention — {warning}" for warning in self.warnings)
        return out


def _comparable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, set, tuple)):
        return sorted(str(v) for v in value) or None
    return value if value not in ("", []) else None


def _normalised(model, values, base, report, where):
    """Maillage's form of the file's values (E.164 phones, tidied hours…): a field its
    rules refuse is left out, with a warning; None when the record cannot be kept."""
    values = dict(values)
    for _attempt in range(len(values) + 1):
        probe = model(**base, **values)
        try:
            probe.clean()
        except ValidationError as error:
            refused = [name for name in error.errors if name in values and name != "nom"]
            if not refused or len(refused) < len(error.errors):
                report.errors.append((*where, "refusé par Maillage : " + "; ".join(
                    f"{name} : {message}" for name, message in error.errors.items())))
                return None
            for name in refused:
                report.warnings.append(f"{where[0]}, enregistrement {where[1]} : {name} ignoré "
                                       f"({error.errors[name]})")
                values.pop(name)
            continue
        return {name: getattr(probe, name) for name in values}
    return None


def _merge(record, values, link, label, report, field_labels):
    """Write the file's `values` into `record` where Maillage's value is still the last
    import's (or empty); conflicts otherwise. True when something changed."""
    last = link.values if link is not None else {}
    changed = False
    for name, incoming in values.items():
        local = getattr(record, name)
        if _comparable(local) == _comparable(incoming):
            continue
        if (link is not None and name in last and _comparable(local) == _comparable(last[name])) \
                or _comparable(local) is None:
            setattr(record, name, incoming)
            changed = True
        elif incoming not in (None, "", []):
            report.conflicts.append((label, field_labels.get(name, name), _shown(local), _shown(incoming)))
    return changed


def _shown(value):
    return ", ".join(value) if isinstance(value, list) else str(value if value is not None else "(vide)")


def _link(kind, source, source_id, record, values, links):
    key = (kind, source, source_id)
    link = links.get(key) or DataInclusionLink(kind=kind, source=source, source_id=source_id)
    setattr(link, kind, record.id)
    link.imported_at = datetime.datetime.now()
    link.imported_values = json.dumps({k: _comparable(v) for k, v in values.items()}, ensure_ascii=False)
    link.save()
    links[key] = link


def _in_scope(record, departement, communes):
    code = record.get("code_insee") or ""
    if communes and code not in communes:
        return False
    if departement:
        postal = record.get("code_postal") or ""
        return (code and departement_of(code) == departement) or (not code and postal.startswith(departement))
    return True


def import_data_inclusion(files, departement=None, communes=(), territory=None, dry_run=False, today=None):
    """Import `files` ([(name, bytes)]); return the ImportReport. One transaction,
    rolled back when `dry_run`. DataInclusionFileError: nothing read, nothing written."""
    departement = (departement or "").strip().upper() or None
    communes = {code.strip().upper() for code in communes or () if code.strip()}
    report = ImportReport(dry_run)
    structures, services = [], []
    for name, content in files:
        for line, record in read_records(name, content):
            (services if "structure_id" in record else structures).append((name, line, record))
    territory_id = None
    if territory is not None:
        found = Territory.get_or_none(Territory.id == territory)
        if found is None:
            raise DataInclusionFileError(f"Le territoire n° {territory} n'existe pas.")
        territory_id = found.id
    with database.atomic() as transaction:
        structure_ids = _import_structures(structures, report, departement, communes, territory_id, today)
        _import_services(services, report, structure_ids)
        if dry_run:
            transaction.rollback()
        else:
            record_event("import", "Structure", detail="Import data·inclusion : " + " ".join(report.lines()[1:3]))
    return report


def _import_structures(rows, report, departement, communes, territory_id, today):
    """Create or update the structures; return {(source, id): Maillage id}."""
    labels = {f.name: f.verbose_name for f in Structure._meta.sorted_fields}
    existing = list(Structure.select())
    by_siret = {s.siret: s for s in existing if s.siret}
    by_name = {(fold_text(s.nom), fold_text(s.commune or "")): s for s in existing}
    by_id = {s.id: s for s in existing}
    links = {(l.kind, l.source, l.source_id): l for l in DataInclusionLink.select()}
    taken = taken_values(Structure, existing)
    found = {}
    for filename, line, raw in rows:
        try:
            valid = data_inclusion.Structure.model_validate(raw)
        except PydanticValidationError as error:
            report.errors.append((filename, line, "structure : " + _french_error(error)))
            continue
        if not _in_scope(raw, departement, communes):
            report.left_out += 1
            continue
        incoming = {name: getattr(valid, name) for name in STRUCTURE_FIELDS}
        incoming["site_web"] = str(incoming["site_web"]) if incoming["site_web"] else None
        incoming["reseaux_porteurs"] = sorted(r.value for r in valid.reseaux_porteurs or ())
        incoming = {k: v for k, v in incoming.items() if v not in (None, "", [])}
        values = _normalised(Structure, incoming, {"typologie": DEFAULT_TYPOLOGY}, report, (filename, line))
        if values is None:
            continue
        link = links.get(("structure", valid.source, valid.id))
        record = by_id.get(link.structure_id) if link is not None else None
        record = record or (by_siret.get(values.get("siret")) if values.get("siret") else None) \
            or by_name.get((fold_text(values["nom"]), fold_text(values.get("commune") or "")))
        if record is None:
            record = Structure(typologie=_typology(values["nom"]), territory=territory_id,
                               date_maj=min(valid.date_maj, today or datetime.date.today()), **values)
            try:
                record.full_clean(taken=taken)
            except ValidationError as error:
                report.errors.append((filename, line, "structure refusée : " + error.describe()))
                continue
            record.save(force_insert=True)
            for field in ("siret",):
                if record.siret:
                    taken.setdefault(field, {})[record.siret] = record.id
            report.counts["structure"]["created"] += 1
            by_id[record.id] = record
            if record.siret:
                by_siret[record.siret] = record
            by_name[(fold_text(record.nom), fold_text(record.commune or ""))] = record
        elif _merge(record, values, link, f"Structure « {record.nom} »", report, labels):
            record.date_maj = max(record.date_maj, valid.date_maj)
            record.save()
            report.counts["structure"]["updated"] += 1
        else:
            report.counts["structure"]["unchanged"] += 1
        _link("structure", valid.source, valid.id, record, values, links)
        found[(valid.source, valid.id)] = record.id
    return found


def _import_services(rows, report, structure_ids):
    labels = {f.name: f.verbose_name for f in Service._meta.sorted_fields}
    links = {(l.kind, l.source, l.source_id): l for l in DataInclusionLink.select()}
    for (kind, source, source_id), link in links.items():
        if kind == "structure":
            structure_ids.setdefault((source, source_id), link.structure_id)
    existing = {s.id: s for s in Service.select()}
    by_name = {(s.structure_id, fold_text(s.nom)): s for s in existing.values()}
    for filename, line, raw in rows:
        try:
            valid = data_inclusion.Service.model_validate(raw)
        except PydanticValidationError as error:
            report.errors.append((filename, line, "service : " + _french_error(error)))
            continue
        structure_id = structure_ids.get((valid.source, valid.structure_id))
        if structure_id is None:
            report.left_out += 1  # its structure is outside the scope, or absent from the file
            continue
        incoming = {name: getattr(valid, name) for name in SERVICE_IMPORTED}
        incoming["lien_mobilisation"] = str(valid.lien_mobilisation) if valid.lien_mobilisation else None
        for name in DATA_INCLUSION_LISTS:
            incoming[name] = sorted(item.value for item in incoming[name] or ())
        incoming["type"] = valid.type.value if valid.type else None
        incoming["frais"] = valid.frais.value if valid.frais else None
        incoming["zone_eligibilite"] = list(valid.zone_eligibilite or ())
        incoming = {k: v for k, v in incoming.items() if v not in (None, "", [])}
        values = _normalised(Service, incoming, {"structure": structure_id}, report, (filename, line))
        if values is None:
            continue
        link = links.get(("service", valid.source, valid.id))
        record = existing.get(link.service_id) if link is not None else None
        record = record or by_name.get((structure_id, fold_text(values["nom"])))
        if record is None:
            record = Service.create(structure=structure_id, date_maj=valid.date_maj, **values)
            existing[record.id] = record
            by_name[(structure_id, fold_text(record.nom))] = record
            report.counts["service"]["created"] += 1
        elif _merge(record, values, link, f"Service « {record.nom} »", report, labels):
            record.date_maj = max(record.date_maj, valid.date_maj)
            record.save()
            report.counts["service"]["updated"] += 1
        else:
            report.counts["service"]["unchanged"] += 1
        _link("service", valid.source, valid.id, record, values, links)
