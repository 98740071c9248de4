"""The partner directory: territories, structures and their référent·e·s."""
import datetime

from data_inclusion.schema import v1 as data_inclusion
from peewee import (
    BooleanField, CharField, DateField, DeferredForeignKey, ForeignKeyField,
    IntegerField, TextField,
)

from .db import VersionedModel, text_order_key
from .fields import PhoneField, SlugListField
from .opening_hours import parse_opening_hours
from .search import SearchTextField
from .validation import (
    Validator, clean_departement, clean_email, clean_insee_code, clean_phone,
    clean_postal_code, clean_siret, clean_url,
)

TERRITORY_KINDS = [
    ("bassin_de_vie", "Bassin de vie"),
    ("reseau", "Réseau (RVC)"),
    ("agglomeration", "Agglomération"),
    ("departement", "Département"),
    ("autre", "Autre"),
]
AREA_TYPES = [("urbain", "Urbain"), ("rural", "Rural"), ("mixte", "Mixte")]

# DORA / data·inclusion v0 typology codes, plus local ones the network needs.
TYPOLOGIES = [
    ("CCAS", "Centre communal d'action sociale (CCAS)"),
    ("CIAS", "Centre intercommunal d'action sociale (CIAS)"),
    ("MUNI", "Mairie / commune"),
    ("EPCI", "Intercommunalité (EPCI)"),
    ("CD", "Conseil départemental"),
    ("MDS", "Maison départementale des solidarités"),
    ("CMS", "Centre médico-social"),
    ("CS", "Centre social"),
    ("CAF", "Caisse d'allocations familiales"),
    ("CPAM", "Caisse primaire d'assurance maladie"),
    ("FT", "France Travail"),
    ("ML", "Mission locale"),
    ("ASSO", "Association"),
    ("CIDFF", "Centre d'information sur les droits des femmes et des familles"),
    ("CHRS", "Centre d'hébergement et de réinsertion sociale"),
    ("PAD", "Point d'accès au droit"),
    ("ETAT", "Service de l'État"),
    ("HOSP", "Hôpital"),
    ("FRANCE_VICTIMES", "Association France Victimes"),
    ("GENDARMERIE", "Gendarmerie"),
    ("POLICE", "Police nationale"),
    ("JUSTICE", "Justice (tribunal, parquet)"),
    ("AUTRE", "Autre"),
]
TYPOLOGY_LABELS = dict(TYPOLOGIES)

THEMATIQUES = [(t.value, t.label) for t in data_inclusion.Thematique]
PUBLICS = [(p.value, p.label) for p in data_inclusion.Public]
RESEAUX_PORTEURS = [(r.value, r.label) for r in data_inclusion.ReseauPorteur]

CIVILITES = [("Mme", "Mme"), ("M.", "M."), ("", "Non précisé")]
REFERENT_ROLES = [
    ("violences", "Référent·e violences"),
    ("precarite", "Référent·e précarité"),
    ("violences_precarite", "Référent·e violences et précarité"),
    ("personne_ressource", "Personne ressource / relai du bassin de vie"),
    ("coordination", "Coordination"),
]
REVIEW_AFTER_DAYS = 365
STRUCTURE_NAME_LENGTH = (3, 150)
DESCRIPTION_MIN_LENGTH = 5


def needs_review(date_maj, today=None):
    """A record is 'à vérifier' when it was last checked over 12 months ago."""
    today = today or datetime.date.today()
    return date_maj is None or (today - date_maj).days > REVIEW_AFTER_DAYS


class Checked:
    """Mixed into records with a `date_maj`: `record.needs_review`, the rule above."""

    @property
    def needs_review(self):
        return needs_review(self.date_maj)


def needs_review_condition(date_field):
    """The same rule as an SQL condition, for filters and counts."""
    limit = datetime.date.today() - datetime.timedelta(days=REVIEW_AFTER_DAYS)
    return date_field.is_null() | (date_field < limit)


class Territory(VersionedModel):
    name = CharField(verbose_name="Nom", unique=True)
    kind = CharField(verbose_name="Type", choices=TERRITORY_KINDS, default="bassin_de_vie")
    departement = CharField(verbose_name="Département", max_length=3, null=True)
    area_type = CharField(verbose_name="Urbain / rural", choices=AREA_TYPES, null=True)
    parent = ForeignKeyField(
        "self", verbose_name="Territoire parent", null=True, backref="children",
        on_delete="SET NULL",
        help_text="Le territoire qui le contient (un réseau dans son département, "
                  "un bassin de vie dans son réseau…).",
    )
    resource_person = DeferredForeignKey(
        "Referent", verbose_name="Personne ressource", null=True, on_delete="SET NULL",
        backref="relayed_territories",
    )
    notes = TextField(verbose_name="Notes", null=True)

    class Meta:
        table_name = "territory"
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        label_fields = ("name",)
        owned_backrefs = ("targets",)  # models/meetings.py: its yearly targets go with it

    def __str__(self):
        return self.name

    def clean(self):
        v = Validator()
        self.name = (self.name or "").strip()
        v.require("name", self.name)
        v.choice("kind", self.kind, TERRITORY_KINDS, "Type de territoire inconnu.")
        if self.area_type:
            v.choice("area_type", self.area_type, AREA_TYPES, "Valeur inconnue.")
        if self.departement:
            self.departement = v.check("departement", clean_departement, self.departement)
        if self.parent_id is not None and self.id is not None and self.parent_id in subtree_ids(self.id):
            v.add("parent", "Un territoire ne peut pas être contenu dans lui-même "
                            "ni dans l'un de ses sous-territoires.")
        v.raise_if_any()

    def ancestors(self):
        """The territories that contain this one, nearest first (one query)."""
        parents = dict(Territory.select(Territory.id, Territory.parent).tuples())
        found, current = [], parents.get(self.id)
        while current is not None and current not in found and current != self.id:
            found.append(current)
            current = parents.get(current)
        records = {t.id: t for t in Territory.select().where(Territory.id << found)} if found else {}
        return [records[territory_id] for territory_id in found]


def tree_order(territories):
    """[(territory, depth)]: each territory followed by its sub-territories, depth
    first, siblings in reading order. A parent missing from the list, or a cycle
    left in the table by hand, makes a territory a top-level one."""
    by_id = {t.id: t for t in territories}
    children = {}
    for t in territories:
        children.setdefault(t.parent_id if t.parent_id in by_id else None, []).append(t)
    ordered, placed = [], set()

    def visit(territory, depth):
        placed.add(territory.id)
        ordered.append((territory, depth))
        for child in sorted(children.get(territory.id, ()), key=lambda t: text_order_key(t.name)):
            if child.id not in placed:
                visit(child, depth + 1)

    for root in sorted(children.get(None, ()), key=lambda t: text_order_key(t.name)):
        visit(root, 0)
    for territory in sorted(territories, key=lambda t: text_order_key(t.name)):
        if territory.id not in placed:  # in a cycle: shown at the top
            visit(territory, 0)
    return ordered


# --- "in this territory" means in it or in one of its sub-territories --------
# Python and SQL forms side by side; tests/unit/test_territory_nesting.py checks they agree.
def subtree_ids(territory):
    """The ids of `territory` (a record or an id) and of every territory inside it,
    at any depth (one query). A cycle left by hand in the table cannot loop."""
    root = getattr(territory, "id", territory)
    children = {}
    for territory_id, parent_id in Territory.select(Territory.id, Territory.parent).tuples():
        children.setdefault(parent_id, []).append(territory_id)
    found, pending = set(), [root]
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(children.get(current, ()))
    return found


def subtree_query(territory):
    """SQL twin of subtree_ids: a subquery of those ids (WITH RECURSIVE)."""
    root = getattr(territory, "id", territory)
    base = Territory.select(Territory.id).where(Territory.id == root)
    tree = base.cte("territory_subtree", recursive=True, columns=("id",))
    child = Territory.alias()
    # UNION (not UNION ALL) stops at a row already found: a cycle ends.
    tree = tree.union(child.select(child.id).join(tree, on=(child.parent == tree.c.id)))
    return tree.select_from(tree.c.id)


def within_territory(field, territory):
    """SQL condition: `field` (a territory foreign key) is `territory` or inside it."""
    return field.in_(subtree_query(territory))


class Structure(Checked, VersionedModel):
    """A partner structure, named after data·inclusion v1 fields."""

    nom = CharField(verbose_name="Nom")
    typologie = CharField(verbose_name="Typologie", choices=TYPOLOGIES)
    siret = CharField(verbose_name="SIRET", max_length=14, unique=True, null=True)
    adresse = CharField(verbose_name="Adresse", null=True)
    complement_adresse = CharField(verbose_name="Complément d'adresse", null=True)
    code_postal = CharField(verbose_name="Code postal", max_length=5, null=True)
    code_insee = CharField(verbose_name="Code INSEE", max_length=5, null=True)
    commune = CharField(verbose_name="Commune", null=True)
    telephone = PhoneField(verbose_name="Téléphone", null=True)
    courriel = CharField(verbose_name="Courriel", null=True)
    site_web = CharField(verbose_name="Site web", null=True)
    horaires_accueil = CharField(
        verbose_name="Horaires d'accueil", null=True,
        help_text="En français (du lundi au vendredi 9 h-12 h et 14 h-17 h ; fermé les jours fériés) "
                  "ou au format OpenStreetMap (Mo-Fr 09:00-12:00,14:00-17:00; PH off), enregistré en OpenStreetMap",
    )
    accueille_du_public = BooleanField(verbose_name="Accueille du public", default=True)
    territory = ForeignKeyField(
        Territory, verbose_name="Territoire", null=True, backref="structures",
        on_delete="SET NULL",
    )
    parent = ForeignKeyField(
        "self", verbose_name="Structure mère (antenne de)", null=True, backref="antennes",
        on_delete="SET NULL",
    )
    thematiques = SlugListField(verbose_name="Thématiques", null=True, choices=THEMATIQUES)
    publics = SlugListField(verbose_name="Publics", null=True, choices=PUBLICS)
    reseaux_porteurs = SlugListField(
        verbose_name="Réseaux porteurs", null=True, choices=RESEAUX_PORTEURS,
    )
    places = IntegerField(verbose_name="Places (lieu de vie)", null=True)
    actif = BooleanField(verbose_name="Active", default=True)
    date_maj = DateField(verbose_name="Mise à jour le", default=datetime.date.today)
    description = TextField(verbose_name="Description", null=True)
    notes = TextField(verbose_name="Notes", null=True)
    search_text = SearchTextField()

    class Meta:
        table_name = "structure"
        verbose_name = "structure"
        verbose_name_plural = "structures"
        label_fields = ("nom", "commune")
        search_fields = ("nom", "commune", "siret", "courriel", "code_postal", "telephone")
        owned_backrefs = ("meeting_links",  # models/meetings.py: "represented at" links
                          "services", "data_inclusion_links")  # models/services.py: its services go with it

    def __str__(self):
        return f"{self.nom} ({self.commune})" if self.commune else self.nom

    def clean(self):
        v = Validator()
        self.nom = (self.nom or "").strip()
        v.require("nom", self.nom)
        # data·inclusion v1's limits, so the shared directory always validates.
        if self.nom and not STRUCTURE_NAME_LENGTH[0] <= len(self.nom) <= STRUCTURE_NAME_LENGTH[1]:
            v.add("nom", "Le nom compte de {} à {} caractères.".format(*STRUCTURE_NAME_LENGTH))
        self.description = (self.description or "").strip() or None
        if self.description and len(self.description) < DESCRIPTION_MIN_LENGTH:
            v.add("description", f"Au moins {DESCRIPTION_MIN_LENGTH} caractères, ou rien.")
        v.choice("typologie", self.typologie, TYPOLOGIES, "Typologie inconnue.")
        for field, cleaner in (
            ("siret", clean_siret), ("code_postal", clean_postal_code),
            ("code_insee", clean_insee_code), ("telephone", clean_phone),
            ("courriel", clean_email), ("site_web", clean_url),
            ("horaires_accueil", parse_opening_hours),  # French or OpenStreetMap → OpenStreetMap
        ):
            value = getattr(self, field)
            if isinstance(value, str):
                value = value.strip()
            setattr(self, field, v.check(field, cleaner, value) if value else None)
        if self.places is not None and self.places < 0:
            v.add("places", "Le nombre de places ne peut pas être négatif.")
        if self.parent_id is not None and self.parent_id == self.id:
            v.add("parent", "Une structure ne peut pas être sa propre antenne.")
        for field in ("thematiques", "publics", "reseaux_porteurs"):
            v.slugs(field, getattr(self, field), self._meta.fields[field].choices)
        v.raise_if_any()


class Referent(Checked, VersionedModel):
    """A named professional in a structure. Professional contacts only."""

    civilite = CharField(verbose_name="Civilité", choices=CIVILITES, default="", null=True)
    prenom = CharField(verbose_name="Prénom")
    nom = CharField(verbose_name="Nom")
    fonction = CharField(verbose_name="Fonction", null=True)
    structure = ForeignKeyField(
        Structure, verbose_name="Structure", backref="referents", on_delete="RESTRICT",
    )
    role = CharField(verbose_name="Rôle", choices=REFERENT_ROLES, default="violences_precarite")
    courriel = CharField(verbose_name="Courriel professionnel", null=True)
    telephone = PhoneField(verbose_name="Téléphone professionnel", null=True)
    date_designation = DateField(verbose_name="Désigné·e le", null=True)
    actif = BooleanField(verbose_name="Actif·ve", default=True)
    date_maj = DateField(verbose_name="Mise à jour le", default=datetime.date.today)
    notes = TextField(verbose_name="Notes", null=True)
    search_text = SearchTextField()

    class Meta:
        table_name = "referent"
        verbose_name = "référent·e"
        verbose_name_plural = "référent·e·s"
        label_fields = ("prenom", "nom")
        search_fields = ("prenom", "nom", "fonction", "courriel", "telephone")

    def __str__(self):
        return f"{self.prenom} {self.nom}"

    def clean(self):
        v = Validator()
        self.prenom = (self.prenom or "").strip()
        self.nom = (self.nom or "").strip()
        v.require("prenom", self.prenom)
        v.require("nom", self.nom)
        if self.structure_id is None:
            v.add("structure", "Choisissez la structure du ou de la référent·e.")
        v.choice("role", self.role, REFERENT_ROLES, "Rôle inconnu.")
        for field, cleaner in (("courriel", clean_email), ("telephone", clean_phone)):
            value = getattr(self, field)
            setattr(self, field, v.check(field, cleaner, value) if value else None)
        v.raise_if_any()

