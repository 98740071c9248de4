"""The text rules of the core (one line, no controls, no bidi override, visible,
free text bounded, no all-zero SIRET) reach the forms, the importer and the CLI."""
from html import unescape

from models import Structure, database
from tests.helpers import make_structure, upload_import, xlsx_bytes

HEADER = ["Nom", "Typologie", "SIRET", "Commune", "Notes"]


def _names():
    with database.connection_context():
        return sorted(s.nom for s in Structure.select())


def test_the_form_names_the_field_and_keeps_the_record(as_role):
    structure = make_structure("CCAS de Loudun")
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    for fields, message in [
        ({"nom": "CCAS \u202egnp.exe"}, "Caractère d'inversion du sens d'écriture interdit (U+202E)"),
        ({"commune": "Lou\u200bdun\u0007"}, "Caractère de contrôle interdit (U+0007)"),
        ({"siret": "00000000000000"}, "SIREN 000 000 000"),
        ({"notes": "x" * 20_001}, "20\u202f000 caractères au plus (20\u202f001 saisis)"),
    ]:
        data = {"nom": "CCAS de Loudun", "typologie": "CCAS", **fields}
        page = unescape(editor.post(url, data).get_data(as_text=True))
        assert message in page, fields
    with database.connection_context():
        stored = Structure.get_by_id(structure.id)
        assert (stored.nom, stored.commune, stored.siret, stored.notes) == ("CCAS de Loudun", None, None, None)


def test_the_import_preview_lists_each_refusal_with_its_column(as_role):
    data = xlsx_bytes([
        HEADER,
        ["CCAS de\nLoudun", "CCAS", "", "Loudun", ""],
        ["\u200b\u200b\u200b", "CCAS", "", "", ""],
        ["CIDFF", "CIDFF", "00000000000000", "", ""],
        ["CCAS de Poitiers", "CCAS", "", "Poitiers", "n" * 20_001],
        ["Mission locale", "ASSO", "", "Poitiers", "Ligne 1\nLigne 2"],
    ])
    page = unescape(upload_import(as_role("editor"), "/admin/structure/import/", data, "p.xlsx")
                    .get_data(as_text=True))
    assert "1 à créer, 0 à mettre à jour, 0 inchangée(s), 4 erreur(s)" in page
    for message in ("Une seule ligne attendue", "aucun caractère visible", "SIREN 000 000 000",
                    "Cellule trop longue"):  # the importer's own cap, below the model's
        assert message in page
    assert _names() == []


def test_the_cli_import_refuses_them_too(app, tmp_path):
    path = tmp_path / "partenaires.csv"
    path.write_text("Nom;Typologie;Commune\nCCAS de Loudun;CCAS;Lou\u202edun\nCIDFF;CIDFF;Poitiers\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-structures", str(path)])
    assert "Caractère d'inversion du sens d'écriture interdit (U+202E)" in result.output
    assert result.exit_code != 0
    assert _names() == []


def test_a_failed_login_with_any_text_as_email_is_counted_not_a_500(browser):
    from models.users import LoginFailure

    for email in ("adm\tin@test.fr", "admin@test.fr\u202e", "\u200b\u200b\u200b"):
        response = browser.post("/login", {"email": email, "password": "mauvais mot de passe"})
        assert response.status_code == 200
    with database.connection_context():
        assert LoginFailure.select().count() == 3
