"""Budget scenarios, their cost lines and funding lines."""
import datetime
from decimal import Decimal

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..db import VersionedModel
from ..fields import MoneyField, QuantityField, RateField
from ..formatting import to_cents
from ..validation import Validator, check_non_negative, check_rate

OPERATORS = [("collectivite", "Collectivité"), ("association", "Association")]
ASSOCIATION_OVERHEAD_RATE = Decimal("15")
SCENARIO_STATUSES = [
    ("brouillon", "Brouillon"),
    ("presente", "Présenté en comité"),
    ("valide", "Validé"),
    ("en_vigueur", "En vigueur"),
    ("archive", "Archivé"),
]
# The scenario the network runs on (its "Formations" line is the training budget of
# models/follow_up.py): one at most, also held by a partial unique index (migration 0008).
IN_FORCE = "en_vigueur"
COST_CATEGORIES = [
    "Personnel", "Locaux", "Fonctionnement", "Déplacements", "Formations",
    "Communication", "Matériel pédagogique", "Investissement", "Autre",
]
UNITS = [
    ("ETP", "ETP"), ("demi-journée", "demi-journée"), ("mois", "mois"),
    ("an", "an"), ("forfait", "forfait"),
]
FUNDING_KINDS = [
    ("subvention", "Subvention"), ("mise_a_disposition", "Mise à disposition"),
    ("benevolat", "Bénévolat (valorisé)"),
]
FUNDING_STATUSES = [("piste", "Piste"), ("sollicite", "Sollicité"), ("acquis", "Acquis")]
# Who gives: the kinds of funder a French budget (CERFA 12156, account 74) is read by.
# The funder's name says which one (for the État: the ministry or fund, FIPDR, DRDFE…).
FUNDER_KINDS = [
    ("etat", "État"), ("region", "Région"), ("departement", "Département"),
    ("commune", "Commune / EPCI"), ("caf", "CAF"), ("ue", "Union européenne (FSE+)"),
    ("fondation", "Fondation / privé"), ("autre", "Autre"),
]
# CERFA 12156 accounts a cost line is charged to (class 6), or 21: an investment,
# shown apart from the operating budget.
INVESTMENT_ACCOUNT = "21"
CHARGE_ACCOUNTS = [
    ("60", "60 – Achats"),
    ("61", "61 – Services extérieurs"),
    ("62", "62 – Autres services extérieurs"),
    ("63", "63 – Impôts et taxes"),
    ("64", "64 – Charges de personnel"),
    ("65", "65 – Autres charges de gestion courante"),
    ("66", "66 – Charges financières"),
    ("67", "67 – Charges exceptionnelles"),
    ("68", "68 – Dotations aux amortissements, provisions"),
]
ACCOUNTS = CHARGE_ACCOUNTS + [
    (INVESTMENT_ACCOUNT, "21 – Immobilisations (investissement, hors budget de fonctionnement)"),
]
# The account of a cost line whose own account is empty, by category.
DEFAULT_ACCOUNTS = {
    "Personnel": "64", "Locaux": "61", "Fonctionnement": "60", "Déplacements": "62",
    "Formations": "62", "Communication": "62", "Matériel pédagogique": "60",
    "Investissement": INVESTMENT_ACCOUNT, "Autre": "65",
}
YEAR_MIN, YEAR_MAX = 2000, 2100


def current_year():
    return datetime.date.today().year


class Scenario(VersionedModel):
    name = CharField(verbose_name="Nom", unique=True)
    description = TextField(verbose_name="Description", null=True)
    operator = CharField(verbose_name="Opérateur", choices=OPERATORS, default="collectivite")
    overhead_rate = RateField(
        verbose_name="Frais de gestion (%)", null=True,
        help_text="Vide : 15 % si l'opérateur est une association, 0 % sinon.",
    )
    indexation_rate = RateField(
        verbose_name="Indexation annuelle (%)", null=True,
        help_text="Hausse par an des dépenses récurrentes à partir de l'année 2 (vide : aucune).",
    )
    # Called for each new scenario: the year it is created, not the year the module was loaded.
    start_year = IntegerField(verbose_name="Année de début", default=current_year)
    duration_years = IntegerField(verbose_name="Durée (années)", default=1)
    status = CharField(verbose_name="Statut", choices=SCENARIO_STATUSES, default="brouillon")
    updated_at = DateTimeField(verbose_name="Modifié le", default=datetime.datetime.now)

    class Meta:
        table_name = "scenario"
        verbose_name = "scénario"
        verbose_name_plural = "scénarios"
        label_fields = ("name",)
        owned_backrefs = ("cost_lines", "funding_lines")

    def __str__(self):
        return self.name

    def clean(self):
        v = Validator()
        self.name = (self.name or "").strip()
        v.require("name", self.name)
        v.choice("operator", self.operator, OPERATORS)
        v.choice("status", self.status, SCENARIO_STATUSES)
        if self.status == IN_FORCE:
            other = Scenario.select(Scenario.name).where(
                (Scenario.status == IN_FORCE) & (Scenario.id != (self.id or 0))).first()
            if other is not None:
                v.add("status", (
                    f"« {other.name} » est déjà en vigueur\u00a0: un seul scénario peut l'être. "
                    f"Passez d'abord « {other.name} » à un autre statut (Validé, Archivé…), "
                    "puis enregistrez celui-ci."))
        v.check("overhead_rate", check_rate, self.overhead_rate)
        v.check("indexation_rate", check_rate, self.indexation_rate)
        if self.start_year is None or not 2000 <= self.start_year <= 2100:
            v.add("start_year", "Année de début invalide (exemple : 2026).")
        if self.duration_years is None or not 1 <= self.duration_years <= 10:
            v.add("duration_years", "La durée va de 1 à 10 ans.")
        v.raise_if_any()
        self.updated_at = datetime.datetime.now()


class CostLine(VersionedModel):
    scenario = ForeignKeyField(
        Scenario, verbose_name="Scénario", backref="cost_lines", on_delete="CASCADE",
    )
    category = CharField(
        verbose_name="Catégorie", choices=[(c, c) for c in COST_CATEGORIES],
    )
    designation = CharField(verbose_name="Désignation")
    quantity = QuantityField(verbose_name="Quantité", null=True)
    unit = CharField(verbose_name="Unité", choices=UNITS, null=True)
    unit_cost = MoneyField(verbose_name="Coût unitaire", null=True)
    amount = MoneyField(
        verbose_name="Montant annuel",
        help_text="Calculé (quantité × coût unitaire) quand les deux sont renseignés.",
    )
    is_one_off = BooleanField(verbose_name="Ponctuel (au démarrage)", default=False)
    account = CharField(
        verbose_name="Compte (CERFA)", choices=ACCOUNTS, null=True,
        help_text="Vide : le compte par défaut de la catégorie (Personnel → 64, Locaux → 61…).",
    )
    notes = TextField(verbose_name="Notes", null=True)

    class Meta:
        table_name = "cost_line"
        verbose_name = "ligne budgétaire"
        verbose_name_plural = "lignes budgétaires"

    def __str__(self):
        return self.designation

    def clean(self):
        v = Validator()
        self.designation = (self.designation or "").strip()
        v.require("designation", self.designation)
        if self.scenario_id is None:
            v.add("scenario", "Choisissez le scénario.")
        v.choice("category", self.category, [(c, c) for c in COST_CATEGORIES])
        if self.unit:
            v.choice("unit", self.unit, UNITS)
        self.account = self.account or None
        if self.account is not None:
            v.choice("account", self.account, ACCOUNTS, "Compte inconnu : choisissez 60 à 68, ou 21 (investissement).")
        for field, message in (
            ("quantity", "La quantité ne peut pas être négative."),
            ("unit_cost", "Le coût unitaire ne peut pas être négatif."),
            ("amount", "Le montant ne peut pas être négatif."),
        ):
            v.check(field, lambda value: check_non_negative(value, message), getattr(self, field))
        if self.quantity is not None and self.unit_cost is not None:
            self.amount = to_cents(Decimal(self.quantity) * Decimal(self.unit_cost))
        elif self.amount is None:
            v.add("amount", "Indiquez le montant, ou la quantité et le coût unitaire.")
        v.raise_if_any()


class FundingLine(VersionedModel):
    scenario = ForeignKeyField(
        Scenario, verbose_name="Scénario", backref="funding_lines", on_delete="CASCADE",
    )
    funder_kind = CharField(verbose_name="Type de financeur", choices=FUNDER_KINDS, default="autre")
    funder = CharField(
        verbose_name="Financeur",
        help_text="Son nom ; pour l'État, le ministère ou le fonds (FIPDR, DRDFE…).",
    )
    kind = CharField(verbose_name="Nature", choices=FUNDING_KINDS, default="subvention")
    amount = MoneyField(
        verbose_name="Montant annuel", null=True,
        help_text="Le même chaque année du scénario, sauf les années qui ont leur propre montant.",
    )
    status = CharField(verbose_name="Statut", choices=FUNDING_STATUSES, default="piste")
    notes = TextField(verbose_name="Notes", null=True)

    class Meta:
        table_name = "funding_line"
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"
        owned_backrefs = ("years",)  # its amounts per year go with it

    def __str__(self):
        return self.funder

    def clean(self):
        v = Validator()
        self.funder = (self.funder or "").strip()
        v.require("funder", self.funder)
        if self.scenario_id is None:
            v.add("scenario", "Choisissez le scénario.")
        v.choice("funder_kind", self.funder_kind, FUNDER_KINDS)
        v.choice("kind", self.kind, FUNDING_KINDS)
        v.choice("status", self.status, FUNDING_STATUSES)
        v.check("amount", check_non_negative, self.amount)
        v.raise_if_any()


class FundingYear(VersionedModel):
    """A funding line's amount (and status) for one year, overriding its yearly amount."""

    funding_line = ForeignKeyField(
        FundingLine, verbose_name="Ligne de financement", backref="years", on_delete="CASCADE",
    )
    year = IntegerField(verbose_name="Année")
    amount = MoneyField(verbose_name="Montant")
    status = CharField(
        verbose_name="Statut", choices=FUNDING_STATUSES, null=True,
        help_text="Vide : le statut de la ligne.",
    )

    class Meta:
        table_name = "funding_year"
        verbose_name = "montant annuel"
        verbose_name_plural = "montants par année"
        indexes = ((("funding_line", "year"), True),)

    def __str__(self):
        return f"{self.year}"

    def clean(self):
        v = Validator()
        if self.year is None or not YEAR_MIN <= self.year <= YEAR_MAX:
            v.add("year", "Année invalide (exemple : 2026).")
        v.require("amount", self.amount, "Indiquez le montant de cette année (0 si rien).")
        v.check("amount", check_non_negative, self.amount)
        self.status = self.status or None
        if self.status is not None:
            v.choice("status", self.status, FUNDING_STATUSES)
        if self.year is not None and self.funding_line_id is not None and not v.errors:
            taken = FundingYear.select().where(
                (FundingYear.funding_line == self.funding_line_id) & (FundingYear.year == self.year)
                & (FundingYear.id != (self.id or 0))).exists()
            if taken:
                v.add("year", f"L'année {self.year} a déjà son montant sur cette ligne : modifiez-le.")
        v.raise_if_any()


