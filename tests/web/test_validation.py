"""Bad input gets a clear French message and leaves the data as it was."""
import pytest

from models import CostLine, Referent, Scenario, Structure, Training, ValidationError, database
from models.formatting import format_phone
from models.validation import clean_phone, clean_siret, parse_decimal
from tests.helpers import make_referent, make_scenario, make_structure, page_messages

VALID_STRUCTURE = {"nom": "CCAS de Civray", "typologie": "CCAS", "date_maj": "2026-11-01"}


@pytest.mark.parametrize("field, value, message", [
    ("siret", "12345678901234", "Ce SIRET n'est pas valide (clé de contrôle incorrecte)."),
    ("siret", "1234", "Le SIRET doit comporter 14 chiffres."),
    ("courriel", "pas-un-courriel", "Adresse électronique invalide"),
    ("telephone", "12 34", "Numéro de téléphone invalide"),
    ("code_postal", "8600", "Le code postal doit comporter 5 chiffres."),
    ("code_insee", "ABCDE", "Le code INSEE doit comporter 5 caractères"),
    ("places", "-3", "Le nombre de places ne peut pas être négatif."),
    ("typologie", "INCONNUE", "N'est pas un choix valide."),
    # Not OpenStreetMap, nor French the panel understands (models/opening_hours.py):
    ("horaires_accueil", "n importe quoi", "Horaires non compris : « n importe quoi »"),
    ("horaires_accueil", "Lundi au vendredi 9h-25h", "une heure dépasse 24 h"),
    # Pieces of the syntax that say nothing, or come in the wrong order.
    ("horaires_accueil", "12", "Horaires non compris"),
    ("horaires_accueil", "week", "Horaires non compris"),
    ("horaires_accueil", "off off", "Horaires non compris"),
    ("horaires_accueil", "09:00-12:00 Mo-Fr", "Horaires non compris"),
])
def test_bad_structure_fields_are_explained_on_the_form(as_role, field, value, message):
    browser = as_role("editor")
    response = browser.post("/admin/structure/new/", {**VALID_STRUCTURE, field: value})
    assert response.status_code == 200
    assert any(message in shown for shown in page_messages(response)), page_messages(response)
    with database.connection_context():
        assert Structure.select().count() == 0


def test_edit_with_a_bad_value_keeps_the_old_record(as_role):
    structure = make_structure(siret="35600000000048")
    browser = as_role("editor")
    response = browser.post(f"/admin/structure/edit/?id={structure.id}", {
        **VALID_STRUCTURE, "nom": "Nouveau nom", "siret": "35600000000049",
    })
    assert "Ce SIRET n'est pas valide" in " ".join(page_messages(response))
    with database.connection_context():
        unchanged = Structure.get_by_id(structure.id)
    assert (unchanged.nom, unchanged.siret) == ("CCAS de Poitiers", "35600000000048")


def test_duplicate_siret_is_refused_in_french(as_role):
    make_structure(siret="35600000000048")
    response = as_role("editor").post("/admin/structure/new/", {
        **VALID_STRUCTURE, "siret": "356 000 000 00048",
    })
    assert "est déjà utilisé par une autre fiche" in " ".join(page_messages(response))


@pytest.mark.parametrize("values, message", [
    ({"half_days": "0"}, "Le nombre de demi-journées doit être supérieur à 0."),
    ({"cost_per_half_day": "-350"}, "Le montant ne peut pas être négatif."),
    ({"room_cost": "deux cents"}, "Nombre invalide (exemple : 26 400,50)."),
    ({"date": "31/02/2027"}, "N'est pas une date valide"),
    ({"date": ""}, "Ce champ est requis."),
])
def test_bad_training_values(as_role, values, message):
    response = as_role("editor").post("/admin/training/new/", {
        "date": "2026-12-07", "theme": "Repérer", "half_days": "1", **values,
    })
    assert message in " ".join(page_messages(response))
    with database.connection_context():
        assert Training.select().count() == 0


def test_scenario_rate_over_100_is_refused(as_role):
    response = as_role("editor").post("/admin/scenario/new/", {
        "name": "Taux", "operator": "association", "overhead_rate": "120",
        "start_year": "2026", "duration_years": "1", "status": "brouillon",
    })
    assert "Le taux doit être compris entre 0 et 100 %." in " ".join(page_messages(response))


def test_a_bad_inline_line_writes_nothing_at_all(as_role):
    response = as_role("editor").post("/admin/scenario/new/", {
        "name": "Tout ou rien", "operator": "collectivite", "start_year": "2026",
        "duration_years": "1", "status": "brouillon",
        "cost_lines-0-category": "Locaux", "cost_lines-0-designation": "Local",
        "cost_lines-0-amount": "-10",
    })
    assert response.status_code == 200
    assert "négatif" in " ".join(page_messages(response))
    with database.connection_context():
        assert Scenario.select().count() == 0 and CostLine.select().count() == 0


def test_the_model_refuses_bad_data_without_flask():
    with database.connection_context():
        scenario = make_scenario()
        with pytest.raises(ValidationError) as error:
            CostLine.create(scenario=scenario, category="Locaux", designation="Local")
        assert error.value.errors == {
            "amount": "Indiquez le montant, ou la quantité et le coût unitaire.",
        }
        assert "Montant annuel" in error.value.describe()


def test_value_parsers():
    assert str(parse_decimal("26 400,50")) == "26400.50"
    assert str(parse_decimal("26400.50")) == "26400.50"
    assert str(parse_decimal("1 234,5 €")) == "1234.5"
    assert clean_phone("05 49 00 00 00") == "+33549000000"
    assert clean_phone("+33 5 49 00 00 00") == "+33549000000"
    assert clean_phone("3919") == "3919"
    assert clean_phone("0033 5 49 00 00 00") == "+33549000000"
    # La Poste's SIRET does not follow the Luhn rule; python-stdnum knows the exception.
    assert clean_siret("356 000 000 00048") == "35600000000048"


# Overseas departments dial 0 + 9 digits like metropolitan France, with their own country code.
@pytest.mark.parametrize("typed, stored, shown", [
    ("0262 12 34 56", "+262262123456", "02 62 12 34 56"),  # La Réunion, refused before
    ("0596 12 34 56", "+596596123456", "05 96 12 34 56"),  # Martinique, was +33596123456
    ("0596 30 12 34", "+596596301234", "05 96 30 12 34"),
    ("06 90 12 34 56", "+590690123456", "06 90 12 34 56"),  # Guadeloupe mobile
    ("0269 60 12 34", "+262269601234", "02 69 60 12 34"),  # Mayotte
    ("0639 01 23 45", "+262639012345", "06 39 01 23 45"),  # Mayotte mobile
    ("0594 10 12 34", "+594594101234", "05 94 10 12 34"),  # Guyane
    ("05 49 00 00 00", "+33549000000", "05 49 00 00 00"),  # Vienne: stays metropolitan
    ("0 800 05 95 95", "+33800059595", "08 00 05 95 95"),  # free numbers are national
    ("+33 5 49 00 00 00", "+33549000000", "05 49 00 00 00"),
    ("+508 41 12 34", "+508411234", "+508 41 12 34"),  # Saint-Pierre-et-Miquelon
    ("3919", "3919", "3919"),
])
def test_overseas_phones_are_stored_in_e164_and_shown_in_french(as_role, typed, stored, shown):
    browser = as_role("editor")
    response = browser.post("/admin/structure/new/", {**VALID_STRUCTURE, "telephone": typed})
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        structure = Structure.get(Structure.nom == VALID_STRUCTURE["nom"])
    assert structure.telephone == stored
    assert clean_phone(stored) == stored  # cleaning again, on each save, changes nothing
    assert format_phone(stored) == shown
    assert shown in browser.get("/admin/structure/").get_data(as_text=True)
    edit_url = f"/admin/structure/edit/?id={structure.id}"
    assert f'value="{shown}"' in browser.get(edit_url).get_data(as_text=True)
    # Saving the form as displayed keeps the number.
    response = browser.post(edit_url, {**VALID_STRUCTURE, "telephone": shown})
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        assert Structure.get_by_id(structure.id).telephone == stored


def test_referent_phone_from_martinique_through_the_model():
    structure = make_structure()
    referent = make_referent(structure, telephone="0696 20 12 34")
    with database.connection_context():
        assert Referent.get_by_id(referent.id).telephone == "+596696201234"
        with pytest.raises(ValidationError) as error:
            make_referent(structure, nom="Payet", telephone="0262 12 34")
    assert error.value.errors == {
        "telephone": "Numéro de téléphone invalide (exemple : 05 49 00 00 00).",
    }


@pytest.mark.parametrize("typed, stored", [
    ("Mo-Fr 09:00-12:00,14:00-17:00", "Mo-Fr 09:00-12:00,14:00-17:00"),
    ("  Mo-Fr 08:30-12:30 ;PH off; ", "Mo-Fr 08:30-12:30; PH off"),
    ('Tu 14:00-17:00 "sur rendez-vous"', 'Tu 14:00-17:00 "sur rendez-vous"'),
    ("Jan-Jun: Mo,We 09:00-12:00; Dec 25 off", "Jan-Jun: Mo,We 09:00-12:00; Dec 25 off"),
    ("24/7", "24/7"),
    ("Mo-Fr 09:00-12:00, Sa 09:00-12:00", "Mo-Fr 09:00-12:00, Sa 09:00-12:00"),  # ", " starts a rule
    ("Mo-Fr 09:00-12:00, 14:00-17:00", "Mo-Fr 09:00-12:00,14:00-17:00"),
    ("SH Mo-Fr 09:00-12:00", "SH Mo-Fr 09:00-12:00"),
    ('Mo 10:00-12:00 "RDV; appeler, ou écrire"', 'Mo 10:00-12:00 "RDV; appeler, ou écrire"'),
])
def test_opening_hours_in_openstreetmap_syntax_are_kept_tidy(as_role, typed, stored):
    response = as_role("editor").post("/admin/structure/new/", {**VALID_STRUCTURE, "horaires_accueil": typed})
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        assert Structure.get(Structure.nom == VALID_STRUCTURE["nom"]).horaires_accueil == stored
