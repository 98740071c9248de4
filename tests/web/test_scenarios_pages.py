"""Scenario pages through the panel: list figures, comparison, detail, copies,
variants, and who may do what (issue 3)."""
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from models import CostLine, Scenario, database
from models.budget import totals_for
from seeds.loader import load_seeds

from tests.helpers import ASSOCIATIVE, BESANCON, NORD, REINFORCED, SCENARIO_2


@pytest.fixture
def ids():
    """Seed the scenarios; name → id."""
    with database.connection_context():
        load_seeds()
        return {s.name: s.id for s in Scenario.select()}


def text(response):
    return html.unescape(response.get_data(as_text=True))


def id_list(ids, *names):
    return ",".join(str(ids[n]) for n in names)


def counts():
    with database.connection_context():
        return Scenario.select().count(), CostLine.select().count()


def test_list_shows_and_sorts_on_figures(as_role, ids):
    browser = as_role("viewer")
    page = text(browser.get("/admin/scenario/?sort=3&desc=1"))  # total with overhead
    assert "109\u202f606,50\xa0€" in page and "105,00\xa0%" in page
    names = [n for n in re.findall(r"<td[^>]*>\s*([^<]+?)\s*</td>", page) if n in ids]
    assert names[:3] == [ASSOCIATIVE, REINFORCED, SCENARIO_2]
    page = text(browser.get("/admin/scenario/?sort=5&desc=1"))  # coverage
    names = [n for n in re.findall(r"<td[^>]*>\s*([^<]+?)\s*</td>", page) if n in ids]
    assert names[:2] == [BESANCON, NORD]


def test_comparison_page(as_role, ids):
    browser = as_role("viewer")
    response = browser.get(f"/admin/scenario/compare/?ids={id_list(ids, SCENARIO_2, ASSOCIATIVE, REINFORCED)}")
    page = text(response)
    assert response.status_code == 200
    for expected in (
        "95\u202f310,00\xa0€", "109\u202f606,50\xa0€", "+14\u202f296,50\xa0€ (+15,00\xa0%)", "+13\u202f200,00\xa0€ (+13,85\xa0%)",
        "271\u202f470,00\xa0€", "312\u202f190,50\xa0€", "Taux de couverture", "Reste à financer", "<svg",
    ):
        assert expected in page, expected
    assert "<script" not in page.split('id="chart-title"')[1].split("</svg>")[0]
    assert "cdn" not in page.lower()


def test_compare_is_a_list_action_for_viewers(as_role, ids):
    browser = as_role("viewer")
    rows = [str(ids[SCENARIO_2]), str(ids[BESANCON])]
    response = browser.post("/admin/scenario/action/", {"action": "compare", "rowid": rows},
                            form_url="/admin/scenario/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/scenario/compare/?ids={','.join(rows)}")


@pytest.mark.parametrize("query, message", [
    ("ids=1", "Choisissez au moins 2 scénarios"),
    ("", "Choisissez au moins 2 scénarios"),
    ("ids=1,2,3,4,5,6,7", "au plus 6 scénarios"),
    ("ids=1,abc", "nombres séparés par des virgules"),
    ("ids=999998,999999", "introuvable(s) : n° 999998, 999999"),
])
@pytest.mark.parametrize("page", ["compare", "compare/xlsx"])
def test_bad_comparison_requests_get_a_french_message(as_role, ids, query, message, page):
    response = as_role("viewer").get(f"/admin/scenario/{page}/?{query}", follow_redirects=True)
    assert response.status_code == 200
    assert "Comparaison impossible" in text(response) and message in text(response)


def test_empty_scenarios_compare_with_a_warning(as_role):
    with database.connection_context():
        empty, other = Scenario.create(name="Vide"), Scenario.create(name="Vide aussi")
    response = as_role("viewer").get(f"/admin/scenario/compare/?ids={empty.id},{other.id}")
    assert response.status_code == 200
    assert "« Vide » est vide : aucune ligne budgétaire." in text(response)
    response = as_role("viewer").get(f"/admin/scenario/compare/xlsx/?ids={empty.id},{other.id}")
    assert response.status_code == 200


def test_detail_page_shows_figures_and_funding(as_role, ids):
    page = text(as_role("viewer").get(f"/admin/scenario/details/?id={ids[BESANCON]}"))
    for expected in ("Ville de Besançon", "2\u202f000,00\xa0€", "42\u202f000,00\xa0€", "105,00\xa0%",
                     "excédent : <strong>2\u202f000,00\xa0€", "120\u202f000,00\xa0€"):
        assert expected in page, expected
    funding = page.split("<h2 class=\"h5 mt-4\">Financements")[1].split("</table>")[0]
    total_row = re.findall(r"<td[^>]*>([^<]*)</td>", funding.split("<td>Total</td>")[1])
    assert total_row == ["0,00\xa0€", "0,00\xa0€", "42\u202f000,00\xa0€", "42\u202f000,00\xa0€"]  # piste, sollicité, acquis, total
    assert "Dupliquer" not in page and "Créer une variante" not in page  # a viewer
    assert "<b>None</b>" not in page and "<b>N°</b>" not in page  # no internal id on a record's page
    assert "(avec l'investissement)" not in page  # ISCG has no one-off line
    page = text(as_role("editor").get(f"/admin/scenario/details/?id={ids[SCENARIO_2]}"))
    assert "Mise à disposition des locaux" in page and "Créer une variante" in page
    assert "(avec l'investissement)" in page
    page = text(as_role("viewer").get(f"/admin/scenario/details/?id={ids[ASSOCIATIVE]}"))
    assert "15,00\xa0% (taux par défaut de l'opérateur)" in page


def test_duplicate_action(as_role, ids):
    browser = as_role("editor")
    response = browser.post("/admin/scenario/action/", {"action": "duplicate", "rowid": [ids[BESANCON]]},
                            form_url="/admin/scenario/", follow_redirects=True)
    assert "Copie(s) créée(s)" in text(response)
    with database.connection_context():
        copy = Scenario.get(Scenario.name == f"{BESANCON} (copie)")
        assert totals_for(copy).acquired == Decimal("42000.00")


@pytest.mark.parametrize("rowid", ["999999", "abc", "99999999999999999999"])
def test_duplicate_of_no_scenario_says_so(as_role, ids, rowid):
    before = counts()
    response = as_role("editor").post("/admin/scenario/action/", {"action": "duplicate", "rowid": [rowid]},
                                      form_url="/admin/scenario/", follow_redirects=True)
    assert response.status_code == 200
    assert "Aucune copie créée : la sélection ne désigne aucun scénario existant." in text(response)
    assert counts() == before


def test_viewer_may_neither_duplicate_nor_create_variants(as_role, ids):
    browser = as_role("viewer")
    before = counts()
    browser.post("/admin/scenario/action/", {"action": "duplicate", "rowid": [ids[BESANCON]]},
                 form_url="/admin/scenario/")
    response = browser.get(f"/admin/scenario/variant/?id={ids[SCENARIO_2]}", follow_redirects=True)
    assert "Seul·e·s les éditeur·rice·s peuvent créer une variante." in text(response)
    response = browser.post(f"/admin/scenario/variant/?id={ids[SCENARIO_2]}",
                            {"name": "Pirate", "operator": "association", "confirm": ""},
                            form_url="/admin/scenario/")
    assert response.status_code == 302
    assert counts() == before


def variant_data(ids, **changes):
    with database.connection_context():
        reception = CostLine.get(CostLine.scenario == ids[SCENARIO_2],
                                 CostLine.designation.startswith("Accueillant"))
    data = {"name": "Scénario 2 — test", "line": str(reception.id), "etp": "1,5",
            "category": "", "percent": "", "operator": "association"}
    data.update(changes)
    return data


def test_variant_preview_then_confirm(as_role, ids):
    browser = as_role("editor")
    url = f"/admin/scenario/variant/?id={ids[SCENARIO_2]}"
    assert "Ligne en ETP à modifier" in text(browser.get(url))
    before = counts()
    response = browser.post(url, {**variant_data(ids), "preview": ""})
    page = text(response)
    assert response.status_code == 200 and counts() == before
    for expected in ("Aperçu de « Scénario 2 — test »", "26\u202f400,00\xa0€", "39\u202f600,00\xa0€",
                     "+13\u202f200,00\xa0€", "124\u202f786,50\xa0€", "Enregistrer la variante"):
        assert expected in page, expected
    response = browser.post(url, {**variant_data(ids), "confirm": ""})
    assert response.status_code == 302
    with database.connection_context():
        variant = Scenario.get(Scenario.name == "Scénario 2 — test")
        assert totals_for(variant).total_with_overhead == Decimal("124786.50")
        assert totals_for(Scenario.get_by_id(ids[SCENARIO_2])).year_one == Decimal("95310.00")
    assert counts() == (before[0] + 1, before[1] + 10)


@pytest.mark.parametrize("changes, message", [
    ({"etp": "beaucoup"}, "Nouveau nombre d'ETP : Nombre invalide"),
    ({"line": "", "operator": "", "etp": ""}, "Indiquez au moins un changement"),
    ({"category": "Locaux", "percent": "900"}, "de −100 % à +500 %"),
    ({"name": SCENARIO_2}, "Un scénario s'appelle déjà"),
    ({"etp": "1000000000000"}, "Le nombre d'ETP d'une ligne va de 0 à 1\u202f000."),
    ({"etp": "1e30"}, "Nouveau nombre d'ETP : Nombre invalide"),
    ({"name": "V" * 300}, "Le nom ne doit pas dépasser 255 caractères."),
])
def test_variant_bad_input(as_role, ids, changes, message):
    browser = as_role("editor")
    before = counts()
    response = browser.post(f"/admin/scenario/variant/?id={ids[SCENARIO_2]}",
                            {**variant_data(ids, **changes), "confirm": ""})
    assert response.status_code == 200
    assert "Variante impossible" in text(response) and message in text(response)
    assert counts() == before


def test_variant_of_unknown_scenario(as_role):
    response = as_role("editor").get("/admin/scenario/variant/?id=abc", follow_redirects=True)
    assert "Ce scénario n'existe pas" in text(response)


def test_rate_over_100_is_refused_in_the_form(as_role):
    browser = as_role("editor")
    response = browser.post("/admin/scenario/new/", {
        "name": "Trop cher", "operator": "association", "overhead_rate": "120",
        "indexation_rate": "2", "start_year": "2026", "duration_years": "3", "status": "brouillon",
    })
    assert response.status_code == 200
    assert "Le taux doit être compris entre 0 et 100 %" in text(response)
    with database.connection_context():
        assert not Scenario.select().where(Scenario.name == "Trop cher").exists()


def test_workbook_download_names_the_user(as_role, ids):
    response = as_role("viewer").get(f"/admin/scenario/compare/xlsx/?ids={id_list(ids, SCENARIO_2, ASSOCIATIVE)}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "comparaison-scenarios-" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.properties.creator == "viewer@test.fr"
    assert workbook.sheetnames[0] == "Comparaison"


def test_negative_amount_is_refused_in_the_form(as_role, ids):
    browser = as_role("editor")
    response = browser.post("/admin/costline/new/", {
        "scenario": str(ids[SCENARIO_2]), "category": "Locaux", "designation": "Remise",
        "amount": "-500",
    })
    assert response.status_code == 200
    assert "Le montant ne peut pas être négatif." in text(response)
    response = browser.post("/admin/costline/new/", {
        "scenario": str(ids[SCENARIO_2]), "category": "Personnel", "designation": "Accueil",
        "quantity": "-1", "unit": "ETP", "unit_cost": "36000",
    })
    assert "La quantité ne peut pas être négative." in text(response)
    with database.connection_context():
        assert totals_for(Scenario.get_by_id(ids[SCENARIO_2])).year_one == Decimal("95310.00")
