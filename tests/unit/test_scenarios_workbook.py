"""The committee workbook: formulas, cached values, layout, and a recomputation
by LibreOffice proving the formulas give the documents' figures (issue 3)."""
import datetime
import zipfile

import getpass
from decimal import Decimal

import openpyxl
import pytest

from models import FundingLine, Scenario, database
from models.budget import FUNDING_STATUSES, compare, totals_for
from documents.scenario_workbook import CASH_TOTAL_LABEL, write_comparison_workbook
from seeds.loader import load_seeds
from tests.helpers import ASSOCIATIVE, BESANCON, NORD, REINFORCED, SCENARIO_2, libreoffice_convert

NAMES = (SCENARIO_2, ASSOCIATIVE, REINFORCED, BESANCON, NORD)
EXPORT_DAY = datetime.date(2026, 11, 23)
# LibreOffice trusts the values cached in an .xlsx unless told to recalculate.


@pytest.fixture
def workbook_path(tmp_path):
    with database.connection_context():
        load_seeds()
        ids = ",".join(str(Scenario.get(Scenario.name == n).id) for n in NAMES)
        path = tmp_path / "comparaison.xlsx"
        write_comparison_workbook(str(path), compare(ids), "Claire Martin", EXPORT_DAY)
    return path


@pytest.fixture
def mixed_funding_path(tmp_path):
    """Scénario 2 (pistes without amounts) and Besançon (42 000 € acquis) with, added,
    a request, a priced lead, an unpriced lead and an acquired in-kind line."""
    with database.connection_context():
        load_seeds()
        besancon = Scenario.get(Scenario.name == BESANCON)
        for funder, kind, status, amount in (
            ("CAF", "subvention", "sollicite", "3000"),
            ("Fondation de France", "subvention", "piste", "1500"),
            ("Fondation RAJA", "subvention", "piste", None),
            ("Ville de Besançon — locaux", "mise_a_disposition", "acquis", "600"),
        ):
            FundingLine.create(scenario=besancon, funder=funder, kind=kind, status=status,
                               amount=Decimal(amount) if amount else None)
        totals = totals_for(besancon)
        assert totals.by_status == {
            "piste": Decimal("1500"), "sollicite": Decimal("3000"), "acquis": Decimal("42000.00"),
        }
        assert (totals.cash_total, totals.in_kind) == (Decimal("46500.00"), Decimal("600"))
        scenario_2 = Scenario.get(Scenario.name == SCENARIO_2)
        path = tmp_path / "financements.xlsx"
        write_comparison_workbook(str(path), compare(f"{scenario_2.id},{besancon.id}"),
                                  "Claire Martin", EXPORT_DAY)
    return path


FUNDING_TOTAL_LABELS = [label for _, label in FUNDING_STATUSES] + [CASH_TOTAL_LABEL]


def funding_totals(sheet):
    """Label → amount cell of the totals under a scenario sheet's funding lines."""
    return {
        row[1].value: row[5] for row in sheet.iter_rows()
        if row[0].value is None and row[1].value in FUNDING_TOTAL_LABELS
    }


def funding_rows(sheet):
    """Funder → row of a scenario sheet's funding lines."""
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Nature")
    lines = {}
    for row in sheet.iter_rows(min_row=header + 1):
        if row[0].value is None:  # the totals
            return lines
        lines[row[1].value] = row
    return lines


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
    assert values["Taux de couverture"][3:] == [1.05, 1]  # fractions, shown as 105,00 %
    assert values["Reste à financer"][3:] == [-2000, 0]


def test_comparison_sheet_formulas_and_cached_values(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    assert workbook.sheetnames[0] == "Comparaison"
    assert workbook.sheetnames[1] == "1. coordination des acteurs…"
    sheet = workbook["Comparaison"]
    rows = rows_by_label(sheet)
    assert rows["Personnel"][1].value == (
        "=SUMIF('1. coordination des acteurs…'!$A$9:$A$18,$A$8,"
        "'1. coordination des acteurs…'!$F$9:$F$18)"
    )
    assert rows["Total avec frais de gestion"][2].value.startswith("='2. opérateur associatif'!$F$")
    assert rows["Total avec frais de gestion"][6].value == "=C20-$B20"  # différence 2 − 1 (€)
    assert rows["Total avec frais de gestion"][7].value == '=IF($B20=0,"",(C20-$B20)/$B20)'
    assert sheet.freeze_panes == "B6"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
    assert sheet.page_setup.fitToHeight in (None, 1)  # one page: 1 is the default, left out
    assert sheet.page_setup.paperSize == 9 and sheet.print_title_rows == "$5:$5"
    header = [cell.value for cell in sheet[5]]
    assert header[6] == f"Différence avec {SCENARIO_2} (€)" and header[7] == f"Différence avec {SCENARIO_2} (%)"
    assert sheet["G4"].value == f"2. {ASSOCIATIVE}"  # the scenario each pair of columns compares
    years = rows_by_label(sheet)
    assert [c.value for c in years["Année de début"][1:6]] == [
        "='1. coordination des acteurs…'!$B$5", "='2. opérateur associatif'!$B$5",
        "='3. accueil renforcé (+0,5 ETP…'!$B$5", "='4. France Victimes 25 Besançon'!$B$5",
        "='5. France Victimes Nord…'!$B$5"]
    assert rows["Taux de couverture"][4].number_format == "0.00 %"
    assert rows["Total avec frais de gestion"][7].number_format == "0.00 %"
    assert "Comparaison de scénarios budgétaires" in sheet.oddFooter.left.text
    assert "23/11/2026" in sheet.oddFooter.right.text
    assert sheet.oddFooter.center.text == "Page &P sur &N"
    assert rows["Total avec frais de gestion"][2].number_format == "#,##0.00 €"
    assert workbook.properties.title == "Comparaison de scénarios budgétaires"
    assert workbook.properties.creator == "Claire Martin"
    check_pinned_figures(figures(workbook_path))


def test_scenario_sheet_lines_totals_and_funding(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook["1. coordination des acteurs…"]
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
    assert labels["Frais de gestion"].startswith("=ROUND(F23*$B$3,2)")
    assert labels["Financements acquis"].startswith('=SUMIFS(')
    assert "Ville de Besançon" in [c.value for c in workbook["4. France Victimes 25 Besançon"]["B"]]
    values = openpyxl.load_workbook(workbook_path, data_only=True)["1. coordination des acteurs…"]
    assert values["F9"].value == 36000
    in_kind = [row[1].value for row in values.iter_rows() if row[0].value == "Mise à disposition"]
    assert "Mise à disposition des locaux" in in_kind


def test_funding_totals_per_status_under_the_funding_lines(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    values = openpyxl.load_workbook(workbook_path, data_only=True)
    assert FUNDING_TOTAL_LABELS == ["Piste", "Sollicité", "Acquis", CASH_TOTAL_LABEL]
    # Scénario 2: 22 lines from row 37, all leads, none priced yet.
    sheet = workbook["1. coordination des acteurs…"]
    totals = funding_totals(sheet)
    assert list(totals) == FUNDING_TOTAL_LABELS
    assert [cell.row for cell in totals.values()] == [59, 60, 61, 62]
    assert totals["Piste"].value == (
        '=SUMIFS($F$37:$F$58,$A$37:$A$58,"Subvention",$C$37:$C$58,"Piste")'
    )
    assert totals["Sollicité"].value.endswith(',$C$37:$C$58,"Sollicité")')
    assert totals[CASH_TOTAL_LABEL].value == '=SUMIFS($F$37:$F$58,$A$37:$A$58,"Subvention")'
    for cell in totals.values():
        assert cell.number_format == "#,##0.00 €" and cell.font.b
        assert cell.border.top.style == "thin"
        assert sheet.cell(cell.row, 2).font.b
    cached = funding_totals(values["1. coordination des acteurs…"])
    assert [cell.value for cell in cached.values()] == [0, 0, 0, 0]
    # Besançon: 42 000 € acquis; the acquired total above still sums the same lines.
    sheet = workbook["4. France Victimes 25 Besançon"]
    totals = funding_totals(sheet)
    assert totals["Acquis"].value == (
        '=SUMIFS($F$28:$F$30,$A$28:$A$30,"Subvention",$C$28:$C$30,"Acquis")'
    )
    labels = {row[1].value: row[5].value for row in sheet.iter_rows() if row[0].value is None}
    assert labels["Financements acquis"] == totals["Acquis"].value
    assert labels["Total sur la durée"] == "=SUM(E38:E40)"  # the projection, below the totals
    assert sheet["A36"].value == "Projection pluriannuelle"
    cached = funding_totals(values["4. France Victimes 25 Besançon"])
    assert [cell.value for cell in cached.values()] == [0, 0, 42000, 42000]
    check_pinned_figures(figures(workbook_path))


def test_funding_totals_in_several_statuses(mixed_funding_path):
    workbook = openpyxl.load_workbook(mixed_funding_path)
    sheet = workbook["2. France Victimes 25 Besançon"]
    lines = funding_rows(sheet)
    assert [row[2].value for row in lines.values()] == [
        "Acquis", "Acquis", "Acquis", "Sollicité", "Piste", "Piste", "Acquis",
    ]
    assert lines["Ville de Besançon — locaux"][0].value == "Mise à disposition"
    assert lines["Fondation RAJA"][5].value is None  # a lead still to be priced
    first, last = min(r[0].row for r in lines.values()), max(r[0].row for r in lines.values())
    totals = funding_totals(sheet)
    assert [cell.row for cell in totals.values()] == [last + 1, last + 2, last + 3, last + 4]
    assert totals["Sollicité"].value == (
        f'=SUMIFS($F${first}:$F${last},$A${first}:$A${last},"Subvention",'
        f'$C${first}:$C${last},"Sollicité")'
    )
    values = openpyxl.load_workbook(mixed_funding_path, data_only=True)
    cached = funding_totals(values["2. France Victimes 25 Besançon"])
    # Cash only, as on the scenario's page: the 600 € of premises stay out.
    assert {label: cell.value for label, cell in cached.items()} == {
        "Piste": 1500, "Sollicité": 3000, "Acquis": 42000, CASH_TOTAL_LABEL: 46500,
    }
    assert figures(mixed_funding_path)["Financements acquis"][:2] == [0, 42000]
    assert figures(mixed_funding_path)["Mises à disposition (valorisées, hors financements)"][1] == 600


def test_native_clustered_chart_on_its_own_page(workbook_path):
    with zipfile.ZipFile(workbook_path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert '<c:barDir val="col"/>' in chart and '<c:grouping val="clustered"/>' in chart
    assert chart.count("<c:ser>") == 5
    assert "Comparaison!$A$8:$A$15" in chart
    # The legend lists the series as written: the scenarios' order, numbered.
    names = [chart.index(f"<c:v>{n}. ") for n in range(1, 6)]
    assert names == sorted(names)
    workbook = openpyxl.load_workbook(workbook_path)
    assert len(workbook["Graphique"]._charts) == 1 and not workbook["Comparaison"]._charts
    sheet = workbook["Graphique"]
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToHeight in (None, 1)
    assert sheet.print_title_rows is None  # no table header printed over the chart


def recalculate(path, tmp_path):
    """Have LibreOffice open, recalculate and save `path`; return the new file."""
    return libreoffice_convert(path, "xlsx", tmp_path, recalculate=True, timeout=180)


def test_libreoffice_recalculates_the_pinned_figures(workbook_path, tmp_path):
    # openpyxl keeps the formulas but drops every cached value, and a committee
    # member changes the rent of the association variant: LibreOffice must compute all.
    edited = openpyxl.load_workbook(workbook_path)
    sheet = edited["2. opérateur associatif"]
    assert sheet["B11"].value.startswith("Local")
    sheet["F11"] = 7000
    edited_path = tmp_path / "modifie.xlsx"
    edited.save(edited_path)
    recalculated = recalculate(edited_path, tmp_path)
    values = figures(recalculated)
    assert values["Locaux"][1] == 7000
    assert values["Total année 1"][1] == 96310
    assert values["Frais de gestion"][1] == 14446.5
    assert values["Total avec frais de gestion"][1] == 110756.5
    values["Total année 1"][1] = 95310  # the other figures are the documents' own
    values["Frais de gestion"][1] = 14296.5
    values["Total avec frais de gestion"][1] = 109606.5
    values["Total avec frais sur la durée"][1] = 312190.5
    check_pinned_figures(values)
    computed = openpyxl.load_workbook(recalculated, data_only=True)
    totals = funding_totals(computed["4. France Victimes 25 Besançon"])
    assert [cell.value for cell in totals.values()] == [0, 0, 42000, 42000]


def test_libreoffice_moves_a_funding_line_between_status_totals(mixed_funding_path, tmp_path):
    # A committee member learns the city's 2 000 € are only requested, and prices a lead.
    edited = openpyxl.load_workbook(mixed_funding_path)
    sheet = edited["2. France Victimes 25 Besançon"]
    lines = funding_rows(sheet)
    lines["Ville de Besançon"][2].value = "Sollicité"
    lines["Fondation RAJA"][5].value = 500
    edited_path = tmp_path / "modifie.xlsx"
    edited.save(edited_path)
    recalculated = recalculate(edited_path, tmp_path)
    computed = openpyxl.load_workbook(recalculated, data_only=True)
    totals = funding_totals(computed["2. France Victimes 25 Besançon"])
    assert {label: cell.value for label, cell in totals.items()} == {
        "Piste": 2000, "Sollicité": 5000, "Acquis": 40000, CASH_TOTAL_LABEL: 47000,
    }
    values = figures(recalculated)
    assert values["Financements acquis"][:2] == [0, 40000]
    assert values["Taux de couverture"][1] == 1
    assert values["Reste à financer"][1] == 0
    assert values["Mises à disposition (valorisées, hors financements)"][1] == 600


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
        assert result.output.startswith("Erreur : ")  # not Click's English "Error:"
    assert not (tmp_path / "non.xlsx").exists()


def test_cli_export_scenarios_author_defaults_to_the_login(app, tmp_path, monkeypatch):
    with database.connection_context():
        load_seeds()
        ids = ",".join(str(Scenario.get(Scenario.name == n).id) for n in (SCENARIO_2, BESANCON))
    runner = app.test_cli_runner()
    monkeypatch.setattr(getpass, "getuser", lambda: "cmartin")
    out = tmp_path / "session.xlsx"
    result = runner.invoke(args=["export-scenarios", str(out), "--ids", ids])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).properties.creator == "cmartin"
    assert "par cmartin" in openpyxl.load_workbook(out)["Comparaison"]["A2"].value

    def no_login():
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_login)
    out = tmp_path / "sans-session.xlsx"
    result = runner.invoke(args=["export-scenarios", str(out), "--ids", ids])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).properties.creator == "Maillage"
