"""« Trouver une aide »: every role, a GET search (its address is its permanent link),
answers in French, bad parameters told in French (never a 500)."""
from html import unescape

from models import Service, database
from tests.helpers import LONG_AGO, make_referent, make_structure, make_territory

VIOLENCE = "famille--surmonter-conflits-separation-violence"
URL = "/admin/trouver-une-aide/"


def html(response):
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def _network():
    vienne = make_territory("Vienne", kind="departement", departement="86")
    loudun = make_territory("RVC Loudun", parent=vienne)
    cidff = make_structure("CIDFF de la Vienne", typologie="CIDFF", commune="Poitiers", code_insee="86194",
                           territory=vienne, telephone="0549880424", horaires_accueil="Mo-Fr 09:00-12:00")
    make_referent(cidff, prenom="Hélène", nom="Dupré", role="violences", telephone="0549000001")
    ccas = make_structure("CCAS de Loudun", commune="Loudun", code_insee="86137", territory=loudun)
    with database.connection_context():
        Service.create(structure=cidff, nom="Permanence juridique", description="Informer sur les droits.",
                       thematiques=[VIOLENCE], publics=["femmes"], zone_eligibilite=["86"],
                       modes_mobilisation=["telephoner"], mobilisation_precisions="Appeler avant de venir.")
        Service.create(structure=ccas, nom="Aide alimentaire", description="Colis alimentaires.",
                       thematiques=["equipement-et-alimentation--alimentation"], zone_eligibilite=["86137"],
                       date_maj=LONG_AGO)
    return vienne, loudun


def test_every_role_opens_it_and_it_is_in_the_menu(as_role):
    for role in ("viewer", "editor", "admin"):
        page = html(as_role(role).get(URL))
        assert "<h1" in page and "Trouver une aide" in page
        assert 'href="/admin/trouver-une-aide/"' in page  # the menu's link


def test_a_search_lists_how_to_refer_whom_to_call_and_freshness(as_role):
    _network()
    page = html(as_role("viewer").get(f"{URL}?besoin=violences-conjugales&commune=Loudun+%2886137%29"))
    assert "1 service" in page and "Permanence juridique" in page and "Aide alimentaire" not in page
    assert "Téléphoner : Appeler avant de venir." in page
    assert "05 49 88 04 24" in page  # the structure's phone when the service has none
    assert "Hélène Dupré" in page and "05 49 00 00 01" in page
    assert "lun.–ven. 9\u202fh–12\u202fh" in page  # hours in French (models/opening_hours.py)
    assert "vérifiée le" in page
    assert "besoin : Violences conjugales, séparation ; commune : Loudun (86137)" in page
    assert "besoin=violences-conjugales" in page  # the permanent link keeps the search
    page = html(as_role("viewer").get(f"{URL}?commune=86137"))
    assert "2 services" in page and "à vérifier" in page


def test_territory_public_and_moment(as_role):
    vienne, loudun = _network()
    viewer = as_role("viewer")
    assert "2 services" in html(viewer.get(f"{URL}?territoire={loudun.id}"))
    assert "1 service" in html(viewer.get(f"{URL}?territoire={vienne.id}&public=femmes&besoin=famille"))
    page = html(viewer.get(f"{URL}?territoire={loudun.id}&quand=dimanche"))
    assert "Aucun service trouvé" in page and "sans horaires connus" in page


def test_bad_parameters_are_told_in_french(as_role):
    viewer = as_role("viewer")
    for query, message in (
        ("besoin=nimporte", "Ce besoin n'est pas dans la liste"),
        ("territoire=999999&besoin=emploi", "Ce territoire n'existe plus"),
        ("territoire=99999999999999999999", "Ce territoire n'existe plus"),
        ("public=martiens&commune=86137", "Ce public n'est pas dans la liste"),
        ("quand=demain&commune=86137", "Moment inconnu"),
    ):
        assert message in html(viewer.get(f"{URL}?{query}")), query


def test_logged_out_visitors_go_to_the_login_page(browser):
    response = browser.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
