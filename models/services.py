"""What a structure offers, as data·inclusion v1 describes a service (a permanence
juridique, an hébergement d'urgence…), and the search professionals run on them:
"which services help with this need, in this place, for this public, open then?"

Field names are data·inclusion v1's (`nom`, `thematiques`, `publics`,
`modes_accueil`, `modes_mobilisation`, `mobilisable_par`, `frais`,
`conditions_acces`, `zone_eligibilite`, `horaires_accueil`, `date_maj`…); their
slug lists are checked against the schema package's enumerations.
"""
import datetime
import functools
import heapq
import json
import operator
import re

import opening_hours
from data_inclusion.schema import v1 as data_inclusion
from peewee import (
    JOIN, CharField, DateField, DateTimeField, ForeignKeyField, TextField, Value, fn,
)

from .db import BaseModel, VersionedModel, reading_order, text_order_key
from .directory import (
    PUBLICS, THEMATIQUES, Checked, Referent, Structure, Territory, within_territory,
)
from .fields import PhoneField, SlugListField
from .opening_hours import parse_opening_hours
from .search import _contains, fold_text, folded
from .validation import (
    DEPARTEMENT_RE, INSEE_CODE_RE, Validator, clean_email, clean_insee_code,
    clean_phone, clean_postal_code, clean_url,
)


def _choices(enum):
    return [(item.value, item.label) for item in enum]


SERVICE_TYPES = _choices(data_inclusion.TypeService)
FRAIS = _choices(data_inclusion.Frais)
MODES_ACCUEIL = _choices(data_inclusion.ModeAccueil)
MODES_MOBILISATION = _choices(data_inclusion.ModeMobilisation)
MOBILISABLE_PAR = _choices(data_inclusion.PersonneMobilisatrice)
THEMATIQUE_LABELS = dict(THEMATIQUES)
PUBLIC_LABELS = dict(PUBLICS)
MODE_ACCUEIL_LABELS = dict(MODES_ACCUEIL)
MODE_MOBILISATION_LABELS = dict(MODES_MOBILISATION)
FRAIS_LABELS = dict(FRAIS)
TOUS_PUBLICS = data_inclusion.Public.TOUS_PUBLICS.value
NAME_LENGTH = (3, 150)  # data·inclusion v1's limits for `nom`
DESCRIPTION_LENGTH = (5, 10_000)

# zone_eligibilite: INSEE codes of communes, départements, EPCI (their SIREN), or "france".
EPCI_RE = re.compile(r"^\d{9}$")
WHOLE_COUNTRY = "france"
ZONE_HELP = ("Codes séparés par des virgules : commune (code INSEE, 86194), département (86), "
             "intercommunalité (SIREN de l'EPCI, 248600413) ou « france ».")


def zone_code_kind(code):
    """'commune', 'departement', 'epci', 'france' or None for a code that is none."""
    if code == WHOLE_COUNTRY:
        return "france"
    if INSEE_CODE_RE.match(code):
        return "commune"
    if DEPARTEMENT_RE.match(code):
        return "departement"
    if EPCI_RE.match(code):
        return "epci"
    return None


def split_codes(value):
    """'86194, 86 ; france' or a list → ['86194', '86', 'france'] (upper case, 'france' kept)."""
    if value is None:
        return []
    parts = value if isinstance(value, (list, tuple, set)) else re.split(r"[\s,;]+", str(value))
    codes = []
    for part in parts:
        code = str(part or "").strip()
        code = WHOLE_COUNTRY if code.lower() == WHOLE_COUNTRY else code.upper()
        if code and code not in codes:
            codes.append(code)
    return codes


def departement_of(code_insee):
    """'86194' → '86'; '97411' → '974'; '2A004' → '2A'."""
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


class Service(Checked, VersionedModel):
    """A service a structure offers (data·inclusion v1 `Service`)."""

    structure = ForeignKeyField(
        Structure, verbose_name="Structure", backref="services", on_delete="CASCADE",
    )
    nom = CharField(verbose_name="Nom du service")
    description = TextField(verbose_name="Description")
    type = CharField(verbose_name="Type de service", choices=SERVICE_TYPES, null=True)
    thematiques = SlugListField(verbose_name="Thématiques", null=True, choices=THEMATIQUES)
    publics = SlugListField(verbose_name="Publics", null=True, choices=PUBLICS)
    publics_precisions = TextField(verbose_name="Précisions sur les publics", null=True)
    modes_accueil = SlugListField(verbose_name="Modes d'accueil", null=True, choices=MODES_ACCUEIL)
    modes_mobilisation = SlugListField(
        verbose_name="Comment orienter (modes de mobilisation)", null=True, choices=MODES_MOBILISATION,
    )
    mobilisable_par = SlugListField(verbose_name="Qui peut orienter", null=True, choices=MOBILISABLE_PAR)
    mobilisation_precisions = TextField(
        verbose_name="Comment orienter : précisions", null=True,
        help_text="Ce qu'un·e professionnel·le doit faire : téléphoner, envoyer la fiche de liaison…",
    )
    lien_mobilisation = CharField(verbose_name="Lien pour orienter (formulaire)", null=True)
    frais = CharField(verbose_name="Frais", choices=FRAIS, null=True)
    frais_precisions = TextField(verbose_name="Précisions sur les frais", null=True)
    conditions_acces = TextField(verbose_name="Conditions d'accès", null=True)
    zone_eligibilite = SlugListField(verbose_name="Zone d'intervention", null=True, choices=(),
                                     help_text=ZONE_HELP)
    telephone = PhoneField(verbose_name="Téléphone", null=True)
    courriel = CharField(verbose_name="Courriel", null=True)
    referent = ForeignKeyField(
        Referent, verbose_name="Référent·e à appeler", null=True, backref="services",
        on_delete="SET NULL",
    )
    horaires_accueil = CharField(
        verbose_name="Horaires", null=True,
        help_text="Syntaxe OpenStreetMap, par exemple : Mo-Fr 09:00-12:00,14:00-17:00 ; "
                  "vides : ceux de la structure.",
    )
    adresse = CharField(verbose_name="Adresse (si autre que la structure)", null=True)
    complement_adresse = CharField(verbose_name="Complément d'adresse", null=True)
    code_postal = CharField(verbose_name="Code postal", max_length=5, null=True)
    code_insee = CharField(verbose_name="Code INSEE", max_length=5, null=True)
    commune = CharField(verbose_name="Commune", null=True)
    date_maj = DateField(verbose_name="Mise à jour le", default=datetime.date.today)

    class Meta:
        table_name = "service"
        verbose_name = "service"
        verbose_name_plural = "services"
        label_fields = ("nom",)
        owned_backrefs = ("data_inclusion_links",)  # DataInclusionLink below: goes with it

    def __str__(self):
        return self.nom

    def clean(self):
        v = Validator()
        self.nom = (self.nom or "").strip()
        v.require("nom", self.nom, "Donnez le nom du service (par exemple : Permanence juridique).")
        if self.nom and not NAME_LENGTH[0] <= len(self.nom) <= NAME_LENGTH[1]:
            v.add("nom", "Le nom compte de {} à {} caractères.".format(*NAME_LENGTH))
        self.description = (self.description or "").strip()
        if not self.description:
            v.add("description", "Décrivez le service en une phrase au moins (ce qu'il apporte, à qui).")
        elif not DESCRIPTION_LENGTH[0] <= len(self.description) <= DESCRIPTION_LENGTH[1]:
            v.add("description", "La description compte de {} à {} caractères.".format(*DESCRIPTION_LENGTH))
        if self.structure_id is None:
            v.add("structure", "Choisissez la structure qui propose ce service.")
        for field, choices in (("type", SERVICE_TYPES), ("frais", FRAIS)):
            value = getattr(self, field)
            if value:
                v.choice(field, value, choices, "Valeur inconnue du référentiel data·inclusion.")
            else:
                setattr(self, field, None)
        for field in ("thematiques", "publics", "modes_accueil", "modes_mobilisation", "mobilisable_par"):
            v.slugs(field, getattr(self, field), self._meta.fields[field].choices)
        if TOUS_PUBLICS in (self.publics or []) and len(set(self.publics)) > 1:
            v.add("publics", "« Tous publics » ne se combine pas avec d'autres publics : "
                             "gardez l'un ou les autres.")
        self._clean_zone(v)
        for field, cleaner in (
            ("telephone", clean_phone), ("courriel", clean_email), ("lien_mobilisation", clean_url),
            ("horaires_accueil", parse_opening_hours), ("code_postal", clean_postal_code),
            ("code_insee", clean_insee_code),
        ):
            value = getattr(self, field)
            if isinstance(value, str):
                value = value.strip()
            setattr(self, field, v.check(field, cleaner, value) if value else None)
        for field in ("publics_precisions", "mobilisation_precisions", "frais_precisions",
                      "conditions_acces", "adresse", "complement_adresse", "commune"):
            value = getattr(self, field)
            setattr(self, field, value.strip() or None if isinstance(value, str) else value)
        if self.referent_id is not None and self.structure_id is not None:
            referent = Referent.get_or_none(Referent.id == self.referent_id)
            if referent is None:
                v.add("referent", "Ce ou cette référent·e n'existe plus : choisissez-en un·e autre.")
            elif referent.structure_id != self.structure_id:
                v.add("referent", "Choisissez un·e référent·e de la structure qui propose ce service.")
        v.raise_if_any()

    def _clean_zone(self, v):
        codes = split_codes(self.zone_eligibilite)
        unknown = [code for code in codes if zone_code_kind(code) is None]
        if unknown:
            v.add("zone_eligibilite", f"Code(s) non reconnu(s) : {', '.join(unknown)}. {ZONE_HELP}")
        self.zone_eligibilite = codes or None


class DataInclusionLink(BaseModel):
    """Where an imported structure or service came from (data·inclusion `source` and
    `id`) and the values it had at its last import: a field whose value differs from
    them now was edited in Maillage since, and is never overwritten silently
    (documents/data_inclusion_import.py)."""

    kind = CharField(verbose_name="Type", choices=[("structure", "Structure"), ("service", "Service")])
    structure = ForeignKeyField(Structure, null=True, backref="data_inclusion_links", on_delete="CASCADE")
    service = ForeignKeyField(Service, null=True, backref="data_inclusion_links", on_delete="CASCADE")
    source = CharField(verbose_name="Source")
    source_id = CharField(verbose_name="Identifiant à la source")
    imported_at = DateTimeField(verbose_name="Importé le")
    imported_values = TextField(verbose_name="Valeurs importées")

    class Meta:
        table_name = "data_inclusion_link"
        audited = False  # bookkeeping of the import, which the history records itself
        typed_text = False  # what a file said, as it said it
        indexes = ((("kind", "source", "source_id"), True),)

    @property
    def values(self):
        return json.loads(self.imported_values or "{}")


# data·inclusion v1 Service fields Maillage keeps under the same name and meaning.
DATA_INCLUSION_FIELDS = (
    "nom", "description", "date_maj", "type", "frais", "frais_precisions", "publics_precisions",
    "conditions_acces", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "telephone", "courriel", "lien_mobilisation", "mobilisation_precisions", "horaires_accueil",
)
DATA_INCLUSION_LISTS = ("thematiques", "publics", "modes_accueil", "modes_mobilisation", "mobilisable_par")


def data_inclusion_service_values(service):
    """The service's values under data·inclusion v1 names (lists as sets, empty as None)."""
    values = {name: getattr(service, name) for name in DATA_INCLUSION_FIELDS}
    values.update({name: set(getattr(service, name) or ()) or None for name in DATA_INCLUSION_LISTS})
    values["zone_eligibilite"] = list(service.zone_eligibilite or ()) or None
    # contact_nom_prenom stays out: the file is shared as open data, a référent·e's name is not.
    return values


# --- "Trouver une aide": needs in plain French ---------------------------------------
def _thematiques_of(prefix):
    return tuple(code for code, _ in THEMATIQUES if code.startswith(prefix + "--"))


# A need as a professional says it → the data·inclusion thématiques that answer it.
COMMON_NEEDS = [
    ("violences-conjugales", "Violences conjugales, séparation", ("famille--surmonter-conflits-separation-violence",)),
    ("hebergement-urgence", "Hébergement d'urgence ou temporaire",
     ("logement-hebergement--rechercher-une-solution-dhebergement-temporaire",)),
    ("acces-au-droit", "Accès au droit / juriste",
     ("difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
      "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire",
      "difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination")),
    ("demarches-administratives", "Démarches administratives",
     ("difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",)),
    ("sante-mentale", "Santé mentale", ("sante--sante-mentale",)),
    ("soins", "Accès aux soins", ("sante--acces-aux-soins", "sante--sante-sexuelle")),
    ("addictions", "Addictions", ("sante--addictions",)),
    ("logement", "Logement (accès, maintien, impayés)", _thematiques_of("logement-hebergement")),
    ("alimentation", "Alimentation, vêtements", ("equipement-et-alimentation--alimentation",
                                                 "equipement-et-alimentation--habillement")),
    ("argent", "Difficultés financières, dettes", _thematiques_of("difficultes-financieres")),
    ("parentalite", "Enfants, parentalité", ("famille--garde-denfants",
                                             "famille--soutien-a-la-parentalite-et-a-leducation")),
    ("emploi", "Emploi", _thematiques_of("trouver-un-emploi") + _thematiques_of("preparer-sa-candidature")
     + _thematiques_of("choisir-un-metier")),
    ("formation", "Formation, apprendre le français", _thematiques_of("se-former")
     + _thematiques_of("lecture-ecriture-calcul")),
    ("mobilite", "Se déplacer (mobilité)", _thematiques_of("mobilite")),
    ("numerique", "Numérique", _thematiques_of("numerique")),
    ("lien-social", "Rompre l'isolement, lien social", _thematiques_of("remobilisation")),
]
COMMON_NEED_LABELS = {key: label for key, label, _ in COMMON_NEEDS}
CATEGORY_LABELS = {c.value: c.label for c in data_inclusion.Categorie}


def need_choices():
    """[(group label, [(value, label)])]: the common needs first, then every
    data·inclusion thématique under its catégorie, in French."""
    groups = [("Besoins fréquents", [(key, label) for key, label, _ in COMMON_NEEDS])]
    for category, category_label in CATEGORY_LABELS.items():
        options = [(category, f"{category_label} (tout)")]
        options += [(code, label) for code, label in THEMATIQUES if code.startswith(category + "--")]
        groups.append((category_label, options))
    return groups


def thematiques_for_need(need):
    """A need (a common need's key, a catégorie or a thématique) → its thématiques;
    () for no need, None for a value that is none of them."""
    if not need:
        return ()
    for key, _label, thematiques in COMMON_NEEDS:
        if key == need:
            return thematiques
    if need in CATEGORY_LABELS:
        return _thematiques_of(need)
    if need in THEMATIQUE_LABELS:
        return (need,)
    return None


def need_label(need):
    if need in COMMON_NEED_LABELS:
        return COMMON_NEED_LABELS[need]
    if need in CATEGORY_LABELS:
        return CATEGORY_LABELS[need]
    return THEMATIQUE_LABELS.get(need, need)


# --- where: communes known in the directory -------------------------------------------
COMMUNE_WITH_CODE_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>\w{5})\)\s*$")


def known_communes():
    """[(name, INSEE code or None)] of the structures and services, by name (two queries)."""
    found = {}
    for model in (Structure, Service):
        rows = (model.select(model.commune, model.code_insee)
                .where(model.commune.is_null(False) | model.code_insee.is_null(False))
                .distinct().tuples())
        for name, code in rows:
            key = code or fold_text(name)
            if key not in found or (name and not found[key][0]):
                found[key] = (name, code)
    coded = {fold_text(name) for name, code in found.values() if name and code}
    rows = [(name, code) for name, code in found.values() if code or fold_text(name) not in coded]
    return sorted(rows, key=lambda row: (fold_text(row[0] or row[1] or ""), row[1] or ""))


def commune_label(name, code):
    return f"{name} ({code})" if name and code else (name or code or "")


def resolve_commune(text):
    """What a user typed or picked ('Loudun (86137)', '86137', 'loudun') → (name, code);
    (None, None) for nothing typed. A name the directory knows with a code gets it."""
    text = " ".join((text or "").split())
    if not text:
        return None, None
    match = COMMUNE_WITH_CODE_RE.match(text)
    if match and INSEE_CODE_RE.match(match["code"].upper()):
        return match["name"] or None, match["code"].upper()
    if INSEE_CODE_RE.match(text.upper()):
        code = text.upper()
        names = [name for name, known in known_communes() if known == code and name]
        return (names[0] if names else None), code
    wanted = fold_text(text)
    for name, code in known_communes():
        if name and fold_text(name) == wanted:
            return name, code
    return text, None


# --- open when? ---------------------------------------------------------------------
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@functools.lru_cache(maxsize=4096)
def _parsed_hours(text):
    try:
        return opening_hours.OpeningHours(text)
    except (opening_hours.ParserError, ValueError):
        return None


def open_state(hours, when):
    """True / False / None (not known) for OSM `hours` at `when` (a datetime), or
    on `when` (a date: open at some time that day)."""
    parsed = _parsed_hours(hours) if hours else None
    if parsed is None:
        return None
    if isinstance(when, datetime.datetime):
        return parsed.is_open(when)
    start = datetime.datetime.combine(when, datetime.time())
    end = start + datetime.timedelta(days=1)
    return any(state == opening_hours.State.OPEN for _start, _end, state, _comments in parsed.intervals(start, end))


def next_weekday(day_name, today=None):
    """'mercredi' → the date of the next Wednesday (today when it is one)."""
    today = today or datetime.date.today()
    return today + datetime.timedelta(days=(WEEKDAYS.index(day_name) - today.weekday()) % 7)


# --- the search -----------------------------------------------------------------------
FIND_LIMIT = 50  # results shown; the count says how many more
REFERENT_ROLES_TO_CALL = ("violences", "precarite", "violences_precarite", "personne_ressource")


def list_holds(column, code):
    """SQL: the comma-separated slug list `column` holds `code` exactly."""
    return _contains(Value(",").concat(fn.COALESCE(column, "")).concat(","), f",{code},")


def _any_of(conditions):
    conditions = list(conditions)
    return functools.reduce(operator.or_, conditions) if conditions else None


def territory_departement(territory_id):
    """The département code of a territory or of the nearest territory containing it."""
    rows = {tid: (parent, dep) for tid, parent, dep in
            Territory.select(Territory.id, Territory.parent, Territory.departement).tuples()}
    seen, current = set(), territory_id
    while current in rows and current not in seen:
        seen.add(current)
        parent, departement = rows[current]
        if departement:
            return departement
        current = parent
    return None


class FoundServices:
    """The answer of find_services: `rows` (at most `limit` services, each with
    `structure`, `contact` and `referents`), `total` matching, and `unknown_hours`
    (services left out of an "open" search because their hours are not known)."""

    def __init__(self, rows, total, unknown_hours=0):
        self.rows, self.total, self.unknown_hours = rows, total, unknown_hours


def find_services(need=None, commune=None, territory=None, public=None, open_at=None,
                  limit=FIND_LIMIT):
    """The services of active structures serving a place, for a need.

    need: a key of thematiques_for_need; commune: (name, INSEE code) from
    resolve_commune; territory: a territory id (its sub-territories included);
    public: a data·inclusion public; open_at: a datetime (open then) or a date (open
    some time that day), the service's hours or else its structure's.
    A service serves a commune when its zone d'intervention holds the commune, its
    département or "france", or (no zone given) when it is located there. A service
    serves a territory when its structure is in it, or its zone holds the territory's
    département. Four queries at most (territories, matches, rows shown, référent·e·s),
    whatever the number of services."""
    contact = Referent.alias()
    query = (Service.select(Service, Structure, contact)
             .join(Structure, on=Service.structure == Structure.id, attr="structure")
             .switch(Service)
             .join(contact, JOIN.LEFT_OUTER, on=Service.referent == contact.id, attr="contact")
             .where(Structure.actif == True))  # noqa: E712
    thematiques = thematiques_for_need(need)
    if thematiques:
        query = query.where(_any_of(list_holds(Service.thematiques, t) for t in thematiques))
    if public:
        query = query.where(Service.publics.is_null() | (Service.publics == "")
                            | list_holds(Service.publics, public) | list_holds(Service.publics, TOUS_PUBLICS))
    name, code = commune or (None, None)
    places = []
    if code or name:
        no_zone = Service.zone_eligibilite.is_null() | (Service.zone_eligibilite == "")
        located = []
        if code:
            places += [list_holds(Service.zone_eligibilite, code),
                       list_holds(Service.zone_eligibilite, departement_of(code))]
            located += [Service.code_insee == code,
                        Service.code_insee.is_null() & (Structure.code_insee == code)]
        if name:
            folded_name = fold_text(name)
            located += [folded(Service.commune) == folded_name,
                        Service.commune.is_null() & (folded(Structure.commune) == folded_name)]
        places += [list_holds(Service.zone_eligibilite, WHOLE_COUNTRY), no_zone & _any_of(located)]
    if territory:
        places.append(within_territory(Structure.territory, territory))
        departement = territory_departement(territory)
        if departement:
            places.append(list_holds(Service.zone_eligibilite, departement))
    if places:
        query = query.where(_any_of(places))
    # The matches as short tuples (id, names, hours): filtered on their hours and put in
    # reading order in Python (one fold per row, not one per comparison as the SQL
    # collation does), then only the shown ones read in full.
    matches = query.select(Service.id, Structure.nom, Service.nom, Service.horaires_accueil,
                           Structure.horaires_accueil).tuples()
    unknown_hours, kept = 0, []
    for service_id, structure_name, name, hours, structure_hours in matches:
        if open_at is not None:
            state = open_state(hours or structure_hours, open_at)
            if not state:
                unknown_hours += state is None
                continue
        kept.append((text_order_key(structure_name), text_order_key(name), service_id))
    shown = [service_id for *_names, service_id in heapq.nsmallest(limit, kept)]
    rows = []
    if shown:
        by_id = {service.id: service for service in query.where(Service.id.in_(shown))}
        rows = [by_id[service_id] for service_id in shown]
    _attach_referents(rows)
    return FoundServices(rows, len(kept), unknown_hours)


def _attach_referents(services):
    """Each service's `referents`: its structure's active référent·e·s violences /
    précarité and personnes ressources, by name (one query)."""
    structure_ids = {s.structure_id for s in services}
    by_structure = {}
    if structure_ids:
        query = (Referent.select().where(
            Referent.structure.in_(structure_ids) & (Referent.actif == True)  # noqa: E712
            & Referent.role.in_(REFERENT_ROLES_TO_CALL))
            .order_by(reading_order(Referent.nom), reading_order(Referent.prenom), Referent.id))
        for referent in query:
            by_structure.setdefault(referent.structure_id, []).append(referent)
    for service in services:
        service.referents = by_structure.get(service.structure_id, [])


def structure_services(structure):
    """A structure's services by name, for its page (one query)."""
    return list(Service.select().where(Service.structure == structure.id)
                .order_by(reading_order(Service.nom), Service.id))


def slug_labels(values, labels):
    """['femmes', 'jeunes'] → 'Femmes, Jeunes' (the schema's French labels)."""
    return ", ".join(labels.get(value, value) for value in values or [])


def offers_by_structure(structures):
    """What each structure offers, in words: structure id → the French labels of its own
    thematiques then its services', once each (« Aide alimentaire, Accès aux droits »).
    `structures`: a query of structure ids (or a list of ids). One query."""
    query = (Structure.select(Structure.id, Structure.thematiques, Service.thematiques)
             .join(Service, JOIN.LEFT_OUTER, on=(Service.structure == Structure.id))
             .where(Structure.id.in_(structures)).order_by(Structure.id, Service.id))
    codes = {}
    for structure_id, own, offered in query.tuples().iterator():
        found = codes.setdefault(structure_id, dict.fromkeys(own or ()))
        found.update(dict.fromkeys(offered or ()))
    return {structure_id: ", ".join(dict.fromkeys(THEMATIQUE_LABELS.get(code, code) for code in found))
            for structure_id, found in codes.items()}
