"""Budget scenarios, their cost lines and funding lines, and what they add up to."""
import datetime
import re
from collections import OrderedDict
from decimal import Decimal

from peewee import (
    BooleanField, Case, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn,
)

from .db import BaseModel
from .fields import MoneyField, QuantityField, RateField
from .formatting import format_number, to_cents
from .validation import (
    INTEGER_MAX, RECORD_ID_RE, ValidationError, Validator, check_non_negative, check_rate,
)

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
    indexation_rate = RateField(
        verbose_name="Indexation annuelle (%)", null=True,
        help_text="Hausse par an des dépenses récurrentes à partir de l'année 2 (vide : aucune).",
    )
    start_year = IntegerField(verbose_name="Année de début", default=datetime.date.today().year)
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
        v.check("indexation_rate", check_rate, self.indexation_rate)
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


ZERO = Decimal("0")


def overhead_amount(base, rate):
    """Running costs an association operator adds: rate % of the budget."""
    return to_cents(Decimal(base) * Decimal(rate) / 100)


def coverage_rate(acquired, cost):
    """Share of the cost the acquired funding covers, in % (None when no cost)."""
    if not cost:
        return None
    return to_cents(Decimal(acquired) * 100 / Decimal(cost))


def indexed_amount(amount, rate, years):
    """`amount` after `years` yearly rises of `rate` %, to the cent."""
    return to_cents(Decimal(amount) * (1 + Decimal(rate) / 100) ** years)


class YearFigures:
    """One year of a scenario's projection."""

    def __init__(self, number, year, cost, overhead_rate):
        self.number = number  # 1 for the first year
        self.year = year
        self.cost = cost
        self.overhead = overhead_amount(cost, overhead_rate)
        self.total_with_overhead = cost + self.overhead


class ScenarioTotals:
    """What a scenario's lines add up to, computed once from loaded lines."""

    def __init__(self, scenario, cost_lines, funding_lines=()):
        self.scenario = scenario
        self.cost_lines = list(cost_lines)
        self.funding_lines = list(funding_lines)
        self.by_category = OrderedDict((c, ZERO) for c in COST_CATEGORIES)
        self.one_off = ZERO
        self.recurring = ZERO
        self.etp = ZERO
        for line in self.cost_lines:
            amount = Decimal(line.amount or 0)
            self.by_category[line.category] += amount
            if line.is_one_off:
                self.one_off += amount
            else:
                self.recurring += amount
            if line.unit == "ETP" and line.quantity is not None:
                self.etp += Decimal(line.quantity)
        self.cash_lines = [f for f in self.funding_lines if f.kind != "mise_a_disposition"]
        self.in_kind_lines = [f for f in self.funding_lines if f.kind == "mise_a_disposition"]

    # --- costs ------------------------------------------------------------
    @property
    def overhead_rate(self):
        return self.scenario.effective_overhead_rate

    @property
    def indexation_rate(self):
        return self.scenario.indexation_rate or ZERO

    @property
    def year_one(self):
        return self.recurring + self.one_off

    @property
    def overhead(self):
        return overhead_amount(self.year_one, self.overhead_rate)

    @property
    def total_with_overhead(self):
        return self.year_one + self.overhead

    @property
    def years(self):
        """Year 1 = recurring + one-off; then recurring, indexed each year."""
        return [
            YearFigures(
                number, self.scenario.start_year + number - 1,
                indexed_amount(self.recurring, self.indexation_rate, number - 1)
                + (self.one_off if number == 1 else ZERO),
                self.overhead_rate,
            )
            for number in range(1, self.scenario.duration_years + 1)
        ]

    @property
    def duration_years(self):
        return self.scenario.duration_years

    @property
    def multi_year_total(self):
        return sum((y.cost for y in self.years), ZERO)

    @property
    def multi_year_total_with_overhead(self):
        return sum((y.total_with_overhead for y in self.years), ZERO)

    # --- funding ----------------------------------------------------------
    def _cash_sum(self, status=None):
        return sum(
            (Decimal(f.amount or 0) for f in self.cash_lines if status in (None, f.status)),
            ZERO,
        )

    @property
    def by_status(self):
        """Cash funding per status (piste, sollicité, acquis), in that order."""
        return OrderedDict((code, self._cash_sum(code)) for code, _ in FUNDING_STATUSES)

    def by_funder(self):
        """Funder → {status: amount, "total": amount}, cash only, in entry order."""
        table = OrderedDict()
        for line in self.cash_lines:
            row = table.setdefault(
                line.funder, OrderedDict([*((c, ZERO) for c, _ in FUNDING_STATUSES), ("total", ZERO)])
            )
            row[line.status] += Decimal(line.amount or 0)
            row["total"] += Decimal(line.amount or 0)
        return table

    @property
    def cash_total(self):
        return self._cash_sum()

    @property
    def acquired(self):
        return self._cash_sum("acquis")

    @property
    def in_kind(self):
        return sum((Decimal(f.amount or 0) for f in self.in_kind_lines), ZERO)

    @property
    def coverage(self):
        return coverage_rate(self.acquired, self.total_with_overhead)

    @property
    def gap(self):
        """What is left to find; negative when the acquired funding exceeds the cost."""
        return self.total_with_overhead - self.acquired

    def warnings(self):
        """What makes the figures of this scenario meaningless, in French."""
        if self.cost_lines:
            return []
        if self.funding_lines:
            return [f"« {self.scenario.name} » n'a que des financements, aucune ligne budgétaire."]
        return [f"« {self.scenario.name} » est vide : aucune ligne budgétaire."]


def lines_of(scenario):
    """A scenario's cost lines and funding lines, in the order they were entered."""
    return (
        list(scenario.cost_lines.order_by(CostLine.id)),
        list(scenario.funding_lines.order_by(FundingLine.id)),
    )


def totals_for(scenario):
    return ScenarioTotals(scenario, *lines_of(scenario))


# --- the comparison of 2 to 6 scenarios -------------------------------------
MIN_COMPARED, MAX_COMPARED = 2, 6
MONEY, QUANTITY, PERCENT, COUNT = "money", "quantity", "percent", "count"
# (attribute of ScenarioTotals, label, kind), below the category rows.
COMPARISON_ROWS = [
    ("recurring", "Dépenses récurrentes (par an)", MONEY),
    ("one_off", "Dépenses ponctuelles (investissement)", MONEY),
    ("year_one", "Total année 1", MONEY),
    ("overhead", "Frais de gestion", MONEY),
    ("total_with_overhead", "Total avec frais de gestion", MONEY),
    ("etp", "ETP", QUANTITY),
    ("acquired", "Financements acquis", MONEY),
    ("coverage", "Taux de couverture", PERCENT),
    ("gap", "Reste à financer", MONEY),
    ("in_kind", "Mises à disposition (valorisées, hors financements)", MONEY),
    ("duration_years", "Durée (années)", COUNT),
    ("multi_year_total", "Total sur la durée", MONEY),
    ("multi_year_total_with_overhead", "Total avec frais sur la durée", MONEY),
]


def difference(first, value):
    """(value − first, the same in % of first or None): what a variant changes."""
    if first is None or value is None:
        return None, None
    change = Decimal(value) - Decimal(first)
    percent = to_cents(change * 100 / Decimal(first)) if first and value is not None else None
    return change, percent


class ComparisonRow:
    def __init__(self, key, label, kind, values, category=None):
        self.key, self.label, self.kind, self.category = key, label, kind, category
        self.values = values
        self.differences = [difference(values[0], v) for v in values[1:]]
        if kind in (PERCENT, COUNT):  # points or years: a % of them means nothing
            self.differences = [(change, None) for change, _ in self.differences]


class ScenarioComparison:
    """Categories as rows, scenarios as columns, differences against the first."""

    def __init__(self, scenarios):
        self.totals = [totals_for(s) for s in scenarios]
        self.scenarios = list(scenarios)
        self.categories = [
            c for c in COST_CATEGORIES if any(t.by_category[c] for t in self.totals)
        ]
        self.category_rows = [
            ComparisonRow(("category", c), c, MONEY, [t.by_category[c] for t in self.totals], c)
            for c in self.categories
        ]
        self.total_rows = [
            ComparisonRow(key, label, kind, [getattr(t, key) for t in self.totals])
            for key, label, kind in COMPARISON_ROWS
        ]

    @property
    def rows(self):
        return self.category_rows + self.total_rows

    def warnings(self):
        return [w for t in self.totals for w in t.warnings()]


def parse_ids(text):
    """'1, 2,3' → [1, 2, 3]; a French ValidationError for anything else."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not all(RECORD_ID_RE.fullmatch(p) for p in parts):
        raise ValidationError({"ids": "Les identifiants de scénarios doivent être des nombres séparés par des virgules (exemple : 1,2)."})
    return list(OrderedDict.fromkeys(int(p) for p in parts))


def scenarios_to_compare(ids):
    """The scenarios named by `ids`, in that order, checked: 2 to 6, all existing."""
    if len(ids) < MIN_COMPARED:
        raise ValidationError({"ids": f"Choisissez au moins {MIN_COMPARED} scénarios à comparer."})
    if len(ids) > MAX_COMPARED:
        raise ValidationError({"ids": f"On compare au plus {MAX_COMPARED} scénarios à la fois ({len(ids)} choisis)."})
    possible = [i for i in ids if i <= INTEGER_MAX]
    found = {s.id: s for s in Scenario.select().where(Scenario.id << possible)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError({"ids": f"Scénario(s) introuvable(s) : n° {', '.join(missing)}."})
    return [found[i] for i in ids]


def compare(text):
    """The comparison asked for by an '1,2' list of ids."""
    return ScenarioComparison(scenarios_to_compare(parse_ids(text)))


# --- copies and variants ------------------------------------------------------
def unique_scenario_name(name):
    """`name`, or `name (2)`, `name (3)`… : the first not taken."""
    candidate, number = name, 1
    while Scenario.select().where(Scenario.name == candidate).exists():
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _copy_fields(row, exclude):
    return {
        f.name: getattr(row, f.name)
        for f in type(row)._meta.sorted_fields
        if not f.primary_key and f.name not in exclude
    }


def _unsaved_copy(scenario, name, cost_lines, funding_lines):
    copy = Scenario(**_copy_fields(scenario, {"name", "status", "updated_at"}), name=name)
    return (
        copy,
        [CostLine(**_copy_fields(line, {"scenario"})) for line in cost_lines],
        [FundingLine(**_copy_fields(line, {"scenario"})) for line in funding_lines],
    )


def _save_copy(copy, cost_lines, funding_lines):
    with Scenario._meta.database.atomic():
        copy.save()
        for line in cost_lines + funding_lines:
            line.scenario = copy
            line.save()
    return copy


def duplicate_scenario(scenario):
    """A draft copy with every line, named "… (copie)"; the original is untouched."""
    name = unique_scenario_name(f"{scenario.name} (copie)")
    return _save_copy(*_unsaved_copy(scenario, name, *lines_of(scenario)))


ETP_IN_TEXT_RE = re.compile(r"\d+(?:[,.]\d+)?\s*ETP")
MIN_SCALE, MAX_SCALE = Decimal("-100"), Decimal("500")
MAX_LINE_ETP = Decimal("1000")


class Adjustments:
    """What a variant changes, stated once: ETP of lines, % per category, operator."""

    def __init__(self, name, line_etp=None, category_percent=None, operator=None):
        self.name = (name or "").strip()
        self.line_etp = dict(line_etp or {})  # cost line id → new quantity of ETP
        self.category_percent = dict(category_percent or {})  # category → % (−10, +5…)
        self.operator = operator or None

    def check(self, scenario):
        v = Validator()
        v.require("name", self.name, "Donnez un nom à la variante.")
        name_limit = Scenario.name.max_length
        if len(self.name) > name_limit:
            v.add("name", f"Le nom ne doit pas dépasser {name_limit} caractères.")
        elif self.name and Scenario.select().where(Scenario.name == self.name).exists():
            v.add("name", f"Un scénario s'appelle déjà « {self.name} ».")
        etp_lines = {line.id for line in scenario.cost_lines if line.unit == "ETP"}
        for line_id, quantity in self.line_etp.items():
            if line_id not in etp_lines:
                v.add("line", "Choisissez une ligne en ETP de ce scénario.")
            elif quantity is None or not 0 <= quantity <= MAX_LINE_ETP:
                v.add("etp", f"Le nombre d'ETP d'une ligne va de 0 à {format_number(MAX_LINE_ETP, 0)}.")
        for category, percent in self.category_percent.items():
            if category not in COST_CATEGORIES:
                v.add("category", "Catégorie inconnue.")
            elif not MIN_SCALE <= percent <= MAX_SCALE:
                v.add("percent", "La variation d'une catégorie va de −100 % à +500 %.")
        if self.operator:
            v.choice("operator", self.operator, OPERATORS, "Opérateur inconnu.")
        if not (self.line_etp or self.category_percent or self.operator):
            v.add("__all__", "Indiquez au moins un changement (ETP, catégorie ou opérateur).")
        v.raise_if_any()

    def describe(self, cost_lines):
        designations = {line.id: line.designation for line in cost_lines}
        parts = [f"{designations[i]} : {format_number(q, 2)} ETP" for i, q in self.line_etp.items()]
        parts += [f"{c} : {format_number(p, 2)} %" for c, p in self.category_percent.items()]
        if self.operator:
            parts.append(f"opérateur : {dict(OPERATORS)[self.operator]}")
        return " ; ".join(parts)


def _set_etp(line, quantity):
    old = line.quantity
    line.quantity = quantity
    if line.unit_cost is not None:
        line.amount = to_cents(quantity * line.unit_cost)
    elif old:
        line.amount = to_cents(Decimal(line.amount) * quantity / old)
    line.designation = ETP_IN_TEXT_RE.sub(f"{format_number(quantity, 2).rstrip('0').rstrip(',')} ETP", line.designation)


def _scale(line, percent):
    factor = 1 + Decimal(percent) / 100
    if line.quantity is not None and line.unit_cost is not None:
        line.unit_cost = to_cents(line.unit_cost * factor)
        line.amount = to_cents(line.quantity * line.unit_cost)
    else:
        line.amount = to_cents(Decimal(line.amount) * factor)


class VariantPreview:
    """The variant, unsaved, with what it changes line by line and in total."""

    def __init__(self, scenario, adjustments):
        adjustments.check(scenario)
        self.original = scenario
        self.adjustments = adjustments
        original_costs, original_funding = lines_of(scenario)
        self.variant, self.cost_lines, self.funding_lines = _unsaved_copy(
            scenario, adjustments.name, original_costs, original_funding,
        )
        if adjustments.operator and adjustments.operator != scenario.operator:
            self.variant.operator = adjustments.operator
            self.variant.overhead_rate = None  # the new operator's own rate
        self.variant.description = (
            f"Variante de « {scenario.name} » — {adjustments.describe(original_costs)}. "
            + (scenario.description or "")
        ).strip()
        self.changes = []  # (before line, after line)
        for before, after in zip(original_costs, self.cost_lines):
            if before.id in adjustments.line_etp:
                _set_etp(after, adjustments.line_etp[before.id])
            if before.category in adjustments.category_percent:
                _scale(after, adjustments.category_percent[before.category])
            if (after.amount, after.quantity, after.designation) != (before.amount, before.quantity, before.designation):
                self.changes.append((before, after))
        self.before = ScenarioTotals(scenario, original_costs, original_funding)
        self.after = ScenarioTotals(self.variant, self.cost_lines, self.funding_lines)
        self.comparison_rows = [
            ComparisonRow(key, label, kind, [getattr(self.before, key), getattr(self.after, key)])
            for key, label, kind in COMPARISON_ROWS
        ]

    def save(self):
        """Write the variant and its lines; the original scenario is never changed."""
        return _save_copy(self.variant, self.cost_lines, self.funding_lines)


# --- the list grid: figures computed by the database --------------------------
def sql_money(value):
    """SQLite sums NUMERIC columns as floats: bring them back to cents."""
    return to_cents(Decimal(str(value or 0)))


def listed_figures(scenario):
    """Year 1, total with overhead and coverage of a row of scenarios_with_figures()."""
    year_one = sql_money(scenario.year_one)
    total = year_one + overhead_amount(year_one, scenario.effective_overhead_rate)
    return year_one, total, coverage_rate(sql_money(scenario.acquired), total)


def _scenario_sum(column, *conditions):
    return fn.COALESCE(
        column.model.select(fn.SUM(column))
        .where(column.model.scenario == Scenario.id, *conditions),
        0,
    )


def _effective_rate_sql():
    return fn.COALESCE(
        Scenario.overhead_rate,
        Case(Scenario.operator, [("association", ASSOCIATION_OVERHEAD_RATE)], 0),
    )


def scenarios_with_figures():
    """Scenarios with year_one, total_with_overhead, etp, acquired and coverage
    computed by the database, so a grid can sort on them in one query."""
    year_one = _scenario_sum(CostLine.amount)
    total = year_one * (100 + _effective_rate_sql()) / 100.0
    acquired = _scenario_sum(
        FundingLine.amount, FundingLine.status == "acquis", FundingLine.kind == "subvention",
    )
    return Scenario.select(
        Scenario,
        year_one.alias("year_one"),
        total.alias("total_with_overhead"),
        _scenario_sum(CostLine.quantity, CostLine.unit == "ETP").alias("etp"),
        acquired.alias("acquired"),
        (acquired * 100.0 / fn.NULLIF(total, 0)).alias("coverage"),
    )
