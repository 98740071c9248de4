"""What a scenario adds up to, once in Python (a record's page, the workbooks)
and once in SQL (the grid, sortable), side by side so they cannot drift."""
from collections import OrderedDict
from decimal import Decimal

from peewee import Case, fn

from ..formatting import to_cents
from .models import (
    ASSOCIATION_OVERHEAD_RATE, COST_CATEGORIES, FUNDING_STATUSES, CostLine, FundingLine, Scenario,
)

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
