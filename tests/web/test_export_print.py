"""Every workbook prints (issue 11): A4, orientation, one page wide, header rows
repeated, footer « title — Page x sur y — date », widths from the content, the
filters written on the sheet and in the file name; the committee pack's meeting,
contents and budget summary; and, through LibreOffice, the pages a pack prints on."""
import datetime
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from documents.grid_export import GRID_HEADER_ROW
from documents.scenario_workbook import scenario_sheet_names
from documents.spreadsheets import MAX_WIDTH
from models import CommitteePack, CostLine, Scenario, User, database
from seeds.loader import load_seeds
from tests.helpers import (
    libreoffice_convert,
    ASSOCIATIVE, SCENARIO_2, make_network, make_structure, make_territory,
)

MEETING_DAY = datetime.date(2026, 12, 8)
# Measured with LibreOffice 7 (see the report of issue 11): a one-territory pack
# prints one page per sheet, 9 sheets; it printed 16 to 28 before.
ONE_TERRITORY_PACK_MAX_PAGES = 9


def _workbook(response):
    assert response.status_code == 200, response.data[:300]
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _download_name(response):
    return re.search(r"filename=\"?([^\";]+)", response.headers["Content-Disposition"]).group(1)


def assert_prints(sheet, title, day=None, header_row=None, landscape=None):
    """The print settings every Maillage sheet carries."""
    setup = sheet.page_setup
    assert setup.paperSize == 9, sheet.title  # A4
    if landscape is not None:
        assert (setup.orientation == "landscape") is landscape, sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert setup.fitToWidth in (None, 1), sheet.title  # one page wide (1 is left out)
    if header_row is not None:
        assert sheet.print_title_rows == f"${header_row}:${header_row}", sheet.title
    assert title in sheet.oddFooter.left.text, (sheet.title, sheet.oddFooter.left.text)
    assert sheet.oddFooter.center.text == "Page &P sur &N", sheet.title
    assert f"{day or datetime.date.today():%d/%m/%Y}" in sheet.oddFooter.right.text, sheet.title
    assert sheet.page_margins.left == pytest.approx(0.6) and sheet.page_margins.bottom == pytest.approx(0.8)


def printed(xlsx_bytes, tmp_path):
    """The workbook as LibreOffice prints it (a PdfReader)."""
    source = tmp_path / "dossier.xlsx"
    source.write_bytes(xlsx_bytes)
    return PdfReader(libreoffice_convert(source, "pdf", tmp_path))


def test_grid_export_prints_and_names_its_filters(app, as_role):
    poitiers = make_territory("RVC Poitiers")
    long_name = "Maisons départementales des solidarités (Vienne) — antenne de Châtellerault"
    make_structure(long_name, territory=poitiers, commune="Châtellerault")
    make_structure("Brigade de gendarmerie de Saint-Vit", territory=make_territory("Doubs"))
    browser = as_role("viewer")
    with app.test_request_context():
        view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "structure")
        url = view.filtered_url(("Territoire", str(poitiers.id)))
    response = browser.get(url.replace("/admin/structure/", "/admin/structure/export/xlsx/"))
    workbook = _workbook(response)
    sheet = workbook.active
    today = datetime.date.today()
    assert _download_name(response) == f"structures-rvc-poitiers-{today.isoformat()}.xlsx"
    assert sheet["A1"].value == "Structures"
    assert sheet["A2"].value.startswith("Filtres : ") and "RVC Poitiers" in sheet["A2"].value
    assert_prints(sheet, "Structures", header_row=GRID_HEADER_ROW + 1, landscape=True)
    header = [cell.value for cell in sheet[GRID_HEADER_ROW + 1]]
    rows = [list(row) for row in sheet.iter_rows(min_row=GRID_HEADER_ROW + 2, values_only=True)]
    assert [row[0] for row in rows] == [long_name]  # the filter held
    name_column = sheet.column_dimensions["A"]
    assert MAX_WIDTH <= name_column.width < MAX_WIDTH + 1  # as wide as allowed (xlsxwriter pads 0.71)…
    assert sheet.cell(GRID_HEADER_ROW + 2, 1).alignment.wrap_text  # …and wrapped, never cut
    assert sheet.row_dimensions[GRID_HEADER_ROW + 2].height >= 30  # two lines
    commune = header.index("Commune")
    assert sheet.cell(GRID_HEADER_ROW + 2, commune + 1).value == "Châtellerault"


def test_cost_lines_export_ends_with_a_live_total(as_role):
    with database.connection_context():
        load_seeds()
        count = CostLine.select().count()
    sheet = _workbook(as_role("viewer").get("/admin/costline/export/xlsx/")).active
    header = [cell.value for cell in sheet[GRID_HEADER_ROW + 1]]
    amount = header.index("Montant annuel") + 1 if "Montant annuel" in header else header.index("Montant") + 1
    total_row = GRID_HEADER_ROW + 2 + count
    letter = sheet.cell(1, amount).column_letter
    assert sheet.cell(total_row, amount).value == f"=SUM({letter}{GRID_HEADER_ROW + 2}:{letter}{total_row - 1})"
    assert sheet.cell(total_row, amount).number_format == "#,##0.00 €"
    assert "Total" in [sheet.cell(total_row, col).value for col in range(1, amount)]
    # A unit cost is no total: its column stays empty on the total row.
    if "Coût unitaire" in header:
        assert sheet.cell(total_row, header.index("Coût unitaire") + 1).value is None


def test_committee_pack_meeting_contents_summary_and_prints(as_role):
    with database.connection_context():
        load_seeds()
        ids = [str(s.id) for s in Scenario.select().where(Scenario.name << [SCENARIO_2, ASSOCIATIVE])
               .order_by(Scenario.id)]
    viewer = as_role("viewer")
    with database.connection_context():  # the account exists once logged in
        User.update(name="Camille Durand").where(User.email == "viewer@test.fr").execute()
    response = viewer.post("/admin/exports/", {
        "meeting_title": "Comité de suivi & bilan", "meeting_date": MEETING_DAY.isoformat(),
        "territory": "", "scenarios": ids})
    assert response.status_code == 302, response.data[:500]
    download = viewer.get(response.headers["Location"])
    assert _download_name(download) == "dossier-comite-comite-de-suivi-bilan-2026-12-08.xlsx"
    workbook = _workbook(download)
    cover = workbook["Page de garde"]
    assert cover["A1"].value == "Dossier du comité" and cover["A4"].value == "Comité de suivi & bilan"
    lines = {row[0]: row[1] for row in cover.iter_rows(min_row=5, values_only=True) if row[0]}
    assert lines["Réunion du"] == datetime.datetime(2026, 12, 8)
    assert lines["Préparé par"] == "Camille Durand"  # the person's name, not an email
    contents = [cell.value for cell in cover["A"] if cell.hyperlink]
    assert contents[:3] == ["Synthèse budgétaire", "Couverture du réseau", "Structures sans référent·e"]
    assert set(contents) <= set(workbook.sheetnames) and "Comparaison" in contents
    assert len(contents) == len(workbook.sheetnames) - 1 - 1  # all but the cover and the chart
    assert cover.page_setup.orientation == "portrait" and cover.page_setup.fitToHeight in (None, 1)
    title = "Dossier du comité — Comité de suivi && bilan"  # '&' doubled in a footer
    for sheet in workbook.worksheets:
        assert_prints(sheet, title, day=MEETING_DAY)
    summary = workbook["Synthèse budgétaire"]
    assert summary.page_setup.fitToHeight in (None, 1)  # one page
    header = [cell.value for cell in summary[4]]
    assert header[:3] == ["Scénario", "Opérateur", "Années"] and "Reste à financer" in header
    first = [cell.value for cell in summary[5]]
    assert first[0] == f"1. {SCENARIO_2}" and first[2] == "2026–2028"
    assert first[header.index("Total avec frais")].startswith("='1. ")
    values = openpyxl.load_workbook(io.BytesIO(download.data), data_only=True)["Synthèse budgétaire"]
    assert values.cell(6, header.index("Total avec frais") + 1).value == 109606.5
    assert values.cell(6, header.index("Taux de couverture") + 1).number_format == "0.00 %"
    with database.connection_context():
        pack = CommitteePack.get()
    assert pack.author == "Camille Durand"
    assert pack.filters.startswith("Réunion : Comité de suivi & bilan le 08/12/2026 ; Territoire")


def test_a_bad_meeting_date_or_title_is_refused_in_french(as_role):
    editor = as_role("editor")
    refused = editor.post("/admin/exports/", {"meeting_date": "31/02/2026"})
    assert refused.status_code == 400 and "sous la forme 08/12/2026" in refused.get_data(as_text=True)
    refused = editor.post("/admin/exports/", {"meeting_title": "x" * 121})
    assert refused.status_code == 400 and "120 caractères" in refused.get_data(as_text=True)
    with database.connection_context():
        assert CommitteePack.select().count() == 0


def test_one_territory_pack_prints_on_few_pages(as_role, tmp_path):
    territories, _structures = make_network()
    editor = as_role("editor")
    response = editor.post("/admin/exports/", {"territory": str(territories["RVC Poitiers"].id),
                                               "meeting_title": "Réunion de bassin"})
    content = editor.get(response.headers["Location"]).data
    pdf = printed(content, tmp_path)
    pages = len(pdf.pages)
    assert pages <= ONE_TERRITORY_PACK_MAX_PAGES, pages
    text = pdf.pages[0].extract_text()
    assert "Dossier du comité" in text and "Réunion de bassin" in text  # the title whole, not « Mailla|ge »
    assert "Page 1 sur" in text


def test_short_directory_for_a_territory_and_its_sub_territories(as_role):
    territories, structures = make_network()
    with database.connection_context():
        for name in ("CCAS de Poitiers", "Épicerie solidaire", "CIAS du Loudunais"):
            structures[name].telephone = "05 49 00 00 00"
            structures[name].save()
    viewer = as_role("viewer")
    poitiers = territories["RVC Poitiers"]
    response = viewer.get(f"/admin/exports/annuaire-court.xlsx?territory={poitiers.id}")
    assert _download_name(response) == f"annuaire-court-rvc-poitiers-{datetime.date.today().isoformat()}.xlsx"
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Bassin Poitiers-Nord", "RVC Poitiers"]  # Loudun is not inside
    for sheet in workbook.worksheets:
        header_row = int(sheet.print_title_rows.split(":")[0].strip("$"))
        assert_prints(sheet, "Annuaire court", header_row=header_row, landscape=True)
        assert all(cell.alignment.wrap_text for cell in sheet[header_row + 1] if cell.value)
    page = viewer.get(f"/admin/exports/annuaire-court/?territory={poitiers.id}").get_data(as_text=True)
    assert "Épicerie solidaire" in page and "CIAS du Loudunais" not in page
    assert page.index("3919") < page.index("CCAS de Poitiers")  # national numbers on top
    assert viewer.get("/admin/exports/annuaire-court/?territory=999999").status_code == 404
    css = viewer.get("/theme/static/short-directory.css").get_data(as_text=True)
    assert "size: A4" in css and "counter(pages)" in css


def test_scenario_sheet_names_keep_what_tells_them_apart():
    names = scenario_sheet_names([
        "ISCG Doubs 2023–2025 — France Victimes 25 Besançon",
        "ISCG Doubs 2023–2025 — France Victimes Nord Franche-Comté",
        "Scénario 2 — opérateur associatif", "Autre projet — opérateur associatif", "Court",
    ])
    assert names == ["1. France Victimes 25 Besançon", "2. France Victimes Nord…",
                     "3. Scénario 2 — opérateur…", "4. Autre projet — opérateur…", "5. Court"]
    assert all(len(name) <= 31 for name in names)
