"""The grid's SQL figures equal the Python ones to the cent (issue 7), for
generated scenarios saved in the real test database (SQLite or PostgreSQL)."""
import datetime
import types
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import models.budget.models as budget_models
from models import CostLine, FundingLine, Scenario, database
from models.budget import FundingYear
from models.budget import (
    COST_CATEGORIES, FUNDING_KINDS, FUNDING_STATUSES, OPERATORS, SQL_FIGURES, UNITS,
    scenarios_with_figures, sql_figure, totals_for,
)


def decimals(places, top):
    """Decimals with `places` decimals from 0 to `top`, small ones and round ones often."""
    unit = Decimal(1).scaleb(-places)
    whole = st.one_of(
        st.integers(0, 10 ** places * 10), st.integers(0, int(Decimal(top) / unit)),
        st.integers(0, int(top)).map(lambda n: n * 10 ** places),
    )
    return whole.map(lambda n: n * unit)


cost_lines = st.fixed_dictionaries({
    "category": st.sampled_from(COST_CATEGORIES),
    "unit": st.one_of(st.none(), st.sampled_from([code for code, _ in UNITS])),
    "is_one_off": st.booleans(),
    # an amount typed in, or quantity × unit cost (the model computes the amount)
    "priced": st.one_of(
        st.tuples(st.none(), st.none(), decimals(2, 10 ** 9)),
        st.tuples(decimals(3, 1000), decimals(2, 10 ** 6), st.none()),
        st.tuples(decimals(3, 1000), st.none(), decimals(2, 10 ** 6)),
    ),
})
funding_lines = st.fixed_dictionaries({
    "kind": st.sampled_from([code for code, _ in FUNDING_KINDS]),
    "status": st.sampled_from([code for code, _ in FUNDING_STATUSES]),
    "amount": st.one_of(st.none(), decimals(2, 10 ** 9)),
    # amounts per year (0 = the first year, whose amount the figures read), a status or the line's
    "years": st.lists(st.tuples(
        st.integers(0, 3), decimals(2, 10 ** 9),
        st.one_of(st.none(), st.sampled_from([code for code, _ in FUNDING_STATUSES])),
    ), max_size=3, unique_by=lambda year: year[0]),
})
scenarios = st.fixed_dictionaries({
    "operator": st.sampled_from([code for code, _ in OPERATORS]),
    "overhead_rate": st.one_of(st.none(), decimals(2, 100)),
    "indexation_rate": st.one_of(st.none(), st.just(Decimal("0")), decimals(2, 100)),
    "duration_years": st.integers(1, 10),
    "cost_lines": st.lists(cost_lines, max_size=6),
    "funding_lines": st.lists(funding_lines, max_size=5),
})

# Half cents, where ROUND_HALF_UP and a float or half-even rounding part ways.
HALF_CENTS = [
    # 0.10 € at 5 % = 0.005 € → 0.01 €; 20.10 € at 5 % = 1.005 € → 1.01 €
    {"operator": "collectivite", "overhead_rate": Decimal("5"), "indexation_rate": None,
     "duration_years": 3, "cost_lines": [
         {"category": "Locaux", "unit": None, "is_one_off": False, "priced": (None, None, Decimal("0.10"))}],
     "funding_lines": []},
    {"operator": "association", "overhead_rate": Decimal("5"), "indexation_rate": Decimal("0"),
     "duration_years": 2, "cost_lines": [
         {"category": "Autre", "unit": "ETP", "is_one_off": True, "priced": (Decimal("0.5"), Decimal("40.20"), None)}],
     "funding_lines": []},
    # 0.01 € acquired of 1.60 € = 0.625 % → 0.63 %
    {"operator": "association", "overhead_rate": Decimal("0"), "indexation_rate": Decimal("2.5"),
     "duration_years": 4, "cost_lines": [
         {"category": "Personnel", "unit": "mois", "is_one_off": False, "priced": (None, None, Decimal("1.60"))}],
     "funding_lines": [
         {"kind": "subvention", "status": "acquis", "amount": Decimal("0.01")},
         {"kind": "mise_a_disposition", "status": "acquis", "amount": Decimal("7.00")},
         {"kind": "subvention", "status": "piste", "amount": None}]},
    # The first year's own amount and status replace the line's (issue 11): 3 € acquired, not 9 € asked.
    {"operator": "collectivite", "overhead_rate": None, "indexation_rate": None,
     "duration_years": 3, "cost_lines": [
         {"category": "Personnel", "unit": None, "is_one_off": False, "priced": (None, None, Decimal("10.00"))}],
     "funding_lines": [
         {"kind": "subvention", "status": "sollicite", "amount": Decimal("9.00"),
          "years": [(0, Decimal("3.00"), "acquis"), (1, Decimal("5.00"), None)]},
         {"kind": "mise_a_disposition", "status": "acquis", "amount": None,
          "years": [(2, Decimal("4.00"), None)]}]},
]


def save(number, spec):
    scenario = Scenario.create(
        name=f"Généré {number}", operator=spec["operator"], overhead_rate=spec["overhead_rate"],
        indexation_rate=spec["indexation_rate"], duration_years=spec["duration_years"],
    )
    for index, line in enumerate(spec["cost_lines"]):
        quantity, unit_cost, amount = line["priced"]
        CostLine.create(
            scenario=scenario, category=line["category"], designation=f"Ligne {index}",
            unit=line["unit"], is_one_off=line["is_one_off"], quantity=quantity,
            unit_cost=unit_cost, amount=amount,
        )
    for index, line in enumerate(spec["funding_lines"]):
        line = dict(line)
        years = line.pop("years", [])
        funding_line = FundingLine.create(scenario=scenario, funder=f"Financeur {index % 2}", **line)
        for offset, amount, status in years:
            FundingYear.create(funding_line=funding_line, year=scenario.start_year + offset,
                               amount=amount, status=status)
    return scenario.id


def python_figure(totals, name):
    if name.startswith("multi_year") and totals.indexation_rate:
        return None  # indexed projections have no SQL twin (figures.indexed_amount)
    return getattr(totals, name)


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(scenarios, min_size=1, max_size=3))
@example(specs=HALF_CENTS)
def test_grid_sql_figures_equal_python_figures(specs):
    with database.connection_context():
        with database.atomic() as transaction:
            ids = [save(number, spec) for number, spec in enumerate(specs)]
            rows = {row.id: row for row in scenarios_with_figures()}
            assert sorted(rows) == sorted(ids)  # one row per scenario, with or without lines
            for scenario_id in ids:
                totals = totals_for(Scenario.get_by_id(scenario_id))
                for name in SQL_FIGURES:
                    assert sql_figure(rows[scenario_id], name) == python_figure(totals, name), name
            transaction.rollback()


def test_half_cents_round_up_in_both_forms():
    with database.connection_context():
        ids = [save(number, spec) for number, spec in enumerate(HALF_CENTS)]
        rows = {row.id: row for row in scenarios_with_figures()}
        first, second, third, fourth = (rows[i] for i in ids)
        assert sql_figure(fourth, "acquired") == sql_figure(fourth, "cash_total") == Decimal("3.00")
        assert sql_figure(fourth, "in_kind") == Decimal("0.00")
        assert sql_figure(first, "overhead") == Decimal("0.01")
        assert sql_figure(first, "multi_year_total_with_overhead") == Decimal("0.33")
        assert sql_figure(second, "overhead") == Decimal("1.01")  # 20.10 € at 5 %
        assert sql_figure(second, "overhead_rate") == Decimal("5")
        assert sql_figure(third, "coverage") == Decimal("0.63")
        assert sql_figure(third, "in_kind") == Decimal("7.00")
        assert sql_figure(third, "multi_year_total") is None  # indexed: Python only
        assert totals_for(Scenario.get_by_id(ids[2])).coverage == Decimal("0.63")


def test_money_is_stored_rounded_half_up():
    with database.connection_context():
        scenario = Scenario.create(name="Arrondi")
        line = CostLine.create(scenario=scenario, category="Autre", designation="Demi-centime",
                               amount=Decimal("0.125"))
        assert CostLine.get_by_id(line.id).amount == Decimal("0.13")  # half even would keep 0.12


def test_start_year_is_the_year_of_creation(monkeypatch):
    class In2031(datetime.date):
        @classmethod
        def today(cls):
            return cls(2031, 3, 1)

    monkeypatch.setattr(budget_models, "datetime", types.SimpleNamespace(
        date=In2031, datetime=datetime.datetime))
    with database.connection_context():
        scenario = Scenario.create(name="Créé en 2031")
        assert Scenario.get_by_id(scenario.id).start_year == 2031
    monkeypatch.undo()
    assert Scenario().start_year == datetime.date.today().year
