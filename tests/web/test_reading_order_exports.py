"""Exports, sheets and selects read in French order: "Âge d'or" before "bassin nord"
before "Zêta", whatever the case and accents; structures without a territory last."""
import io
import re
from html import unescape

import openpyxl

from documents.directory_export import NO_TERRITORY
from tests.helpers import make_scenario, make_structure, make_territory

TERRITORIES = ["Zêta", "bassin nord", "Âge d'or"]  # created in this order: ids do not sort them
IN_ORDER = ["Âge d'or", "bassin nord", "Zêta"]
STRUCTURES = ["Zèbre", "École des parents", "centre social"]
STRUCTURES_IN_ORDER = ["centre social", "École des parents", "Zèbre"]


def _directory():
    for name in TERRITORIES:
        territory = make_territory(name)
        for structure in STRUCTURES:
            make_structure(f"{structure} {name}", territory=territory, telephone="05 49 00 00 00")
    make_structure("Sans bassin", telephone="05 49 00 00 00")


def test_short_directory_page_lists_territories_then_structures_in_reading_order(as_role):
    _directory()
    page = unescape(as_role("viewer").get("/admin/exports/annuaire-court/").get_data(as_text=True))
    positions = [page.index(f"{structure} {territory}") for territory in IN_ORDER
                 for structure in STRUCTURES_IN_ORDER]
    assert positions == sorted(positions)
    assert page.index("Zèbre Zêta") < page.index(NO_TERRITORY) < page.index("Sans bassin")


def test_short_directory_workbook_has_one_sheet_per_territory_in_reading_order(as_role):
    _directory()
    response = as_role("viewer").get("/admin/exports/annuaire-court.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [*IN_ORDER, NO_TERRITORY]
    sheet = workbook["bassin nord"]
    header = int(sheet.print_title_rows.split(":")[0].strip("$"))  # the table's header row
    rows = list(sheet.iter_rows(min_row=header + 1, max_col=1, values_only=True))
    assert [row[0] for row in rows] == [f"{s} bassin nord" for s in STRUCTURES_IN_ORDER]


def test_committee_pack_sheets_and_its_form_read_in_order(as_role):
    _directory()
    for name in ("Zorro", "accueil de jour", "Éclaircie"):
        make_scenario(name)
    viewer = as_role("viewer")
    form = viewer.get("/admin/exports/").get_data(as_text=True)
    select = form[form.index('id="territory"'):]
    territories = [unescape(t) for t in re.findall(r"<option[^>]*>([^<]*)</option>", select[:select.index("</select>")])]
    assert territories == ["Tous les territoires", *IN_ORDER]
    select = form[form.index('id="scenarios"'):]
    scenarios = re.findall(r"<option[^>]*>([^<]*)</option>", select[:select.index("</select>")])
    assert scenarios == ["accueil de jour", "Éclaircie", "Zorro"]
    response = viewer.post("/admin/exports/", {"territory": ""})
    assert response.status_code == 302
    workbook = openpyxl.load_workbook(io.BytesIO(viewer.get(response.headers["Location"]).data))
    rows = list(workbook["Structures par bassin de vie"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert rows == [(t, f"{s} {t}") for t in IN_ORDER for s in STRUCTURES_IN_ORDER] + [
        (NO_TERRITORY, "Sans bassin")]


def test_import_template_lists_territories_in_reading_order(as_role):
    for name in TERRITORIES:
        make_territory(name)
    response = as_role("editor").get("/admin/structure/import/modele.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Valeurs possibles"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("Territoire (code)") + 1
    values = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column, values_only=True)]
    assert [value for value in values if value] == IN_ORDER
