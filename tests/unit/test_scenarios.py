"""Budget scenarios: the figures the documents give, to the cent (issue 3)."""
from decimal import Decimal

import pytest
from peewee import SQL

from models import CostLine, FundingLine, Scenario, ValidationError, database
from models.budget import (
    Adjustments, VariantPreview, compare, duplicate_scenario, lines_of,
    scenarios_with_figures, sql_figure, totals_for,
)
from seeds.loader import load_seeds
from tests.helpers import ASSOCIATIVE, BESANCON, NORD, REINFORCED, SCENARIO_2



@pytest.fixture
def db():
    with database.connection_context():
        load_seeds()
        yield


def named(name):
    return Scenario.get(Scenario.name == name)


def test_scenario_2_figures(db):
    totals = totals_for(named(SCENARIO_2))
    assert totals.year_one == Decimal("95310.00")
    assert totals.recurring == Decimal("88080.00")
    assert totals.one_off == Decimal("7230.00")
    assert totals.overhead == Decimal("0.00")
    assert totals.etp == Decimal("2")
    assert totals.by_category["Personnel"] == Decimal("62400.00")
    assert totals.by_category["Fonctionnement"] == Decimal("3480.00")
    assert [y.cost for y in totals.years] == [Decimal("95310.00"), Decimal("88080.00"), Decimal("88080.00")]
    assert [y.year for y in totals.years] == [2026, 2027, 2028]
    assert totals.multi_year_total == Decimal("271470.00")
    assert totals.multi_year_total_with_overhead == Decimal("271470.00")
    assert totals.acquired == Decimal("0") and totals.coverage == Decimal("0.00")
    assert totals.gap == Decimal("95310.00")
    assert len(totals.in_kind_lines) == 5 and totals.in_kind == Decimal("0")
    assert all(f.kind == "subvention" for f in totals.cash_lines)


def test_association_operator_adds_fifteen_percent(db):
    totals = totals_for(named(ASSOCIATIVE))
    assert totals.year_one == Decimal("95310.00")
    assert totals.overhead == Decimal("14296.50")
    assert totals.total_with_overhead == Decimal("109606.50")
    assert [y.overhead for y in totals.years] == [Decimal("14296.50"), Decimal("13212.00"), Decimal("13212.00")]
    assert totals.multi_year_total_with_overhead == Decimal("312190.50")


def test_reinforced_reception_adds_half_an_etp(db):
    totals = totals_for(named(REINFORCED))
    assert totals.etp == Decimal("2.5")
    assert totals.year_one == Decimal("108510.00")


def test_indexation_applies_to_recurring_costs_from_year_two(db):
    scenario = named(SCENARIO_2)
    scenario.indexation_rate = Decimal("2")
    totals = totals_for(scenario)
    assert [y.cost for y in totals.years] == [
        Decimal("95310.00"), Decimal("89841.60"), Decimal("91638.43"),
    ]
    assert totals.multi_year_total == Decimal("276790.03")


def test_iscg_funding(db):
    for name, acquired, coverage, gap in (
        (BESANCON, "42000.00", "105.00", "-2000.00"),
        (NORD, "40000.00", "100.00", "0.00"),
    ):
        totals = totals_for(named(name))
        assert totals.year_one == Decimal("40000.00")
        assert totals.total_with_overhead == Decimal("40000.00")
        assert totals.acquired == Decimal(acquired)
        assert totals.coverage == Decimal(coverage)
        assert totals.gap == Decimal(gap)
    besancon = totals_for(named(BESANCON))
    assert besancon.by_funder()["Ville de Besançon"]["acquis"] == Decimal("2000.00")
    assert besancon.by_status == {
        "piste": Decimal("0"), "sollicite": Decimal("0"), "acquis": Decimal("42000.00"),
    }
    assert besancon.acquired - besancon.by_funder()["Ville de Besançon"]["total"] == Decimal("40000.00")


def test_funding_per_status_keeps_in_kind_apart():
    with database.connection_context():
        scenario = Scenario.create(name="Financé", operator="association")
        CostLine.create(scenario=scenario, category="Locaux", designation="Loyer", amount=Decimal("1000"))
        for funder, kind, status, amount in (
            ("CAF", "subvention", "sollicite", "300"),
            ("CAF", "subvention", "acquis", "200"),
            ("Ville", "mise_a_disposition", "acquis", "600"),
            ("Fondation", "subvention", "piste", None),
        ):
            FundingLine.create(scenario=scenario, funder=funder, kind=kind, status=status,
                               amount=Decimal(amount) if amount else None)
        totals = totals_for(scenario)
        assert totals.by_status["sollicite"] == Decimal("300")
        assert totals.acquired == Decimal("200")
        assert totals.in_kind == Decimal("600")
        assert totals.total_with_overhead == Decimal("1150.00")
        assert totals.coverage == Decimal("17.39")
        assert totals.by_funder()["CAF"]["total"] == Decimal("500")
        assert list(totals.by_funder()) == ["CAF", "Fondation"]


def test_grid_query_sorts_on_figures(db):
    rows = {s.name: s for s in scenarios_with_figures()}
    figures = ("year_one", "overhead_rate", "overhead", "total_with_overhead", "coverage")
    assert [sql_figure(rows[ASSOCIATIVE], name) for name in figures] == [
        Decimal("95310.00"), Decimal("15"), Decimal("14296.50"), Decimal("109606.50"), Decimal("0.00"),
    ]
    assert sql_figure(rows[SCENARIO_2], "multi_year_total") == Decimal("271470.00")
    assert sql_figure(rows[BESANCON], "coverage") == Decimal("105.00")
    by_total = [s.name for s in scenarios_with_figures().order_by(SQL("total_with_overhead").desc())]
    assert by_total[:3] == [ASSOCIATIVE, REINFORCED, SCENARIO_2]
    by_coverage = [s.name for s in scenarios_with_figures().order_by(SQL("coverage").desc())]
    assert by_coverage[:2] == [BESANCON, NORD]


def test_bad_values_are_refused_in_french():
    with database.connection_context():
        with pytest.raises(ValidationError) as error:
            Scenario.create(name="Taux", overhead_rate=Decimal("120"))
        assert "entre 0 et 100" in error.value.describe()
        with pytest.raises(ValidationError) as error:
            Scenario.create(name="Indexé", indexation_rate=Decimal("101"))
        assert "Indexation annuelle" in error.value.describe()
        scenario = Scenario.create(name="Négatif")
        with pytest.raises(ValidationError) as error:
            CostLine.create(scenario=scenario, category="Locaux", designation="Loyer", amount=Decimal("-5"))
        assert "négatif" in error.value.describe()


def test_empty_and_funding_only_scenarios_get_a_warning():
    with database.connection_context():
        empty = Scenario.create(name="Vide")
        funded = Scenario.create(name="Que des financements")
        FundingLine.create(scenario=funded, funder="CAF", amount=Decimal("10"), status="acquis")
        comparison = compare(f"{empty.id},{funded.id}")
        assert totals_for(empty).coverage is None
        assert comparison.warnings() == [
            "« Vide » est vide : aucune ligne budgétaire.",
            "« Que des financements » n'a que des financements, aucune ligne budgétaire.",
        ]
        assert comparison.total_rows[0].differences == [(Decimal("0"), None)]


def test_comparison_differences_against_the_first(db):
    ids = ",".join(str(named(n).id) for n in (SCENARIO_2, ASSOCIATIVE, REINFORCED))
    comparison = compare(ids)
    assert comparison.categories[0] == "Personnel" and "Autre" not in comparison.categories
    rows = {row.key: row for row in comparison.rows}
    assert rows["total_with_overhead"].values == [
        Decimal("95310.00"), Decimal("109606.50"), Decimal("108510.00"),
    ]
    assert rows["total_with_overhead"].differences == [
        (Decimal("14296.50"), Decimal("15.00")), (Decimal("13200.00"), Decimal("13.85")),
    ]
    assert rows[("category", "Personnel")].differences[1] == (Decimal("13200.00"), Decimal("21.15"))
    assert rows["etp"].values == [Decimal("2"), Decimal("2"), Decimal("2.5")]
    assert rows["multi_year_total"].values[0] == Decimal("271470.00")


@pytest.mark.parametrize("ids, message", [
    ("1", "au moins 2"),
    ("", "au moins 2"),
    ("1,2,3,4,5,6,7", "au plus 6"),
    ("1,abc", "nombres"),
    ("1,-2", "nombres"),
    ("999998,999999", "introuvable"),
])
def test_comparison_refuses_bad_ids(ids, message):
    with database.connection_context():
        with pytest.raises(ValidationError) as error:
            compare(ids)
        assert message in error.value.describe()


def test_duplicate_copies_every_line_and_keeps_names_unique(db):
    original = named(BESANCON)
    first = duplicate_scenario(original)
    second = duplicate_scenario(original)
    assert first.name == f"{BESANCON} (copie)"
    assert second.name == f"{BESANCON} (copie) (2)"
    assert first.status == "brouillon"
    copied, original_lines = lines_of(first), lines_of(original)
    assert [l.designation for l in copied[0]] == [l.designation for l in original_lines[0]]
    assert [(f.funder, f.amount) for f in copied[1]] == [(f.funder, f.amount) for f in original_lines[1]]
    assert totals_for(first).acquired == Decimal("42000.00")
    assert len(lines_of(original)[0]) == 1  # the original is untouched


def test_variant_preview_writes_nothing_until_saved(db):
    original = named(SCENARIO_2)
    reception = CostLine.get(CostLine.designation == "Accueillant·e psychosocial·e, 1 ETP",
                             CostLine.scenario == original)
    before_count = (Scenario.select().count(), CostLine.select().count())
    preview = VariantPreview(original, Adjustments(
        "Variante test", line_etp={reception.id: Decimal("1.5")},
        category_percent={"Déplacements": Decimal("10")}, operator="association",
    ))
    assert (Scenario.select().count(), CostLine.select().count()) == before_count
    assert [(b.amount, a.amount) for b, a in preview.changes] == [
        (Decimal("26400.00"), Decimal("39600.00")), (Decimal("7000.00"), Decimal("7700.00")),
    ]
    assert preview.changes[0][1].designation == "Accueillant·e psychosocial·e, 1,5 ETP"
    assert preview.after.year_one == Decimal("109210.00")
    assert preview.after.overhead == Decimal("16381.50")
    assert preview.after.total_with_overhead == Decimal("125591.50")
    rows = {row.key: row for row in preview.comparison_rows}
    assert rows["etp"].differences == [(Decimal("0.5"), Decimal("25.00"))]
    variant = preview.save()
    assert totals_for(variant).total_with_overhead == Decimal("125591.50")
    assert "Variante de « Scénario 2" in variant.description
    assert totals_for(named(SCENARIO_2)).year_one == Decimal("95310.00")
    assert CostLine.get_by_id(reception.id).amount == Decimal("26400.00")


@pytest.mark.parametrize("adjustments, field", [
    (Adjustments(""), "name"),
    (Adjustments(SCENARIO_2, operator="association"), "name"),
    (Adjustments("Sans changement"), "__all__"),
    (Adjustments("Trop", category_percent={"Locaux": Decimal("900")}), "percent"),
    (Adjustments("Catégorie", category_percent={"Cuisine": Decimal("5")}), "category"),
    (Adjustments("Opérateur", operator="entreprise"), "operator"),
    (Adjustments("Ligne", line_etp={999999: Decimal("1")}), "line"),
])
def test_variant_adjustments_are_checked(db, adjustments, field):
    with pytest.raises(ValidationError) as error:
        VariantPreview(named(SCENARIO_2), adjustments)
    assert field in error.value.errors
