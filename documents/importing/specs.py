"""What each kind of file holds: its columns (field, template header, other
accepted headers), the required ones, and how a cell becomes a field value."""
import datetime
import functools
import re

from peewee import BooleanField, DateField, IntegerField

from models.directory import REFERENT_ROLES, TYPOLOGIES, Referent, Structure
from models.fields import SlugListField
from models.formatting import ascii_fold
from models.validation import DATE_FORMATS, clean_siret, parse_date

from ..spreadsheets import FORMULA_TRIGGERS, QUOTE_PREFIX

TRUE_WORDS = {"oui", "o", "vrai", "x", "1", "yes", "true"}
FALSE_WORDS = {"non", "n", "faux", "0", "no", "false"}


APOSTROPHES_RE = re.compile(r"[’‘`´]")
NOT_WORD_RE = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65_536)
def _folded_key(text):
    return NOT_WORD_RE.sub(" ", ascii_fold(APOSTROPHES_RE.sub(" ", text)).lower()).strip()


def header_key(text):
    """'Téléphone ' → 'telephone', 'Code  postal' → 'code postal', 'd’action' → 'd action'.
    Remembered per text: a file repeats its typologies, territories and yes/no."""
    return _folded_key(text or "")


class ImportSpec:
    """What one kind of file holds: its columns (field, template header,
    other accepted headers), the required ones, how rows are matched (`matching`,
    French, shown on the import page) and an example row."""

    def __init__(self, model, columns, required, example, matching, identifiers):
        self.model = model
        self.identifiers = identifiers  # a file needs one of them: it finds or creates records
        self.matching = matching
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
    ("id", "N°", ("id", "numero", "n de fiche", "numero de fiche")),
], required=("nom", "typologie"), identifiers=("id", "siret", "nom"), example=[
    "CCAS de Loudun", "CCAS", "", "1 rue de la Mairie", "", "86200", "86137", "Loudun",
    "05 49 98 00 00", "accueil@ccas-loudun.fr", "", "Mo-Fr 09:00-12:00", "Oui",
    "RVC Loudun", "", "femmes", "", "Oui", "", "", "",
], matching=(
    "Une fiche existante est retrouvée par son numéro (colonne « N° »), son SIRET, sinon par son "
    "nom et sa commune : un fichier de mise à jour peut ne garder que ces colonnes et celles "
    "qui changent. La typologie accepte le code ou le libellé (« Mairie », « Centre social », "
    "« CCAS »…)."
))

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
    ("id", "N°", ("id", "numero", "n de fiche", "numero de fiche")),
], required=("prenom", "nom", "structure"), identifiers=("id", "courriel", "nom"), example=[
    "Mme", "Claire", "Martin", "Travailleuse sociale", "CCAS de Loudun (Loudun)", "",
    "Référent·e violences et précarité", "c.martin@ccas-loudun.fr", "05 49 98 00 01",
    "", "Oui", "", "",
], matching=(
    "Un·e référent·e existant·e est retrouvé·e par son courriel, sinon par ses prénom et nom "
    "dans la même structure. La structure est désignée par son nom (« CCAS de Loudun » ou "
    "« CCAS de Loudun (Loudun) ») ou par son SIRET."
))

SPECS = {"structures": STRUCTURE_SPEC, "referents": REFERENT_SPEC}


# --- cells to fields ---------------------------------------------------------
def cell_text(value):
    """A cell as trimmed text; our own exports' quote prefix is taken off."""
    if type(value) is not str:  # a CSV gives text: the other cases are a spreadsheet's
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.strftime("%d/%m/%Y")
        value = str(value)
    text = value.strip()
    if text.startswith(QUOTE_PREFIX) and text[1:2] and text[1:2] in FORMULA_TRIGGERS:
        return text[1:]
    return text


# What people type for a typology, beyond its code and label (folded as header_key).
TYPOLOGY_SYNONYMS = {
    "mairie": "MUNI", "commune": "MUNI", "ville": "MUNI", "hotel de ville": "MUNI",
    "centre communal d action sociale": "CCAS",
    "centre intercommunal d action sociale": "CIAS",
    "centre social": "CS", "centre socio culturel": "CS", "espace de vie sociale": "CS",
    "intercommunalite": "EPCI", "communaute de communes": "EPCI",
    "communaute d agglomeration": "EPCI", "metropole": "EPCI",
    "departement": "CD", "conseil general": "CD",
    "maison des solidarites": "MDS",
    "pole emploi": "FT",
    "gendarmerie nationale": "GENDARMERIE", "brigade": "GENDARMERIE",
    "brigade de gendarmerie": "GENDARMERIE",
    "commissariat": "POLICE", "commissariat de police": "POLICE", "police": "POLICE",
    "hopital": "HOSP", "centre hospitalier": "HOSP", "chu": "HOSP",
    "tribunal": "JUSTICE", "tribunal judiciaire": "JUSTICE", "parquet": "JUSTICE",
    "prefecture": "ETAT", "etat": "ETAT",
    "france victimes": "FRANCE_VICTIMES", "association d aide aux victimes": "FRANCE_VICTIMES",
    "maison de justice et du droit": "PAD", "mjd": "PAD",
}


def choice_keys(choices, synonyms=None):
    """Folded text → code: each code, its label, the label without its bracketed
    code (« Centre communal d'action sociale »), each part of a label « A / B »,
    then `synonyms`."""
    keys = {}
    for code, label in choices:
        for text in (code, label, re.sub(r"\s*\([^)]*\)", "", label), *label.split("/")):
            keys.setdefault(header_key(text), code)
    for text, code in (synonyms or {}).items():
        keys.setdefault(header_key(text), code)
    return keys


TYPOLOGY_KEYS = choice_keys(TYPOLOGIES, TYPOLOGY_SYNONYMS)


def _choice(text, choices, message, keys=None):
    code = (keys or choice_keys(choices)).get(header_key(text))
    if code is None:
        raise ValueError(f"{message} : « {text} ».")
    return code


def _slugs(text, choices, message, keys=None):
    keys = keys or choice_keys(choices)
    return [_choice(part, choices, message, keys) for part in re.split(r"[,;\n]", text) if part.strip()]


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


def _territory(text, lookups):
    territory = lookups.territories.get(header_key(text))
    if territory is None:
        raise ValueError(f"Territoire inconnu : « {text} » (créez-le d'abord dans Territoires).")
    return territory


def _structure(text, lookups):
    structure = lookups.structures_by_label.get(header_key(text))
    if structure is None:
        raise ValueError(f"Structure inconnue : « {text} » (importez d'abord les structures).")
    return structure


def _structure_by_siret(text, lookups):
    structure = lookups.structures_by_siret.get(clean_siret(text))
    if structure is None:
        raise ValueError(f"Aucune structure n'a le SIRET « {text} ».")
    return structure


def _padded(width):
    """'8600' → '08600' for a code postal, '73282932000074' spaced or shortened → 14 digits."""
    def read(text):
        compact = text.replace(" ", "") if width == 14 else text
        return compact.zfill(width) if compact.isdigit() else text
    return read


def column_reader(spec, field_name):
    """How a cell of the column of `field_name` becomes its value, chosen once per
    column: read(value, text, lookups), ValueError with a French message if wrong."""
    if field_name == "id":
        return lambda value, text, lookups: _integer(text)
    if field_name == "typologie":
        return lambda value, text, lookups: _choice(text, TYPOLOGIES, "Typologie inconnue", TYPOLOGY_KEYS)
    if field_name == "role":
        keys = choice_keys(REFERENT_ROLES)
        return lambda value, text, lookups: _choice(text, REFERENT_ROLES, "Rôle inconnu", keys)
    named = {"territory": _territory, "structure": _structure, "structure_siret": _structure_by_siret}
    if field_name in named:
        find = named[field_name]
        return lambda value, text, lookups: find(text, lookups)
    field = spec.model._meta.fields[field_name]
    if isinstance(field, SlugListField):
        keys = choice_keys(field.choices)
        return lambda value, text, lookups: _slugs(text, field.choices,
                                                   "Valeur inconnue du référentiel data·inclusion", keys)
    if isinstance(field, BooleanField):
        return lambda value, text, lookups: _boolean(text)
    if isinstance(field, IntegerField):
        return lambda value, text, lookups: _integer(text)
    if isinstance(field, DateField):
        return lambda value, text, lookups: _date(value, text)
    if field.choices:
        keys = choice_keys(field.choices)
        return lambda value, text, lookups: _choice(text, field.choices, "Valeur inconnue", keys)
    pad = {"code_postal": _padded(5), "siret": _padded(14)}.get(field_name)
    if pad:
        return lambda value, text, lookups: pad(text)
    return lambda value, text, lookups: text

