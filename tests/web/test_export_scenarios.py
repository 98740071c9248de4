"""The scenario grid's XLSX export: every figure a number with its format (issue 7)."""
import io

import openpyxl

from documents.grid_export import GRID_HEADER_ROW
from models import database
from seeds.loader import load_seeds
from tests.helpers import ASSOCIATIVE, BESANCON, SCENARIO_2, make_scenario

EURO, PERCENT, NUMBER = "#,##0.00 €", '0.00 "%"', "#,##0.##"


def test_scenario_export_writes_figures_and_rates_as_numbers(as_role):
    with database.connection_context():
        load_seeds()
    make_scenario("Sans ligne", operator="association")
    response = as_role("viewer").get("/admin/scenario/export/xlsx/")
    assert response.status_code == 200, response.data[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[GRID_HEADER_ROW + 1]]
    rows = {row[0].value: dict(zip(header, row)) for row in sheet.iter_rows(min_row=GRID_HEADER_ROW + 2)}

    def cell(name, column):
        found = rows[name][column]
        return found.value, found.number_format

    assert cell(ASSOCIATIVE, "Total année 1") == (95310, EURO)
    assert cell(ASSOCIATIVE, "Total avec frais de gestion") == (109606.5, EURO)
    assert cell(ASSOCIATIVE, "ETP") == (2, NUMBER)
    assert cell(ASSOCIATIVE, "Couverture (acquis)") == (0, PERCENT)
    # the operator's default rate, not an empty cell
    assert cell(ASSOCIATIVE, "Frais de gestion (%)") == (15, PERCENT)
    assert cell(SCENARIO_2, "Frais de gestion (%)") == (0, PERCENT)
    assert cell(SCENARIO_2, "Total avec frais de gestion") == (95310, EURO)
    assert cell(BESANCON, "Couverture (acquis)") == (105, PERCENT)  # not the text "105,00 %"
    assert cell(BESANCON, "Total année 1") == (40000, EURO)
    # no cost: no coverage, and still the association's rate
    assert rows["Sans ligne"]["Couverture (acquis)"].value is None
    assert cell("Sans ligne", "Frais de gestion (%)") == (15, PERCENT)
    assert cell("Sans ligne", "Total année 1") == (0, EURO)
