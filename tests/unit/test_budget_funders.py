"""The budget as French funders read it (issue 11): kinds of funder and their
subtotals, amounts per year, the CERFA 12156 budget, and migration 0010 typing
the free-text funders already stored."""
from contextlib import contextmanager
from decimal import Decimal

import pytest
from playhouse.migrations import Runner

from models import CostLine, FundingLine, Scenario, ValidationError, database
from models.budget import (
    DEFAULT_ACCOUNTS, FUNDER_KINDS, CerfaBudget, FundingYear, account_of, duplicate_scenario, totals_for,
)
from models.db import open_database
from models.schema import MIGRATIONS_DIRECTORY
from seeds.loader import load_seeds
from tests.helpers import ASSOCIATIVE, BESANCON, SCENARIO_2, fresh_postgres_database, postgres_server_url




def scenario_with_funding():
    """2026-2028, 10 000 € a year of costs; État 4 000 € a year acquired, its 2027
    asked only (3 000 €); a CAF lead of 1 000 € from 2027 only; a Région line."""
    scenario = Scenario.create(name="Plan", start_year=2026, duration_years=3)
    CostLine.create(scenario=scenario, category="Personnel", designation="Poste", amount=Decimal("10000"))
    etat = FundingLine.create(scenario=scenario, funder="État — FIPDR", funder_kind="etat",
                              amount=Decimal("4000"), status="acquis")
    FundingYear.create(funding_line=etat, year=2027, amount=Decimal("3000"), status="sollicite")
    caf = FundingLine.create(scenario=scenario, funder="CAF de la Vienne", funder_kind="caf", status="piste")
    for year in (2027, 2028):
        FundingYear.create(funding_line=caf, year=year, amount=Decimal("1000"))
    FundingLine.create(scenario=scenario, funder="Région", funder_kind="region",
                       amount=Decimal("500"), status="acquis")
    FundingLine.create(scenario=scenario, funder="Locaux de la mairie", kind="mise_a_disposition",
                       funder_kind="commune", amount=Decimal("2400"), status="acquis")
    return scenario


def test_subtotals_per_kind_of_funder():
    with database.connection_context():
        totals = totals_for(scenario_with_funding())
        by_kind = totals.by_funder_kind()
        assert list(by_kind) == [code for code, _ in FUNDER_KINDS]
        assert by_kind["etat"]["acquis"] == by_kind["etat"]["total"] == Decimal("4000")
        assert by_kind["region"]["total"] == Decimal("500")
        assert by_kind["caf"]["total"] == 0  # nothing in 2026
        assert by_kind["commune"]["total"] == 0  # in kind: not a subsidy
        assert totals.by_funder_kind(2027)["etat"]["sollicite"] == Decimal("3000")
        assert totals.by_funder_kind(2027)["caf"]["piste"] == Decimal("1000")


def test_amounts_per_year_with_their_status_and_the_gap():
    with database.connection_context():
        totals = totals_for(scenario_with_funding())
        plan = {year.year: year for year in totals.funding_years}
        assert list(plan) == [2026, 2027, 2028]
        assert [plan[y].acquired for y in plan] == [Decimal("4500"), Decimal("500"), Decimal("4500")]
        assert plan[2027].by_status == {"piste": Decimal("1000"), "sollicite": Decimal("3000"),
                                        "acquis": Decimal("500")}
        assert [plan[y].gap for y in plan] == [Decimal("5500"), Decimal("9500"), Decimal("5500")]
        assert plan[2028].cash_total == Decimal("5500")
        assert plan[2026].in_kind == Decimal("2400")
        # The figures without a year are the first year's, as before amounts per year existed.
        assert (totals.acquired, totals.cash_total, totals.gap) == (Decimal("4500"), Decimal("4500"), Decimal("5500"))
        assert totals.multi_year_acquired == Decimal("9500")
        assert totals.multi_year_gap == Decimal("20500")


def test_a_year_holds_one_amount_per_line_and_is_checked():
    with database.connection_context():
        scenario = scenario_with_funding()
        line = FundingLine.get(FundingLine.funder == "État — FIPDR")
        for fields, field in (({"year": 2027, "amount": Decimal("1")}, "year"),
                              ({"year": 1999, "amount": Decimal("1")}, "year"),
                              ({"year": 2029, "amount": Decimal("-1")}, "amount"),
                              ({"year": 2029, "amount": None}, "amount"),
                              ({"year": 2029, "amount": Decimal("1"), "status": "promis"}, "status")):
            with pytest.raises(ValidationError) as error:
                FundingYear.create(funding_line=line, **fields)
            assert field in error.value.errors
        with pytest.raises(ValidationError) as error:
            FundingLine.create(scenario=scenario, funder="X", funder_kind="mairie")
        assert "funder_kind" in error.value.errors
        assert FundingYear.select().count() == 3


def test_a_copy_keeps_the_amounts_per_year():
    with database.connection_context():
        copy = duplicate_scenario(scenario_with_funding())
        plan = totals_for(copy).funding_years
        assert [year.acquired for year in plan] == [Decimal("4500"), Decimal("500"), Decimal("4500")]
        assert FundingYear.select().count() == 6


def test_seeded_iscg_convention_year_by_year():
    with database.connection_context():
        load_seeds()
        totals = totals_for(Scenario.get(Scenario.name == BESANCON))
        plan = totals.funding_years
        assert [year.year for year in plan] == [2023, 2024, 2025]
        for year in plan:
            assert {line.funder: amount for line, amount, _ in year.lines} == {
                "État — FIPDR": Decimal("20000.00"), "Conseil départemental du Doubs": Decimal("20000.00"),
                "Ville de Besançon": Decimal("2000.00")}
            assert year.by_funder_kind["etat"]["acquis"] == Decimal("20000.00")
            assert year.by_funder_kind["departement"]["total"] == Decimal("20000.00")
            assert year.by_funder_kind["commune"]["total"] == Decimal("2000.00")
            assert (year.cost, year.acquired, year.gap) == (Decimal("40000.00"), Decimal("42000.00"), Decimal("-2000.00"))
        assert FundingYear.select().count() == 9
        scenario_2 = totals_for(Scenario.get(Scenario.name == SCENARIO_2))
        kinds = {line.funder: line.funder_kind for line in scenario_2.funding_lines}
        assert kinds["Appel à projets — FIPDR"] == kinds["État — DRDFE"] == "etat"
        assert (kinds["CAF"], kinds["FSE"], kinds["Fondation RAJA"]) == ("caf", "ue", "fondation")


def test_cost_categories_map_to_cerfa_accounts_editable_per_line():
    assert set(DEFAULT_ACCOUNTS) == {
        "Personnel", "Locaux", "Fonctionnement", "Déplacements", "Formations", "Communication",
        "Matériel pédagogique", "Investissement", "Autre"}
    with database.connection_context():
        scenario = Scenario.create(name="Comptes")
        line = CostLine.create(scenario=scenario, category="Fonctionnement", designation="Entretien",
                               amount=Decimal("100"))
        assert account_of(line) == "60"
        line.account = "61"
        line.save()
        assert account_of(CostLine.get_by_id(line.id)) == "61"
        line.account = ""
        line.save()
        assert CostLine.get_by_id(line.id).account is None
        line.account = "99"
        with pytest.raises(ValidationError) as error:
            line.save()
        assert "account" in error.value.errors


def test_cerfa_budget_of_scenario_2_operated_by_an_association():
    with database.connection_context():
        load_seeds()
        budget = CerfaBudget(totals_for(Scenario.get(Scenario.name == ASSOCIATIVE)))
        assert {a: budget.account_total(a) for a in ("60", "61", "62", "63", "64", "65", "68")} == {
            "60": Decimal("3180.00"), "61": Decimal("7800.00"), "62": Decimal("14700.00"), "63": 0,
            "64": Decimal("62400.00"), "65": 0, "68": 0}
        assert budget.investment_total == Decimal("7230.00")  # apart: not a charge
        assert budget.direct_charges == Decimal("88080.00")
        assert budget.overhead == Decimal("14296.50")  # 15 % of 95 310 €, as the document
        assert budget.total_charges == budget.total_products == Decimal("102376.50")
        assert budget.to_find == Decimal("102376.50")  # only unpriced leads
        assert budget.in_kind_total == 0
        assert [line.label for line in budget.in_kind["mise_a_disposition"]][:2] == [
            "Mise à disposition des locaux", "Mise à disposition d'un véhicule"]


def test_cerfa_budget_of_the_iscg_balances_with_a_surplus():
    with database.connection_context():
        load_seeds()
        budget = CerfaBudget(totals_for(Scenario.get(Scenario.name == BESANCON)))
        assert budget.year == 2023
        assert [(line.label, line.amount, line.status) for line in budget.subsidies["etat"]] == [
            ("État — FIPDR", Decimal("20000.00"), "acquis")]
        assert budget.kind_total("departement") == Decimal("20000.00")
        assert budget.kind_total("commune") == Decimal("2000.00")
        assert budget.account_total("64") == Decimal("40000.00")
        assert (budget.surplus, budget.to_find) == (Decimal("2000.00"), 0)
        assert budget.total_charges == budget.total_products == Decimal("42000.00")


def test_cerfa_in_kind_86_equals_87():
    with database.connection_context():
        scenario = scenario_with_funding()
        FundingLine.create(scenario=scenario, funder="Bénévoles des ateliers", kind="benevolat",
                           amount=Decimal("1200"), status="acquis")
        budget = CerfaBudget(totals_for(scenario))
        assert budget.in_kind_total == Decimal("3600")
        assert [line.label for line in budget.in_kind["benevolat"]] == ["Bénévoles des ateliers"]


# --- migration 0010 on funders typed as free text --------------------------------
OLD_FUNDERS = {
    "Appel à projets — FIPDR": "etat", "FIPDR": "etat", "État": "etat", "Etat — DRDFE": "etat",
    "Appel à projets — Politique de la Ville": "etat", "Conseil départemental du Doubs": "departement",
    "CD": "departement", "CD 86": "departement", "Ville de Besançon": "commune", "Commune de Loudun": "commune",
    "CAF": "caf", "Caf de la Vienne": "caf", "FSE": "ue", "FSE+": "ue", "Fondation RAJA": "fondation",
    "Région Bretagne": "region", "CDC Habitat": "autre", "Dons": "autre", "Collectivités locales": "autre",
}


def migrated_kinds(db):
    runner = Runner(db, directory=str(MIGRATIONS_DIRECTORY))
    names = [m.name for m in runner.status()]
    before = names[names.index("0010_funding_kinds_years") - 1]
    runner.up(before)
    assert "funder_kind" not in {c.name for c in db.get_columns("funding_line")}
    db.execute_sql("INSERT INTO scenario (name, operator, start_year, duration_years, status, updated_at)"
                   " VALUES ('Ancien', 'collectivite', 2024, 1, 'brouillon', '2024-01-01 00:00:00')")
    scenario_id = db.execute_sql("SELECT id FROM scenario").fetchone()[0]
    for funder in OLD_FUNDERS:
        db.execute_sql("INSERT INTO funding_line (scenario_id, funder, kind, amount, status)"
                       " VALUES (%s, %s, 'subvention', 100, 'acquis')" % (db.param, db.param),
                       (scenario_id, funder))
    assert runner.up("0010_funding_kinds_years")[-1] == "0010_funding_kinds_years"
    rows = db.execute_sql("SELECT funder, funder_kind, amount FROM funding_line").fetchall()
    assert all(Decimal(amount) == 100 for _, _, amount in rows)
    assert db.execute_sql("SELECT COUNT(*) FROM funding_year").fetchone()[0] == 0
    assert "account" in {c.name for c in db.get_columns("cost_line")}
    return {funder: kind for funder, kind, _ in rows}


@contextmanager
def opened(url):
    """`url`'s database as the models' for the test, the suite's one back afterwards."""
    previous = database.obj
    db = open_database(url)
    try:
        with db.connection_context():
            yield db
    finally:
        db.close()
        database.initialize(previous)


def test_migration_0010_types_free_text_funders_on_sqlite(tmp_path):
    with opened(f"sqlite:///{tmp_path / 'ancienne.db'}") as db:
        assert migrated_kinds(db) == OLD_FUNDERS


def test_migration_0010_types_free_text_funders_on_postgresql():
    with fresh_postgres_database(postgres_server_url()) as url, opened(url) as db:
        assert migrated_kinds(db) == OLD_FUNDERS
