"""What a scenario adds up to, once in Python (a record's page, the workbooks)
and once in SQL (the grid, sortable), side by side so they cannot drift.

Each rule is written twice, one under the other: the Python form works on
Decimals, its SQL twin on whole numbers of cents (hundredths of a percent for
rates, thousandths for ETP). Integers keep the SQL exact on both engines:
SQLite has no decimal type (it sums NUMERIC columns as floats) and PostgreSQL's
integer division truncates like SQLite's. Every rounding is to the cent, half
up (0.005 → 0.01), in both forms; tests/unit/test_figures_sql.py generates
scenarios and checks that the two agree to the cent.
"""
from collections import OrderedDict, namedtuple
from decimal import Decimal

from peewee import JOIN, Case, fn

from ..formatting import to_cents
from .models import (
    ASSOCIATION_OVERHEAD_RATE, COST_CATEGORIES, FUNDER_KINDS, FUNDING_STATUSES, CostLine, FundingLine,
    FundingYear, Scenario,
)

ZERO = Decimal("0")
# Cash funding: the only kinds counted as financing (acquired, coverage, gap).
# Every other kind (a mise à disposition) is valued apart, in kind.
CASH_KINDS = ("subvention",)
# The overhead rate of a scenario whose own rate is empty, by operator (else 0 %).
DEFAULT_OVERHEAD_RATES = {"association": ASSOCIATION_OVERHEAD_RATE}

# Fixed-point units of the SQL figures: decimal places of each kind of value.
MONEY_PLACES, RATE_PLACES, QUANTITY_PLACES = 2, 2, 3


def _int(expression):
    """An SQL expression typed as a whole number on both engines."""
    return expression.cast("BIGINT")


def _units(expression, places):
    """A decimal SQL value as a whole number of 10^-places (12.34 € → 1234 cents)."""
    return _int(fn.ROUND(expression * 10 ** places))


def _half_up_sql(numerator, denominator):
    """round(numerator / denominator), half up, for whole numbers ≥ 0 (None when
    the denominator is 0): floor((2n + d) / 2d), integer division on both engines."""
    return (2 * numerator + denominator) / fn.NULLIF(2 * denominator, 0)


# --- which funding is cash ---------------------------------------------------
def is_cash(kind):
    return kind in CASH_KINDS


def is_cash_sql():
    return FundingLine.kind.in_(CASH_KINDS)


# --- a funding line's amount and status in a year ------------------------------
# A line's own amount is yearly: the same each year of the scenario (as before
# amounts per year existed), except the years that have their own FundingYear row.
def years_of(line):
    """Year → FundingYear of a line, as loaded by lines_of() (none for an unsaved line)."""
    return getattr(line, "loaded_years", None) or {}


def funding_amount(line, year):
    own = years_of(line).get(year)
    return Decimal(own.amount if own is not None else (line.amount or 0))


def funding_status(line, year):
    own = years_of(line).get(year)
    return (own.status if own is not None else None) or line.status


def funding_amount_sql(year_row):
    """Whole cents of a line in the year joined as `year_row` (a FundingYear alias)."""
    return _units(fn.COALESCE(year_row.amount, FundingLine.amount, 0), MONEY_PLACES)


def funding_status_sql(year_row):
    return fn.COALESCE(year_row.status, FundingLine.status)


# --- the effective overhead rate ---------------------------------------------
def effective_overhead_rate(scenario):
    """The scenario's own rate, or its operator's default (15 % for an association)."""
    if scenario.overhead_rate is not None:
        return scenario.overhead_rate
    return DEFAULT_OVERHEAD_RATES.get(scenario.operator, ZERO)


def effective_overhead_rate_sql():
    """Hundredths of a percent (15 % → 1500)."""
    return _units(fn.COALESCE(
        Scenario.overhead_rate, Case(Scenario.operator, list(DEFAULT_OVERHEAD_RATES.items()), 0),
    ), RATE_PLACES)


# --- overhead: rate % of the budget ------------------------------------------
def overhead_amount(base, rate):
    """Running costs an association operator adds: rate % of the budget."""
    return to_cents(Decimal(base) * Decimal(rate) / 100)


def overhead_amount_sql(base_cents, rate_hundredths):
    # base € × rate % = base_cents × rate_hundredths / 10 000 cents
    return _half_up_sql(base_cents * rate_hundredths, 10000)


# --- coverage: acquired cash funding in % of the cost -------------------------
def coverage_rate(acquired, cost):
    """Share of the cost the acquired funding covers, in % (None when no cost)."""
    if not cost:
        return None
    return to_cents(Decimal(acquired) * 100 / Decimal(cost))


def coverage_rate_sql(acquired_cents, cost_cents):
    """Hundredths of a percent; NULL when the cost is 0."""
    return _half_up_sql(acquired_cents * 10000, cost_cents)


# --- the multi-year projection -----------------------------------------------
def indexed_amount(amount, rate, years):
    """`amount` after `years` yearly rises of `rate` %, to the cent.

    No SQL twin: recurring × (1 + rate/100)^years is exact with Decimals, but
    not in SQL on SQLite, which has no decimal type (floats miss half cents)
    and whose 64-bit integers overflow (10 000 + rate)^years beyond two years.
    The SQL projection below covers the scenarios without indexation only.
    """
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
        self.cash_lines = [f for f in self.funding_lines if is_cash(f.kind)]
        self.in_kind_lines = [f for f in self.funding_lines if not is_cash(f.kind)]
        self.first_year = scenario.start_year

    # --- costs ------------------------------------------------------------
    @property
    def overhead_rate(self):
        return effective_overhead_rate(self.scenario)

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

    # --- funding (the figures without a year: the first year's) -------------
    def _cash_sum(self, status=None, year=None):
        year = year or self.first_year
        return sum(
            (funding_amount(f, year) for f in self.cash_lines
             if status in (None, funding_status(f, year))),
            ZERO,
        )

    def by_status_in(self, year):
        """Cash funding of `year` per status (piste, sollicité, acquis), in that order."""
        return OrderedDict((code, self._cash_sum(code, year)) for code, _ in FUNDING_STATUSES)

    @property
    def by_status(self):
        return self.by_status_in(self.first_year)

    def _table(self, key, year=None):
        """key(line) → {status: amount, "total": amount}, cash only, in entry order."""
        year = year or self.first_year
        table = OrderedDict()
        for line in self.cash_lines:
            row = table.setdefault(
                key(line), OrderedDict([*((c, ZERO) for c, _ in FUNDING_STATUSES), ("total", ZERO)])
            )
            amount = funding_amount(line, year)
            row[funding_status(line, year)] += amount
            row["total"] += amount
        return table

    def by_funder(self, year=None):
        """Funder → {status: amount, "total": amount}, cash only, in entry order."""
        return self._table(lambda line: line.funder, year)

    def by_funder_kind(self, year=None):
        """Kind of funder (état, région…) → {status: amount, "total": amount}, cash only,
        every kind in FUNDER_KINDS' order (zero when none)."""
        found = self._table(lambda line: line.funder_kind, year)
        empty = OrderedDict([*((c, ZERO) for c, _ in FUNDING_STATUSES), ("total", ZERO)])
        return OrderedDict((code, found.get(code, empty)) for code, _ in FUNDER_KINDS)

    @property
    def cash_total(self):
        return self._cash_sum()

    @property
    def acquired(self):
        return self._cash_sum("acquis")

    def in_kind_in(self, year):
        return sum((funding_amount(f, year) for f in self.in_kind_lines), ZERO)

    @property
    def in_kind(self):
        return self.in_kind_in(self.first_year)

    @property
    def funding_years(self):
        """The funding plan: costs, funding and gap for each year of the scenario."""
        return [FundingPlanYear(self, figures) for figures in self.years]

    @property
    def multi_year_acquired(self):
        return sum((y.acquired for y in self.funding_years), ZERO)

    @property
    def multi_year_gap(self):
        return self.multi_year_total_with_overhead - self.multi_year_acquired

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


class FundingPlanYear:
    """One year of the funding plan: its cost (YearFigures), each cash line's amount
    and status that year, the totals per status and per kind of funder, and the gap."""

    def __init__(self, totals, figures):
        self.figures = figures
        self.year = figures.year
        self.number = figures.number
        self.cost = figures.total_with_overhead
        self.lines = [
            (line, funding_amount(line, self.year), funding_status(line, self.year))
            for line in totals.cash_lines
        ]
        self.by_status = totals.by_status_in(self.year)
        self.by_funder_kind = totals.by_funder_kind(self.year)
        self.cash_total = sum(self.by_status.values(), ZERO)
        self.acquired = self.by_status["acquis"]
        self.in_kind = totals.in_kind_in(self.year)
        self.gap = self.cost - self.acquired  # negative: more acquired than the cost
        self.coverage = coverage_rate(self.acquired, self.cost)


def lines_of(scenario):
    """A scenario's cost lines and funding lines, in the order they were entered;
    each funding line carries its amounts per year (`loaded_years`, one query)."""
    funding_lines = list(scenario.funding_lines.order_by(FundingLine.id))
    by_line = {line.id: {} for line in funding_lines}
    if funding_lines:
        for row in FundingYear.select().where(FundingYear.funding_line.in_(list(by_line))):
            by_line[row.funding_line_id][row.year] = row
    for line in funding_lines:
        line.loaded_years = by_line[line.id]
    return list(scenario.cost_lines.order_by(CostLine.id)), funding_lines


def totals_for(scenario):
    return ScenarioTotals(scenario, *lines_of(scenario))


# --- the same figures computed by the database (the list grid) ----------------
SqlFigure = namedtuple("SqlFigure", "name alias places")
SqlFigure.__doc__ = (
    "A figure of scenarios_with_figures(): the ScenarioTotals attribute it twins, "
    "its SQL alias, and the decimal places of its whole-number SQL value."
)
SQL_FIGURES = OrderedDict((figure.name, figure) for figure in (
    SqlFigure("recurring", "recurring", MONEY_PLACES),
    SqlFigure("one_off", "one_off", MONEY_PLACES),
    SqlFigure("year_one", "year_one", MONEY_PLACES),
    # "overhead_rate" is the scenario's own (possibly empty) column
    SqlFigure("overhead_rate", "effective_overhead_rate", RATE_PLACES),
    SqlFigure("overhead", "overhead", MONEY_PLACES),
    SqlFigure("total_with_overhead", "total_with_overhead", MONEY_PLACES),
    SqlFigure("etp", "etp", QUANTITY_PLACES),
    SqlFigure("cash_total", "cash_total", MONEY_PLACES),
    SqlFigure("acquired", "acquired", MONEY_PLACES),
    SqlFigure("in_kind", "in_kind", MONEY_PLACES),
    SqlFigure("coverage", "coverage", RATE_PLACES),
    SqlFigure("gap", "gap", MONEY_PLACES),
    # NULL when the scenario is indexed (see indexed_amount)
    SqlFigure("multi_year_total", "multi_year_total", MONEY_PLACES),
    SqlFigure("multi_year_total_with_overhead", "multi_year_total_with_overhead", MONEY_PLACES),
))


def _sums_by_scenario(model, name, sums, joined=lambda query: query):
    """One row per scenario with lines: name → SUM(whole-number expression)."""
    return joined(model.select(
        model.scenario.alias("scenario_id"),
        *(fn.SUM(expression).alias(alias) for alias, expression in sums.items()),
    )).group_by(model.scenario).alias(name)


def _with_first_year(query, year_row):
    """Join each funding line's row of its scenario's first year (if any) as `year_row`."""
    line_scenario = Scenario.alias("line_scenario")
    return (
        query.join(line_scenario, on=(FundingLine.scenario == line_scenario.id))
        .join(year_row, JOIN.LEFT_OUTER, on=(
            (year_row.funding_line == FundingLine.id) & (year_row.year == line_scenario.start_year)))
    )


def _only(condition, expression):
    return Case(None, [(condition, expression)], 0)


def _sql_figures():
    """(the joined sums by scenario, figure name → SQL expression)."""
    amount, quantity = _units(CostLine.amount, MONEY_PLACES), _units(CostLine.quantity, QUANTITY_PLACES)
    first_year = FundingYear.alias("first_year")
    funding = funding_amount_sql(first_year)
    acquired = funding_status_sql(first_year) == "acquis"
    costs = _sums_by_scenario(CostLine, "costs", {
        "recurring": _only(CostLine.is_one_off == False, amount),  # noqa: E712 (SQL)
        "one_off": _only(CostLine.is_one_off == True, amount),  # noqa: E712 (SQL)
        "etp": _only(CostLine.unit == "ETP", fn.COALESCE(quantity, 0)),
    })
    funds = _sums_by_scenario(FundingLine, "funds", {
        "cash_total": _only(is_cash_sql(), funding),
        "acquired": _only(is_cash_sql() & acquired, funding),
        "in_kind": _only(~is_cash_sql(), funding),
    }, lambda query: _with_first_year(query, first_year))

    def summed(table, alias):
        return _int(fn.COALESCE(getattr(table.c, alias), 0))

    f = {name: summed(costs, name) for name in ("recurring", "one_off", "etp")}
    f.update({name: summed(funds, name) for name in ("cash_total", "acquired", "in_kind")})
    f["year_one"] = f["recurring"] + f["one_off"]
    f["overhead_rate"] = effective_overhead_rate_sql()
    f["overhead"] = overhead_amount_sql(f["year_one"], f["overhead_rate"])
    f["total_with_overhead"] = f["year_one"] + f["overhead"]
    f["coverage"] = coverage_rate_sql(f["acquired"], f["total_with_overhead"])
    f["gap"] = f["total_with_overhead"] - f["acquired"]
    # Without indexation every year after the first costs the recurring amount.
    later_years = Scenario.duration_years - 1
    not_indexed = fn.COALESCE(Scenario.indexation_rate, 0) == 0
    f["multi_year_total"] = Case(None, [(not_indexed, f["year_one"] + f["recurring"] * later_years)])
    f["multi_year_total_with_overhead"] = Case(None, [(not_indexed, (
        f["total_with_overhead"]
        + (f["recurring"] + overhead_amount_sql(f["recurring"], f["overhead_rate"])) * later_years
    ))])
    return costs, funds, f


def scenarios_with_figures():
    """Scenarios with every figure of SQL_FIGURES computed by the database (in
    whole cents, see sql_figure), so a grid sorts on them in one query."""
    costs, funds, figures = _sql_figures()
    return (
        Scenario.select(
            Scenario,
            *(figures[name].alias(figure.alias) for name, figure in SQL_FIGURES.items()),
        )
        .join(costs, JOIN.LEFT_OUTER, on=(costs.c.scenario_id == Scenario.id))
        .switch(Scenario)
        .join(funds, JOIN.LEFT_OUTER, on=(funds.c.scenario_id == Scenario.id))
        .switch(Scenario)
    )


def sql_figure(row, name):
    """The figure `name` (a ScenarioTotals attribute) of a row of
    scenarios_with_figures(), as a Decimal (None when the database gave none)."""
    figure = SQL_FIGURES[name]
    value = getattr(row, figure.alias)
    if value is None:
        return None
    return Decimal(int(value)).scaleb(-figure.places)
