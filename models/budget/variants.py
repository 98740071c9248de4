"""Copies and variants of a scenario: the original is never changed."""
import re
from decimal import Decimal

from ..formatting import format_number, to_cents
from ..validation import Validator
from .comparison import COMPARISON_ROWS, ComparisonRow
from .figures import ScenarioTotals, lines_of
from .models import COST_CATEGORIES, OPERATORS, CostLine, FundingLine, FundingYear, Scenario

def _fitting_name(stem, suffix):
    """`stem` + `suffix`, the stem shortened (with "…") so the whole fits the name column."""
    room = Scenario.name.max_length - len(suffix)
    return (stem if len(stem) <= room else stem[:room - 1].rstrip() + "…") + suffix


def unique_scenario_name(name, suffix=""):
    """`name` + `suffix`, or `… (2)`, `… (3)`… : the first not taken, shortened to fit."""
    candidate, number = _fitting_name(name, suffix), 1
    while Scenario.select().where(Scenario.name == candidate).exists():
        number += 1
        candidate = _fitting_name(name, f"{suffix} ({number})")
    return candidate


def _copy_fields(row, exclude):
    return {
        f.name: getattr(row, f.name)
        for f in type(row)._meta.sorted_fields
        if not f.primary_key and f.name not in exclude
    }


def _funding_copy(line):
    """An unsaved copy of a funding line with copies of its amounts per year."""
    copy = FundingLine(**_copy_fields(line, {"scenario"}))
    copy.loaded_years = {
        year: FundingYear(**_copy_fields(row, {"funding_line"}))
        for year, row in getattr(line, "loaded_years", {}).items()
    }
    return copy


def _unsaved_copy(scenario, name, cost_lines, funding_lines):
    copy = Scenario(**_copy_fields(scenario, {"name", "status", "updated_at"}), name=name)
    return (
        copy,
        [CostLine(**_copy_fields(line, {"scenario"})) for line in cost_lines],
        [_funding_copy(line) for line in funding_lines],
    )


def _save_copy(copy, cost_lines, funding_lines):
    with Scenario._meta.database.atomic():
        copy.save()
        for line in cost_lines + funding_lines:
            line.scenario = copy
            line.save()
        for line in funding_lines:
            for row in line.loaded_years.values():
                row.funding_line = line
                row.save()
    return copy


def duplicate_scenario(scenario):
    """A draft copy with every line, named "… (copie)"; the original is untouched."""
    name = unique_scenario_name(scenario.name, " (copie)")
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


