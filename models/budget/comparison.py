"""The comparison of 2 to 6 scenarios: categories as rows, scenarios as columns."""
from collections import OrderedDict
from decimal import Decimal

from ..formatting import to_cents
from ..validation import INTEGER_MAX, RECORD_ID_RE, ValidationError
from .figures import totals_for
from .models import COST_CATEGORIES, Scenario

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


