"""The committee workbook: formulas, cached values, layout, and a recomputation
by LibreOffice proving the formulas give the documents' figures (issue 3)."""
import datetime
import os
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from models import Scenario, database
from models.budget import compare
from models.scenario_workbook import write_comparison_workbook
from seeds.loader import load_seeds
from tests.test_scenarios import ASSOCIATIVE, BESANCON, NORD, REINFORCED, SCENARIO_2

NAMES = (SCENARIO_2, ASSOCIATIVE, REINFORCED, BESANCON, NORD)
EXPORT_DAY = datetime.date(2026, 11, 23)
# LibreOffice trusts the values cached in an .xlsx unless told to recalculate.
RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture
def workbook_path(tmp_path):
    with database.connection_context():
        load_seeds()
        ids = ",".join(str(Scenario.get(Scenario.name == n).id) for n in NAMES)
        path = tmp_path / "comparaison.xlsx"
        write_comparison_workbook(str(path), compare(ids), "Claire Martin", EXPORT_DAY)
    return path


def rows_by_label(sheet):
    return {row[0].value: row for row in sheet.iter_rows(min_row=5) if row[0].value}


def figures(path):
    """Label → values of the five scenarios on the Comparaison sheet, as computed."""
    sheet = openpyxl.load_workbook(path, data_only=True)["Comparaison"]
    return {label: [c.value for c in row[1:6]] for label, row in rows_by_label(sheet).items()}


def check_pinned_figures(values):
    assert values["Total année 1"][:3] == [95310, 95310, 108510]
    assert values["Dépenses récurrentes (par an)"][0] == 88080
    assert values["Frais de gestion"][1] == 14296.5
    assert values["Total avec frais de gestion"][:2] == [95310, 109606.5]
    assert values["Total sur la durée"][0] == 271470
    assert values["Total avec frais sur la durée"][1] == 312190.5
    assert values["ETP"][:3] == [2, 2, 2.5]
    assert values["Total année 1"][3:] == [40000, 40000]
    assert values["Financements acquis"][3:] == [42000, 40000]
    assert values["Taux de couverture"][3:] == [105, 100]
    assert values["Reste à financer"][3:] == [-2000, 0]


def test_comparison_sheet_formulas_and_cached_values(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    assert workbook.sheetnames[0] == "Comparaison"
    assert workbook.sheetnames[1] == "1. Scénario 2 — coordination de"
    sheet = workbook["Comparaison"]
    rows = rows_by_label(sheet)
    assert rows["Personnel"][1].value == (
        "=SUMIF('1. Scénario 2 — coordination de'!$A$9:$A$18,$A$5,"
        "'1. Scénario 2 — coordination de'!$F$9:$F$18)"
    )
    assert rows["Total avec frais de gestion"][2].value.startswith("='2. Scénario 2 — opérateur assoc'!$F$")
    assert rows["Total avec frais de gestion"][6].value == "=C17-$B17"  # écart 2 / 1 (€)
    assert rows["Total avec frais de gestion"][7].value == '=IF($B17=0,"",(C17-$B17)/$B17*100)'
    assert sheet.freeze_panes == "B5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
    assert sheet.page_setup.fitToHeight == 0
    assert "Exporté le 23/11/2026" in sheet.oddFooter.left.text
    assert "&P" in sheet.oddFooter.right.text and "&N" in sheet.oddFooter.right.text
    assert rows["Total avec frais de gestion"][2].number_format == "#,##0.00 €"
    assert workbook.properties.title == "Comparaison de scénarios budgétaires"
    assert workbook.properties.creator == "Claire Martin"
    check_pinned_figures(figures(workbook_path))


def test_scenario_sheet_lines_totals_and_funding(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook["1. Scénario 2 — coordination de"]
    assert [c.value for c in sheet[8]] == [
        "Catégorie", "Désignation", "Quantité", "Unité", "Coût unitaire", "Montant annuel", "Ponctuel",
    ]
    assert sheet["B9"].value == "Coordinateur·trice, 1 ETP"
    assert sheet["F9"].value == "=ROUND(C9*E9,2)"
    assert sheet["F11"].value == 6000  # no quantity × unit cost: the amount itself
    assert sheet.freeze_panes == "A9"
    assert sheet.column_dimensions["B"].width > 50
    labels = {row[1].value: row[5].value for row in sheet.iter_rows(min_row=19) if row[1].value}
    assert labels["Dépenses récurrentes (par an)"] == '=SUMIF($G$9:$G$18,"Non",$F$9:$F$18)'
    assert labels["Frais de gestion"].startswith("=ROUND(F23*$B$3/100,2)")
    assert labels["Financements acquis"].startswith('=SUMIFS(')
    assert "Ville de Besançon" in [c.value for c in workbook["4. ISCG Doubs 2023–2025 — Franc"]["B"]]
    values = openpyxl.load_workbook(workbook_path, data_only=True)["1. Scénario 2 — coordination de"]
    assert values["F9"].value == 36000
    in_kind = [row[1].value for row in values.iter_rows() if row[0].value == "Mise à disposition"]
    assert "Mise à disposition des locaux" in in_kind


def test_native_clustered_bar_chart(workbook_path):
    with zipfile.ZipFile(workbook_path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
        drawing_rels = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert '<c:barDir val="bar"/>' in chart and '<c:grouping val="clustered"/>' in chart
    assert chart.count("<c:ser>") == 5
    assert "Comparaison!$A$5:$A$12" in chart
    assert "drawing" in drawing_rels  # on the Comparaison sheet


def soffice():
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) est requis en CI : apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) absent : recalcul non vérifié.")
    return found


def recalculate(path, tmp_path):
    """Have LibreOffice open, recalculate and save `path`; return the new file."""
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD)
    out = tmp_path / "recalculated"
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    return out / path.name


def test_libreoffice_recalculates_the_pinned_figures(workbook_path, tmp_path):
    # openpyxl keeps the formulas but drops every cached value, and a committee
    # member changes the rent of the association variant: LibreOffice must compute all.
    edited = openpyxl.load_workbook(workbook_path)
    sheet = edited["2. Scénario 2 — opérateur assoc"]
    assert sheet["B11"].value.startswith("Local")
    sheet["F11"] = 7000
    edited_path = tmp_path / "modifie.xlsx"
    edited.save(edited_path)
    values = figures(recalculate(edited_path, tmp_path))
    assert values["Locaux"][1] == 7000
    assert values["Total année 1"][1] == 96310
    assert values["Frais de gestion"][1] == 14446.5
    assert values["Total avec frais de gestion"][1] == 110756.5
    values["Total année 1"][1] = 95310  # the other figures are the documents' own
    values["Frais de gestion"][1] = 14296.5
    values["Total avec frais de gestion"][1] = 109606.5
    values["Total avec frais sur la durée"][1] = 312190.5
    check_pinned_figures(values)


def test_cli_export_scenarios(app, tmp_path):
    with database.connection_context():
        load_seeds()
        ids = [Scenario.get(Scenario.name == n).id for n in (SCENARIO_2, BESANCON)]
    runner = app.test_cli_runner()
    out = tmp_path / "export.xlsx"
    result = runner.invoke(args=["export-scenarios", str(out), "--ids", f"{ids[0]},{ids[1]}",
                                 "--author", "Comité de pilotage"])
    assert result.exit_code == 0, result.output
    assert "Classeur écrit" in result.output
    workbook = openpyxl.load_workbook(out, data_only=True)
    assert workbook.properties.creator == "Comité de pilotage"
    assert figures(out)["Total année 1"][:2] == [95310, 40000]
    for bad, message in ((str(ids[0]), "au moins 2"), ("1,x", "nombres"),
                         ("999998,999999", "introuvable")):
        result = runner.invoke(args=["export-scenarios", str(tmp_path / "non.xlsx"), "--ids", bad])
        assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "non.xlsx").exists()
