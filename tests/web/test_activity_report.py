"""The yearly activity report (bilan d'activité, issue 11) on the hand-built network:
the XLSX read back with openpyxl, the PDF read back with pypdf, the archive, the CLI
command, access rules."""
import datetime
import io
import os
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from models import Attendance, Meeting, Referent, Structure, Training, database
from models.activity_report import ActivityReport, activity_figures, referent_movements
from models.network import coverage_for
from tests.helpers import make_network


@pytest.fixture
def network():
    """make_network (its 2-half-day training « Repérer », 01/10/2026, no territory: Durand
    and Vert present, Noir absent) + a 1-half-day training in RVC Loudun (Vert and Petit
    present) + three meetings; the CIAS typed CIAS, the others ASSO."""
    territories, structures = make_network()
    with database.connection_context():
        Structure.update(typologie="CIAS").where(Structure.nom == "CIAS du Loudunais").execute()
        loudun = Training.create(date=datetime.date(2026, 3, 10), theme="Orienter", half_days=1,
                                 territory=territories["RVC Loudun"])
        for nom in ("Vert", "Petit"):
            Attendance.create(training=loudun, referent=Referent.get(Referent.nom == nom))
        Meeting.create(date=datetime.date(2026, 2, 1), kind="cellule_operationnelle",
                       territory=territories["RVC Poitiers"])
        Meeting.create(date=datetime.date(2026, 4, 1), kind="comite_suivi",
                       territory=territories["Bassin Poitiers-Nord"])
        Meeting.create(date=datetime.date(2026, 4, 2), kind="comite_suivi", territory=territories["Ailleurs"])
    return territories


def sheet_rows(workbook, name):
    return [[cell for cell in row] for row in workbook[name].iter_rows(min_row=5, values_only=True)]


def row_of(rows, label):
    return next(row for row in rows if row[0] == label or (row[0] or "").startswith(label))


def test_figures_for_a_territory_include_its_sub_territories(network):
    with database.connection_context():
        vienne = activity_figures(2026, network["Vienne"], today=datetime.date(2026, 12, 31))
        whole = activity_figures(2026, None, today=datetime.date(2026, 12, 31))
        assert (vienne.follow_up.sessions.held, vienne.follow_up.half_days.held) == (1, 1)
        assert (whole.follow_up.sessions.held, whole.follow_up.half_days.held) == (2, 3)
        assert [(r.code, r.people, r.half_days) for r in vienne.typologies] == [("ASSO", 1, 1), ("CIAS", 1, 1)]
        assert [(r.code, r.people, r.half_days) for r in whole.typologies] == [("ASSO", 2, 3), ("CIAS", 1, 3)]
        assert sum(m.count for m in vienne.meetings) == 2 and sum(m.count for m in whole.meetings) == 3
        assert (vienne.coverage.welcoming, vienne.coverage.covered) == (5, 3)
        assert vienne.coverage.covered == coverage_for(network["Vienne"]).covered
        assert [row.name for row in vienne.coverage_rows] == [
            "Vienne", "RVC Loudun", "RVC Poitiers", "Bassin Poitiers-Nord"]
        assert vienne.follow_up.training_cost == 350


def test_movements_come_from_the_audit_history(network):
    year = datetime.date.today().year
    with database.connection_context():
        before = referent_movements(year, network["Vienne"])
        # make_network named 6 référent·e·s in the Vienne this year (Gris has no territory)
        assert before.created == 6
        petit = Referent.get(Referent.nom == "Petit")
        petit.actif = False
        petit.save()
        after = referent_movements(year, network["Vienne"])
        assert (after.deactivated, after.net) == (1, 5)
        assert referent_movements(year, network["Ailleurs"]).created == 0
        assert referent_movements(year - 1).created == 0


def test_xlsx_report_is_archived_and_has_the_figures(as_role, network):
    viewer = as_role("viewer")
    response = viewer.get(f"/admin/bilan/generer/?year=2026&territory={network['Vienne'].id}&format=xlsx")
    assert response.status_code == 200, response.data[:300]
    assert "bilan-activite-2026-territoire-" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Synthèse", "Budget", "Formations", "Participants par typologie",
                                   "Réunions", "Couverture", "Mouvements"]
    summary = sheet_rows(workbook, "Synthèse")
    assert row_of(summary, "Formations : sessions")[1] == 1
    assert row_of(summary, "Formations : demi-journées")[1] == 1
    typologies = sheet_rows(workbook, "Participants par typologie")
    assert sorted((r[1], r[2]) for r in typologies if r[0]) == [(1, 1), (1, 1)]
    meetings = sheet_rows(workbook, "Réunions")
    assert sum(r[2] for r in meetings if r[0]) == 2
    coverage = sheet_rows(workbook, "Couverture")
    assert row_of(coverage, "Vienne")[2:5] == (5, 3, 60) or list(row_of(coverage, "Vienne")[2:5]) == [5, 3, 60]
    trainings = sheet_rows(workbook, "Formations")
    assert [r[1] for r in trainings if r[1]] == ["Orienter"]
    with database.connection_context():
        archived = ActivityReport.get()
        assert bytes(archived.content) == response.data and archived.author == "viewer@test.fr"
        assert archived.year == 2026 and archived.territory_id == network["Vienne"].id
    again = viewer.get(f"/admin/bilan/{archived.id}/")
    assert again.status_code == 200 and again.data == response.data
    assert archived.filename in viewer.get("/admin/bilan/").get_data(as_text=True)


def test_pdf_report_reads_back(as_role, network):
    response = as_role("viewer").get("/admin/bilan/generer/?year=2026&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    if os.environ.get("MAILLAGE_PAPERS_DIR"):
        Path(os.environ["MAILLAGE_PAPERS_DIR"], "bilan.pdf").write_bytes(response.data)
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Bilan d'activité 2026 — Tout le réseau" in text
    for expected in ("Orienter", "Repérer", "Cellule opérationnelle", "Comité de suivi", "RVC Poitiers",
                     f"page 1 sur {len(reader.pages)}"):
        assert expected in text, expected
    assert "Durand" not in text  # aggregates only: nobody named
    assert 1 <= len(reader.pages) <= 4


def test_bad_input_is_refused_in_french_and_anonymous_is_sent_to_login(browser, as_role, network):
    viewer = as_role("viewer")
    for query in ("year=abc", "year=1800", "year=2026&territory=999999"):
        response = viewer.get(f"/admin/bilan/generer/?{query}&format=xlsx")
        assert response.status_code == 302, query
    assert viewer.get("/admin/bilan/generer/?year=2026&format=docx").status_code == 404
    assert viewer.get("/admin/bilan/999999/").status_code == 404
    with database.connection_context():
        assert ActivityReport.select().count() == 0
    response = browser.get("/admin/bilan/generer/?year=2026&format=pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cli_report_writes_xlsx_or_pdf_by_extension(app, network, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "--year", "2026", "--territory", str(network["Vienne"].id),
                                 str(tmp_path / "bilan.xlsx")])
    assert result.exit_code == 0, result.output
    assert "Bilan écrit" in result.output and "Base utilisée" in result.output
    workbook = openpyxl.load_workbook(tmp_path / "bilan.xlsx")
    assert row_of(sheet_rows(workbook, "Synthèse"), "Formations : sessions")[1] == 1
    result = runner.invoke(args=["report", "--year", "2026", str(tmp_path / "bilan.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bilan.pdf").read_bytes().startswith(b"%PDF-")
    result = runner.invoke(args=["report", "--year", "2026", str(tmp_path / "bilan.odt")])
    assert result.exit_code != 0 and ".xlsx ou .pdf" in result.output
    result = runner.invoke(args=["report", "--year", "2026", "--territory", "999999", str(tmp_path / "b.pdf")])
    assert result.exit_code != 0 and "Territoire introuvable" in result.output
    with database.connection_context():
        assert ActivityReport.select().count() == 2
