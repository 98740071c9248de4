"""The CERFA 12156 budget prévisionnel and the funding plan year by year in the
scenario workbook (issue 11): laid out, cached with the app's figures, and
recomputed by LibreOffice to the same figures, balanced."""
import datetime
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter

from models import FundingLine, Scenario, database
from models.budget import CerfaBudget, FundingYear, compare, totals_for
from documents.cerfa import (
    FUNDING_TOTAL_LABEL, GAP_LABEL, TO_FIND_LABEL, TOTAL_CHARGES, TOTAL_COSTS_LABEL, TOTAL_PRODUCTS,
    add_budget_sheets,
)
from documents.scenario_workbook import write_comparison_workbook
from documents.spreadsheets import Formats
from seeds.loader import load_seeds
from tests.helpers import ASSOCIATIVE, BESANCON
from tests.unit.test_scenarios_workbook import recalculate

EXPORT_DAY = datetime.date(2026, 11, 23)


def labelled(sheet, label_col, amount_col):
    """Label → amount of a sheet's rows (the first row with that label)."""
    found = {}
    for row in sheet.iter_rows(values_only=True):
        if row[label_col] is not None and row[label_col] not in found:
            found[row[label_col]] = row[amount_col]
    return found


def ask_only(funder, year, amount):
    """`funder`'s amount for `year` becomes `amount`, only asked (sollicité)."""
    line = FundingLine.get(FundingLine.funder == funder)
    row = FundingYear.get(FundingYear.funding_line == line, FundingYear.year == year)
    row.amount, row.status = Decimal(amount), "sollicite"
    row.save()


@pytest.fixture
def budget_path(tmp_path):
    """The BP and plan sheets of the associative Scénario 2 and the Besançon ISCG, whose
    city funding of 2025 is only asked (sollicité) for 1 500 €."""
    with database.connection_context():
        load_seeds()
        ask_only("Ville de Besançon", 2025, "1500")
        totals = [totals_for(Scenario.get(Scenario.name == name)) for name in (ASSOCIATIVE, BESANCON)]
        expected = [CerfaBudget(t) for t in totals], [t.funding_years for t in totals]
        path = tmp_path / "budget.xlsx"
        workbook = xlsxwriter.Workbook(str(path))
        add_budget_sheets(workbook, Formats(workbook, day=EXPORT_DAY), totals, EXPORT_DAY)
        workbook.close()
    return path, expected


def check_cerfa(sheet, budget):
    charges, products = labelled(sheet, 0, 1), labelled(sheet, 3, 5)
    assert charges[TOTAL_CHARGES] == products[TOTAL_PRODUCTS] == float(budget.total_charges)
    assert charges["64 – Charges de personnel"] == float(budget.account_total("64"))
    assert products["74 – Subventions d'exploitation"] == float(budget.subsidies_total)
    assert products[TO_FIND_LABEL] == float(budget.to_find)
    assert charges["TOTAL 86"] == products["TOTAL 87"] == float(budget.in_kind_total)
    return charges, products


def test_cerfa_and_plan_sheets_layout_and_cached_figures(budget_path):
    path, (budgets, plans) = budget_path
    workbook = openpyxl.load_workbook(path, data_only=True)
    assert workbook.sheetnames == [
        "1. BP opérateur associatif", "1. Plan opérateur associatif", "2. BP France Victimes 25 Besanç",
        "2. Plan France Victimes 25 Besa"]
    bp = workbook.worksheets[0]
    assert bp["A1"].value == f"Budget prévisionnel — {ASSOCIATIVE}"
    assert "CERFA n° 12156" in bp["A2"].value
    charges, products = check_cerfa(bp, budgets[0])
    assert charges[TOTAL_CHARGES] == 102376.5
    assert charges["Frais de gestion de l'opérateur (paie, comptabilité…)"] == 14296.5
    assert charges["Investissement au démarrage (comptes 21, hors budget de fonctionnement)"] == 7230
    assert bp.page_setup.paperSize == 9 and bp.page_setup.orientation == "landscape"
    assert bp.print_title_rows == "$5:$5" and "sur &N" in bp.oddFooter.center.text
    iscg = workbook.worksheets[2]
    charges, products = check_cerfa(iscg, budgets[1])
    assert products["État — FIPDR"] == 20000 and products["Ville de Besançon"] == 2000
    assert charges["Excédent prévisionnel (financements au-delà des charges)"] == 2000
    formulas = openpyxl.load_workbook(path)
    assert formulas.worksheets[0]["B6"].value.startswith("=SUM(")  # 60 – Achats over its lines
    plan = workbook.worksheets[3]
    header = [cell.value for cell in next(plan.iter_rows(min_row=8, max_row=8))]
    assert header[:7] == ["Poste / financeur", "Type de financeur", "Statut", "2023", "2024", "2025", "Total"]
    rows = {row[0]: row for row in plan.iter_rows(values_only=True) if row[0]}
    assert list(rows[TOTAL_COSTS_LABEL][3:7]) == [40000, 40000, 40000, 120000]
    assert list(rows["Acquis"][3:6]) == [float(y.acquired) for y in plans[1]] == [42000, 42000, 40000]
    assert list(rows["Sollicité"][3:6]) == [0, 0, 1500]
    assert list(rows["État"][3:7]) == [20000, 20000, 20000, 60000]
    assert list(rows[GAP_LABEL][3:7]) == [-2000, -2000, 0, -4000]


def test_libreoffice_recomputes_the_cerfa_and_the_plan_to_the_app_figures(budget_path, tmp_path):
    path, (budgets, plans) = budget_path
    # openpyxl keeps the formulas but drops every cached value: LibreOffice computes all.
    stripped = openpyxl.load_workbook(path)
    edited = tmp_path / "sans-valeurs.xlsx"
    stripped.save(edited)
    computed = openpyxl.load_workbook(recalculate(edited, tmp_path), data_only=True)
    check_cerfa(computed.worksheets[0], budgets[0])
    check_cerfa(computed.worksheets[2], budgets[1])
    for sheet, years in ((computed.worksheets[1], plans[0]), (computed.worksheets[3], plans[1])):
        rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
        count = len(years)
        assert list(rows[TOTAL_COSTS_LABEL][3:3 + count]) == [float(y.cost) for y in years]
        assert list(rows["Acquis"][3:3 + count]) == [float(y.acquired) for y in years]
        assert list(rows[FUNDING_TOTAL_LABEL][3:3 + count]) == [float(y.cash_total) for y in years]
        assert list(rows[GAP_LABEL][3:3 + count]) == [float(y.gap) for y in years]


def test_libreoffice_rebalances_an_edited_cerfa(budget_path, tmp_path):
    # The treasurer raises the ISCG post to 45 000 €: the surplus goes, 3 000 € are left to find.
    path, _ = budget_path
    edited = openpyxl.load_workbook(path)
    sheet = edited.worksheets[2]
    cell = next(row[1] for row in sheet.iter_rows() if row[0].value and str(row[0].value).startswith("Intervenant"))
    cell.value = 45000
    edited_path = tmp_path / "modifie.xlsx"
    edited.save(edited_path)
    computed = openpyxl.load_workbook(recalculate(edited_path, tmp_path), data_only=True).worksheets[2]
    charges, products = labelled(computed, 0, 1), labelled(computed, 3, 5)
    assert charges["64 – Charges de personnel"] == 45000
    assert charges["Excédent prévisionnel (financements au-delà des charges)"] == 0
    assert products[TO_FIND_LABEL] == 3000
    assert charges[TOTAL_CHARGES] == products[TOTAL_PRODUCTS] == 45000


def test_the_scenario_workbook_carries_the_budget_sheets(tmp_path):
    with database.connection_context():
        load_seeds()
        ids = ",".join(str(Scenario.get(Scenario.name == n).id) for n in (ASSOCIATIVE, BESANCON))
        path = tmp_path / "comparaison.xlsx"
        write_comparison_workbook(str(path), compare(ids), "Claire Martin", EXPORT_DAY)
    names = openpyxl.load_workbook(path).sheetnames
    assert [n for n in names if " BP " in n or " Plan " in n] == [
        "1. BP opérateur associatif", "1. Plan opérateur associatif",
        "2. BP France Victimes 25 Besanç", "2. Plan France Victimes 25 Besa"]


def test_scenario_sheet_funding_lines_read_the_first_year(tmp_path):
    # The État's 2023 amount becomes 15 000 €, asked only: the scenario sheet's line and
    # its totals say so (its SUMIFS recompute to the cached figures).
    with database.connection_context():
        load_seeds()
        ask_only("État — FIPDR", 2023, "15000")
        ids = ",".join(str(Scenario.get(Scenario.name == n).id) for n in (ASSOCIATIVE, BESANCON))
        path = tmp_path / "comparaison.xlsx"
        write_comparison_workbook(str(path), compare(ids), "Claire Martin", EXPORT_DAY)
    workbook = openpyxl.load_workbook(path, data_only=True)
    sheet = next(s for s in workbook.worksheets if s.title.startswith("2.") and " BP " not in s.title
                 and " Plan " not in s.title)
    rows = {row[1]: row for row in sheet.iter_rows(values_only=True) if row[1]}
    assert rows["État — FIPDR"][2] == "Sollicité" and rows["État — FIPDR"][5] == 15000
    assert rows["Acquis"][5] == 22000 and rows["Sollicité"][5] == 15000
