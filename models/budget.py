"""Budget scenarios, their cost lines and funding lines, and what they add up to."""
import datetime
from collections import OrderedDict
from decimal import Decimal

from peewee import (
    BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn,
)

from .db import BaseModel
from .fields import MoneyField, QuantityField, RateField
from .formatting import to_cents
from .validation import Validator, check_non_negative, check_rate

OPERATORS = [("collectivite", "Collectivité"), ("association", "Association")]
ASSOCIATION_OVERHEAD_RATE = Decimal("15")
SCENARIO_STATUSES = [
    ("brouillon", "Brouillon"),
    ("presente", "Présenté en comité"),
    ("valide", "Validé"),
    ("archive", "Archivé"),
]
COST_CATEGORIES = [
    "Personnel", "Locaux", "Fonctionnement", "Déplacements", "Formations",
    "Communication", "Matériel pédagogique", "Investissement", "Autre",
]
UNITS = [
    ("ETP", "ETP"), ("demi-journée", "demi-journée"), ("mois", "mois"),
    ("an", "an"), ("forfait", "forfait"),
]
FUNDING_KINDS = [("subvention", "Subvention"), ("mise_a_disposition", "Mise à disposition")]
FUNDING_STATUSES = [("piste", "Piste"), ("sollicite", "Sollicité"), ("acquis", "Acquis")]


class Scenario(BaseModel):
    name = CharField(verbose_name="Nom", unique=True)
    description = TextField(verbose_name="Description", null=True)
    operator = CharField(verbose_name="Opérateur", choices=OPERATORS, default="collectivite")
    overhead_rate = RateField(
        verbose_name="Frais de gestion (%)", null=True,
        help_text="Vide : 15 % si l'opérateur est une association, 0 % sinon.",
    )
    start_year = IntegerField(verbose_name="Année de début", default=datetime.date.today().year)
    duration_years = IntegerField(verbose_name="Durée (années)", default=1)
    status = CharField(verbose_name="Statut", choices=SCENARIO_STATUSES, default="brouillon")
    updated_at = DateTimeField(verbose_name="Modifié le", default=datetime.datetime.now)

    class Meta:
        table_name = "scenario"
        verbose_name = "scénario"
        verbose_name_plural = "scénarios"
        owned_backrefs = ("cost_lines", "funding_lines")

    def __str__(self):
        return self.name

    @property
    def effective_overhead_rate(self):
        if self.overhead_rate is not None:
            return self.overhead_rate
        return ASSOCIATION_OVERHEAD_RATE if self.operator == "association" else Decimal("0")

    def clean(self):
        v = Validator()
        self.name = (self.name or "").strip()
        v.require("name", self.name)
        v.choice("operator", self.operator, OPERATORS)
        v.choice("status", self.status, SCENARIO_STATUSES)
        v.check("overhead_rate", check_rate, self.overhead_rate)
        if self.start_year is None or not 2000 <= self.start_year <= 2100:
            v.add("start_year", "Année de début invalide (exemple : 2026).")
        if self.duration_years is None or not 1 <= self.duration_years <= 10:
            v.add("duration_years", "La durée va de 1 à 10 ans.")
        v.raise_if_any()
        self.updated_at = datetime.datetime.now()


class CostLine(BaseModel):
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
        for field in ("quantity", "unit_cost", "amount"):
            v.check(field, check_non_negative, getattr(self, field))
        if self.quantity is not None and self.unit_cost is not None:
            self.amount = to_cents(Decimal(self.quantity) * Decimal(self.unit_cost))
        elif self.amount is None:
            v.add("amount", "Indiquez le montant, ou la quantité et le coût unitaire.")
        v.raise_if_any()


class FundingLine(BaseModel):
    scenario = ForeignKeyField(
        Scenario, verbose_name="Scénario", backref="funding_lines", on_delete="CASCADE",
    )
    funder = CharField(verbose_name="Financeur")
    kind = CharField(verbose_name="Nature", choices=FUNDING_KINDS, default="subvention")
    amount = MoneyField(verbose_name="Montant annuel", null=True)
    status = CharField(verbose_name="Statut", choices=FUNDING_STATUSES, default="piste")
    notes = TextField(verbose_name="Notes", null=True)

    class Meta:
        table_name = "funding_line"
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"

    def __str__(self):
        return self.funder

    def clean(self):
        v = Validator()
        self.funder = (self.funder or "").strip()
        v.require("funder", self.funder)
        if self.scenario_id is None:
            v.add("scenario", "Choisissez le scénario.")
        v.choice("kind", self.kind, FUNDING_KINDS)
        v.choice("status", self.status, FUNDING_STATUSES)
        v.check("amount", check_non_negative, self.amount)
        v.raise_if_any()


class ScenarioTotals:
    """What a scenario's lines add up to, computed once from loaded lines."""

    def __init__(self, scenario, cost_lines, funding_lines=()):
        self.scenario = scenario
        self.by_category = OrderedDict((c, Decimal("0")) for c in COST_CATEGORIES)
        self.one_off = Decimal("0")
        self.recurring = Decimal("0")
        self.etp = Decimal("0")
        for line in cost_lines:
            amount = Decimal(line.amount or 0)
            self.by_category[line.category] += amount
            if line.is_one_off:
                self.one_off += amount
            else:
                self.recurring += amount
            if line.unit == "ETP" and line.quantity is not None:
                self.etp += Decimal(line.quantity)
        self.funding_lines = list(funding_lines)

    @property
    def year_one(self):
        return self.recurring + self.one_off

    @property
    def overhead(self):
        return overhead_amount(self.year_one, self.scenario.effective_overhead_rate)

    @property
    def total_with_overhead(self):
        return self.year_one + self.overhead

    def categories_used(self):
        return OrderedDict((c, a) for c, a in self.by_category.items() if a)


def totals_for(scenario):
    return ScenarioTotals(scenario, scenario.cost_lines, scenario.funding_lines)


def overhead_amount(base, rate):
    """Running costs an association operator adds: rate % of the budget."""
    return to_cents(Decimal(base) * Decimal(rate) / 100)


def sql_money(value):
    """SQLite sums NUMERIC columns as floats: bring them back to cents."""
    return to_cents(Decimal(str(value or 0)))


def _scenario_sum(column, *conditions):
    return (
        column.model.select(fn.COALESCE(fn.SUM(column), 0))
        .where(column.model.scenario == Scenario.id, *conditions)
    )


def scenarios_with_figures():
    """Scenarios with year_one, etp and acquired computed by the database,
    so a grid can sort on them and stays one query whatever its size."""
    return Scenario.select(
        Scenario,
        _scenario_sum(CostLine.amount).alias("year_one"),
        _scenario_sum(CostLine.quantity, CostLine.unit == "ETP").alias("etp"),
        _scenario_sum(
            FundingLine.amount, FundingLine.status == "acquis",
            FundingLine.kind == "subvention",
        ).alias("acquired"),
    )
