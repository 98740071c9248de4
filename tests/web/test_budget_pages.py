"""Typed funders, amounts per year and the CERFA summary through the panel (issue 11)."""
import html
import re
from decimal import Decimal

import pytest

from models import CostLine, FundingLine, database
from models.budget import FundingYear
from tests.helpers import BESANCON, SCENARIO_2, form_of
from tests.web.test_scenarios_pages import ids  # noqa: F401 (the seeded scenarios' ids, a fixture)


def text(response):
    """The page's text, tags out."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def test_scenario_page_shows_the_plan_year_by_year_and_the_cerfa_totals(as_role, ids):
    page = text(as_role("viewer").get(f"/admin/scenario/details/?id={ids[BESANCON]}"))
    plan = page[page.index("Plan de financement année par année"):]
    assert [year in plan[:800] for year in ("2023", "2024", "2025")] == [True, True, True]
    assert "État — FIPDR" in plan and "Ville de Besançon" in plan
    assert "Reste à financer (dépenses − acquis)" in plan
    assert "−2\u202f000,00\u00a0€" in plan or "-2\u202f000,00\u00a0€" in plan
    kinds = page[page.index("Par type de financeur"):page.index("Plan de financement")]
    assert "Commune / EPCI" in kinds and "2\u202f000,00\u00a0€" in kinds
    assert "Budget prévisionnel (CERFA n° 12156), 2023" in page
    assert "Charges\u00a0: 42\u202f000,00\u00a0€" in page
    page_2 = text(as_role("viewer").get(f"/admin/scenario/details/?id={ids[SCENARIO_2]}"))
    assert "investissement, hors budget de fonctionnement\u00a0: 7\u202f230,00\u00a0€" in page_2


def test_funding_line_form_edits_its_amounts_per_year(as_role, ids):
    editor = as_role("editor")
    with database.connection_context():
        ville = FundingLine.get(FundingLine.funder == "Ville de Besançon")
    url = f"/admin/fundingline/edit/?id={ville.id}"
    page = editor.get(url)
    assert "Type de financeur" in text(page) and "Montant d'une année" in text(page)
    form = form_of(page).values
    years = {form[f"years-{i}-year"][0]: i for i in range(3)}
    assert sorted(years) == ["2023", "2024", "2025"]
    form[f"years-{years['2025']}-amount"] = ["1500,00"]
    form[f"years-{years['2025']}-status"] = ["sollicite"]
    form["funder_kind"] = ["commune"]
    response = editor.post(url, {k: v for k, v in form.items() if k != "csrf_token"}, follow_redirects=True)
    assert response.status_code == 200
    with database.connection_context():
        row = FundingYear.get(FundingYear.funding_line == ville.id, FundingYear.year == 2025)
        assert (row.amount, row.status) == (Decimal("1500.00"), "sollicite")
    page = text(editor.get(f"/admin/scenario/details/?id={ids[BESANCON]}"))
    plan = page[page.index("Plan de financement année par année"):]
    assert "1\u202f500,00\u00a0€" in plan and "Sollicité" in plan


def test_a_second_amount_for_the_same_year_is_refused_in_french(as_role, ids):
    editor = as_role("editor")
    with database.connection_context():
        ville = FundingLine.get(FundingLine.funder == "Ville de Besançon")
    url = f"/admin/fundingline/edit/?id={ville.id}"
    form = form_of(editor.get(url)).values
    form.update({"years-3-year": ["2024"], "years-3-amount": ["10"], "years-3-status": [""]})
    response = editor.post(url, {k: v for k, v in form.items() if k != "csrf_token"}, follow_redirects=True)
    assert response.status_code == 200
    assert "L'année 2024 a déjà son montant sur cette ligne" in text(response)
    with database.connection_context():
        assert FundingYear.select().where(FundingYear.funding_line == ville.id).count() == 3


def test_cost_line_account_on_its_form(as_role, ids):
    editor = as_role("editor")
    response = editor.post("/admin/costline/new/", {
        "scenario": str(ids[SCENARIO_2]), "category": "Fonctionnement", "designation": "Assurance",
        "amount": "300", "account": "61",
    }, follow_redirects=True)
    assert response.status_code == 200
    with database.connection_context():
        assert CostLine.get(CostLine.designation == "Assurance").account == "61"
    assert "Compte (CERFA)" in text(editor.get("/admin/costline/new/"))


def plan_post(browser, scenario_id, cells):
    page = browser.get(f"/admin/scenario/plan/?id={scenario_id}")
    form = form_of(page).values
    form.update({name: [value] for name, value in cells.items()})
    return browser.post(f"/admin/scenario/plan/?id={scenario_id}",
                        {k: v for k, v in form.items() if k != "csrf_token"}, follow_redirects=True)


def year_rows(line_id):
    with database.connection_context():
        return {(r.year, r.amount, r.status) for r in FundingYear.select().where(FundingYear.funding_line == line_id)}


def test_scenario_page_grid_edits_every_line_year_by_year(as_role, ids):
    editor = as_role("editor")
    details = text(editor.get(f"/admin/scenario/details/?id={ids[BESANCON]}"))
    assert "Modifier les montants par année" in details
    with database.connection_context():
        etat = FundingLine.get(FundingLine.funder == "État — FIPDR").id
        cd = FundingLine.get(FundingLine.funder == "Conseil départemental du Doubs").id
    response = plan_post(editor, ids[BESANCON], {
        f"amount-{etat}-2025": "18 000,00", f"status-{etat}-2025": "sollicite",
        f"amount-{cd}-2024": "",  # back to the line's yearly amount
    })
    assert "Montants par année enregistrés (2 changement(s))" in text(response)
    assert (2025, Decimal("18000.00"), "sollicite") in year_rows(etat)
    assert {year for year, _, _ in year_rows(cd)} == {2023, 2025}
    plan = text(response)[text(response).index("Plan de financement année par année"):]
    assert "18\u202f000,00\u00a0€" in plan


@pytest.mark.parametrize("cells, message", [
    ({"amount-{etat}-2025": "beaucoup"}, "montant illisible « beaucoup »"),
    ({"amount-{etat}-2025": "-5"}, "ne peut pas être négatif"),
    ({"amount-{etat}-2025": "", "status-{etat}-2025": "acquis"}, "indiquez le montant de l'année"),
    ({"status-{etat}-2024": "promis"}, "statut inconnu"),
])
def test_scenario_page_grid_refuses_bad_cells_and_saves_nothing(as_role, ids, cells, message):
    editor = as_role("editor")
    with database.connection_context():
        etat = FundingLine.get(FundingLine.funder == "État — FIPDR").id
    before = year_rows(etat)
    cells = {name.format(etat=etat): value for name, value in cells.items()}
    cells[f"amount-{etat}-2023"] = "1"  # a good cell beside: not saved either
    response = plan_post(editor, ids[BESANCON], cells)
    assert response.status_code == 200
    assert "Rien n'est enregistré" in text(response) and message in text(response)
    assert year_rows(etat) == before


def test_viewers_cannot_edit_the_plan(as_role, ids):
    viewer = as_role("viewer")
    response = viewer.get(f"/admin/scenario/plan/?id={ids[BESANCON]}", follow_redirects=True)
    assert "Seul·e·s les éditeur·rice·s peuvent modifier les montants par année" in text(response)
    assert "Modifier les montants par année" not in text(viewer.get(f"/admin/scenario/details/?id={ids[BESANCON]}"))


def test_a_post_without_the_cells_changes_nothing(as_role, ids):
    editor = as_role("editor")
    with database.connection_context():
        etat = FundingLine.get(FundingLine.funder == "État — FIPDR").id
    before = year_rows(etat)
    response = editor.post(f"/admin/scenario/plan/?id={ids[BESANCON]}", {"id": "1"}, follow_redirects=True)
    assert "(0 changement(s))" in text(response)
    assert year_rows(etat) == before
