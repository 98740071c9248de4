"""Import rules nobody saw working: duplicate lines, a référent·e found by email,
date cells, and a confirmation whose stored file has gone."""
import datetime
from pathlib import Path

from models import Referent, Structure, database
from tests.helpers import (
    confirm_import, make_referent, make_structure, page_messages, upload_import, xlsx_bytes,
)

STRUCTURES = "/admin/structure/import/"
REFERENTS = "/admin/referent/import/"
GOOD_SIRET = "73282932000074"


def structures():
    with database.connection_context():
        return sorted((s.nom, s.commune) for s in Structure.select())


def referents():
    with database.connection_context():
        return {r.courriel or r.nom: r for r in Referent.select()}


def test_the_same_structure_twice_in_one_file_is_refused(as_role):
    editor = as_role("editor")
    data = (
        "Nom;Typologie;Commune\n"
        "CCAS de Loudun;CCAS;Loudun\n"
        "CCAS de Civray;CCAS;Civray\n"
        "ccas de LOUDUN;CCAS;loudun\n"  # the same name and town, whatever the case
        "CCAS de Loudun;CCAS;Civray\n"  # another town: another structure
    ).encode()
    page = upload_import(editor, STRUCTURES, data, "p.csv").get_data(as_text=True)
    assert "3 à créer, 0 à mettre à jour, 0 inchangée(s), 1 erreur(s)" in page
    assert "<td>4</td><td></td><td>Ligne en double : même fiche que la ligne 2." in page
    assert "Confirmer" not in page
    confirm_import(editor, STRUCTURES)
    assert structures() == []


def test_two_lines_with_one_siret_are_one_structure_twice(as_role):
    data = (
        "Nom;Typologie;SIRET;Commune\n"
        f"CIDFF de la Vienne;CIDFF;{GOOD_SIRET};Poitiers\n"
        f"CIDFF 86;CIDFF;{GOOD_SIRET[:3]} {GOOD_SIRET[3:]};Poitiers\n"
    ).encode()
    page = upload_import(as_role("editor"), STRUCTURES, data, "p.csv").get_data(as_text=True)
    assert "1 à créer, 0 à mettre à jour, 0 inchangée(s), 1 erreur(s)" in page
    assert "<td>3</td><td></td><td>Ligne en double : même fiche que la ligne 2." in page


def test_the_same_referent_twice_in_one_file_is_refused(as_role):
    make_structure("CCAS de Loudun", commune="Loudun")
    data = (
        "Prénom;Nom;Structure;Courriel\n"
        "Claire;Martin;CCAS de Loudun;c.martin@ccas.fr\n"
        "Claire;Martin-Durand;CCAS de Loudun;C.Martin@CCAS.fr\n"  # one email: one person
        "Paul;Durand;CCAS de Loudun;\n"
        "paul;DURAND;CCAS de Loudun;\n"  # no email: same names in the same structure
    ).encode()
    page = upload_import(as_role("editor"), REFERENTS, data, "r.csv").get_data(as_text=True)
    assert "2 à créer, 0 à mettre à jour, 0 inchangée(s), 2 erreur(s)" in page
    assert "<td>3</td><td></td><td>Ligne en double : même fiche que la ligne 2." in page
    assert "<td>5</td><td></td><td>Ligne en double : même fiche que la ligne 4." in page


def test_an_existing_referent_is_matched_by_email(as_role):
    loudun = make_structure("CCAS de Loudun", commune="Loudun")
    make_structure("Mairie de Civray", typologie="MUNI", commune="Civray")
    existing = make_referent(loudun, prenom="Claire", nom="Martin", courriel="c.martin@ccas.fr",
                             fonction="Assistante sociale")
    editor = as_role("editor")
    # Her name changed, she moved to another structure: her professional email says who she is.
    data = (
        "Prénom;Nom;Structure;Fonction;Courriel\n"
        "Claire;Martin-Durand;Mairie de Civray;Assistante sociale;C.Martin@CCAS.fr\n"
    ).encode()
    page = upload_import(editor, REFERENTS, data, "r.csv").get_data(as_text=True)
    assert "0 à créer, 1 à mettre à jour, 0 inchangée(s), 0 erreur(s)" in page
    confirm_import(editor, REFERENTS)
    found = referents()
    assert list(found) == ["c.martin@ccas.fr"]
    updated = found["c.martin@ccas.fr"]
    assert updated.id == existing.id
    assert (updated.nom, updated.structure.nom) == ("Martin-Durand", "Mairie de Civray")
    assert updated.date_maj == datetime.date.today()
    # the same file again changes nothing
    page = upload_import(editor, REFERENTS, data, "r.csv").get_data(as_text=True)
    assert "0 à créer, 0 à mettre à jour, 1 inchangée(s), 0 erreur(s)" in page


def test_date_cells_of_a_workbook(as_role):
    make_structure("CCAS de Loudun", commune="Loudun")
    editor = as_role("editor")
    rows = [
        ["Prénom", "Nom", "Structure", "Courriel", "Désigné·e le"],
        ["Anne", "Réelle", "CCAS de Loudun", "a@ccas.fr", datetime.date(2025, 9, 1)],
        ["Bruno", "Horodaté", "CCAS de Loudun", "b@ccas.fr", datetime.datetime(2025, 9, 2, 14, 30)],
        ["Chloé", "Texte", "CCAS de Loudun", "c@ccas.fr", "03/09/2025"],
        ["David", "Tirets", "CCAS de Loudun", "d@ccas.fr", "04-09-2025"],
        ["Emma", "Vide", "CCAS de Loudun", "e@ccas.fr", None],
    ]
    page = upload_import(editor, REFERENTS, xlsx_bytes(rows), "r.xlsx").get_data(as_text=True)
    assert "5 à créer, 0 à mettre à jour, 0 inchangée(s), 0 erreur(s)" in page
    confirm_import(editor, REFERENTS)
    assert {email: r.date_designation for email, r in referents().items()} == {
        "a@ccas.fr": datetime.date(2025, 9, 1), "b@ccas.fr": datetime.date(2025, 9, 2),
        "c@ccas.fr": datetime.date(2025, 9, 3), "d@ccas.fr": datetime.date(2025, 9, 4),
        "e@ccas.fr": None,
    }


def test_dates_that_are_not_dates_are_errors_of_the_preview(as_role):
    make_structure("CCAS de Loudun", commune="Loudun")
    rows = [
        ["Prénom", "Nom", "Structure", "Désigné·e le"],
        ["Anne", "Impossible", "CCAS de Loudun", "31/02/2025"],
        ["Bruno", "Mots", "CCAS de Loudun", "début septembre"],
    ]
    page = upload_import(as_role("editor"), REFERENTS, xlsx_bytes(rows), "r.xlsx").get_data(as_text=True)
    assert "0 à créer, 0 à mettre à jour, 0 inchangée(s), 2 erreur(s)" in page
    assert "<td>2</td><td>Désigné·e le</td><td>Date attendue au format jj/mm/aaaa : « 31/02/2025 »." in page
    assert "<td>3</td><td>Désigné·e le</td><td>Date attendue au format jj/mm/aaaa : « début septembre »." in page


def test_confirming_an_import_whose_file_has_gone(app, as_role):
    editor = as_role("editor")
    page = upload_import(editor, STRUCTURES, b"Nom;Typologie\nCCAS de Civray;CCAS\n", "p.csv")
    assert "1 à créer" in page.get_data(as_text=True)
    with editor.client.session_transaction() as session:
        token = session["import-structures"]["token"]
    stored = Path(app.instance_path) / "imports" / f"structures-{token}"
    stored.unlink()  # cleaned up by hand, or by the hourly sweep of another upload
    response = confirm_import(editor, STRUCTURES, follow_redirects=True)
    assert response.status_code == 200
    assert page_messages(response) == ["Aucun import en attente : déposez à nouveau le fichier."]
    assert structures() == []
