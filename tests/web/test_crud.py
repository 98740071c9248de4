"""Create, read, update and delete every kind of record through the admin pages."""
from decimal import Decimal

from models.training import is_trained
from models import (
    Attendance, CostLine, FundingLine, Referent, Scenario, Structure, Territory, Training,
    User, database,
)
from tests.helpers import make_referent, make_scenario, make_structure, make_territory, page_messages


def saved(model, **where):
    with database.connection_context():
        query = model.select()
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return query.get_or_none()


def test_territory_crud(as_role):
    browser = as_role("editor")
    response = browser.post("/admin/territory/new/", {
        "name": "RVC Châtellerault", "kind": "reseau", "departement": "86", "area_type": "mixte",
    })
    assert response.status_code == 302
    territory = saved(Territory, name="RVC Châtellerault")
    assert territory.departement == "86"
    list_page = browser.get("/admin/territory/").get_data(as_text=True)
    assert "RVC Châtellerault" in list_page and "Réseau (RVC)" in list_page
    assert "La fiche a été créée." in list_page  # our wording over Flask-Admin's « objet »
    assert "20 fiches par page" in list_page and " items<" not in list_page  # the page-size menu
    edit_page = browser.get(f"/admin/territory/edit/?id={territory.id}").get_data(as_text=True)
    assert "Modifier" in edit_page and "Enregistrer et continuer" in edit_page
    browser.post(f"/admin/territory/edit/?id={territory.id}", {
        "name": "RVC Châtellerault", "kind": "reseau", "departement": "86", "area_type": "rural",
    })
    assert saved(Territory, id=territory.id).area_type == "rural"
    browser.post("/admin/territory/delete/", {"id": territory.id}, form_url="/admin/territory/")
    assert saved(Territory, id=territory.id) is None
    assert "La fiche a été supprimée." in browser.get("/admin/territory/").get_data(as_text=True)


def test_structure_crud_with_french_inputs(as_role):
    territory = make_territory()
    browser = as_role("editor")
    response = browser.post("/admin/structure/new/", {
        "nom": "France Victimes 86", "typologie": "FRANCE_VICTIMES",
        "siret": "356 000 000 00048", "telephone": "05 49 00 00 00",
        "courriel": "Contact@FranceVictimes86.fr", "code_postal": "86000",
        "commune": "Poitiers", "territory": territory.id, "publics": ["femmes", "familles"],
        "thematiques": ["famille--surmonter-conflits-separation-violence"], "accueille_du_public": "y",
        "actif": "y", "date_maj": "2026-11-01", "places": "",
    })
    assert response.status_code == 302, page_messages(response)
    structure = saved(Structure, nom="France Victimes 86")
    assert structure.siret == "35600000000048"
    assert structure.telephone == "+33549000000"
    assert structure.courriel == "contact@francevictimes86.fr"
    assert structure.publics == ["familles", "femmes"]
    assert structure.territory_id == territory.id
    page = browser.get("/admin/structure/").get_data(as_text=True)
    assert "05 49 00 00 00" in page and "RVC Poitiers" in page and "01/11/2026" in page
    edit_form = browser.get(f"/admin/structure/edit/?id={structure.id}").get_data(as_text=True)
    assert 'value="05 49 00 00 00"' in edit_form


def test_referent_crud_and_trained_flag(as_role):
    structure = make_structure()
    browser = as_role("editor")
    response = browser.post("/admin/referent/new/", {
        "civilite": "Mme", "prenom": "Awa", "nom": "Diallo", "fonction": "Travailleuse sociale",
        "structure": structure.id, "role": "violences_precarite",
        "courriel": "awa.diallo@ccas.fr", "telephone": "0549112233", "actif": "y",
        "date_maj": "2026-11-01",
    })
    assert response.status_code == 302, page_messages(response)
    referent = saved(Referent, nom="Diallo")
    page = browser.get("/admin/referent/").get_data(as_text=True)
    assert "Non formé·e" in page and "CCAS de Poitiers" in page
    with database.connection_context():
        training = Training.create(date="2026-10-01", theme="Repérer les violences", half_days=1)
        Attendance.create(training=training, referent=referent, present=True)
        assert is_trained(Referent.get_by_id(referent.id))
    assert "Formé·e" in browser.get("/admin/referent/?flt0_0=1").get_data(as_text=True)


def test_training_created_then_attendance_on_its_own_sheet(as_role):
    browser = as_role("editor")
    response = browser.post("/admin/training/new/", {
        "date": "2026-12-07", "theme": "Comprendre les violences conjugales", "half_days": "2",
        "trainer": "CIDFF", "cost_per_half_day": "350,00", "room_cost": "200",
    })
    assert response.status_code == 302, page_messages(response)
    training = saved(Training, theme="Comprendre les violences conjugales")
    assert training.cost == Decimal("900.00")
    assert "900,00\xa0€" in browser.get("/admin/training/").get_data(as_text=True)
    form = browser.get(f"/admin/training/edit/?id={training.id}").get_data(as_text=True)
    # No inline lines (a select of every référent·e): a link to the attendance sheet.
    assert "Présence #1" not in form and "attendances-" not in form
    assert f'href="/admin/training/presences/?id={training.id}">Saisir les présences' in form
    assert 'value="07/12/2026"' in form and 'data-date-format="DD/MM/YYYY"' in form


def test_scenario_with_inline_cost_and_funding_lines(as_role):
    browser = as_role("editor")
    response = browser.post("/admin/scenario/new/", {
        "name": "Test accueil", "operator": "association", "start_year": "2026",
        "duration_years": "3", "status": "brouillon",
        "cost_lines-0-category": "Personnel", "cost_lines-0-designation": "Accueillant·e",
        "cost_lines-0-quantity": "0,5", "cost_lines-0-unit": "ETP",
        "cost_lines-0-unit_cost": "26 400,00",
        "cost_lines-1-category": "Locaux", "cost_lines-1-designation": "Local",
        "cost_lines-1-amount": "6000.50",
        "funding_lines-0-funder": "CAF", "funding_lines-0-kind": "subvention",
        "funding_lines-0-amount": "5 000", "funding_lines-0-status": "sollicite",
    })
    assert response.status_code == 302, page_messages(response)
    scenario = saved(Scenario, name="Test accueil")
    with database.connection_context():
        amounts = sorted(line.amount for line in scenario.cost_lines)
        assert amounts == [Decimal("6000.50"), Decimal("13200.00")]
        assert [f.amount for f in scenario.funding_lines] == [Decimal("5000.00")]
    page = browser.get("/admin/scenario/").get_data(as_text=True)
    assert "19\u202f200,50\xa0€" in page  # year 1
    assert "22\u202f080,58\xa0€" in page  # + 15 % association overhead (2 880,08 €)


def test_deleting_a_scenario_deletes_its_lines(as_role):
    scenario = make_scenario()
    with database.connection_context():
        CostLine.create(scenario=scenario, category="Locaux", designation="Local", amount=100)
        FundingLine.create(scenario=scenario, funder="CAF")
    as_role("editor").post("/admin/scenario/delete/", {"id": scenario.id}, form_url="/admin/scenario/")
    with database.connection_context():
        assert CostLine.select().count() == 0 and FundingLine.select().count() == 0


def test_structure_with_referents_cannot_be_deleted(as_role):
    structure = make_structure()
    make_referent(structure)
    browser = as_role("editor")
    response = browser.post(
        "/admin/structure/delete/", {"id": structure.id}, form_url="/admin/structure/",
        follow_redirects=True,
    )
    assert "Suppression impossible : cette fiche est liée à 1 référent·e." in page_messages(response)[0]
    assert saved(Structure, id=structure.id) is not None
    make_referent(structure, nom="Durand")
    response = browser.post(
        "/admin/structure/delete/", {"id": structure.id}, form_url="/admin/structure/",
        follow_redirects=True,
    )
    assert "liée à 2 référent·e·s." in page_messages(response)[0]


def test_admin_manages_accounts(as_role):
    browser = as_role("admin")
    response = browser.post("/admin/user/new/", {
        "email": "nouvelle@ccas.fr", "name": "Nouvelle", "role": "editor", "active": "y",
        "password": "un-mot-de-passe-long",
    })
    assert response.status_code == 302
    user = saved(User, email="nouvelle@ccas.fr")
    assert user.check_password("un-mot-de-passe-long") and user.role == "editor"
    assert "un-mot-de-passe-long" not in user.password_hash
    short = browser.post("/admin/user/new/", {
        "email": "court@ccas.fr", "role": "viewer", "password": "court",
    })
    assert "au moins 12 caractères" in short.get_data(as_text=True)
    assert saved(User, email="court@ccas.fr") is None


def test_missing_or_malformed_ids_never_give_a_500(as_role):
    browser = as_role("admin")
    for url, back_to, messages in (
        ("/admin/structure/edit/?id=999999", "/admin/structure/", ["Cette fiche n'existe pas (ou plus)."]),
        ("/admin/structure/edit/?id=abc", "/admin/structure/", ["Cette fiche n'existe pas (ou plus)."]),
        ("/admin/structure/details/?id=", "/admin/structure/", []),  # no id at all: back to the list
        ("/admin/scenario/details/?id=1;drop", "/admin/scenario/", ["Cette fiche n'existe pas (ou plus)."]),
    ):
        response = browser.get(url)
        assert (response.status_code, response.headers["Location"]) == (302, back_to), url
        assert page_messages(browser.get(back_to)) == messages, url


def test_each_grid_row_links_to_its_own_record_and_back_to_the_same_grid_page(as_role):
    """The voir / modifier links and the delete form of every row name that row's
    record, and bring back to the grid as it was (search included)."""
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    browser = as_role("editor")
    structures = [make_structure(nom=f"Maison des solidarités {n}") for n in range(3)]
    page = browser.get("/admin/structure/?search=solidarit%C3%A9s&sort=0").get_data(as_text=True)
    for view in ("details", "edit"):
        links = [urlsplit(unescape(href)) for href in re.findall(rf'href="(/admin/structure/{view}/\?[^"]+)"', page)]
        assert sorted(int(parse_qs(link.query)["id"][0]) for link in links) == sorted(s.id for s in structures)
        back = {parse_qs(link.query)["url"][0] for link in links}
        assert len(back) == 1 and parse_qs(urlsplit(back.pop()).query) == {
            "search": ["solidarités"], "sort": ["0"], "page_size": ["20"]}
    delete_ids = re.findall(r'<input name="id" type="hidden" value="(\d+)">', page)
    assert sorted(map(int, delete_ids)) == sorted(s.id for s in structures)
    browser.post("/admin/structure/delete/", {"id": structures[1].id},
                 form_url="/admin/structure/?search=solidarit%C3%A9s")
    assert saved(Structure, id=structures[1].id) is None and saved(Structure, id=structures[0].id)
