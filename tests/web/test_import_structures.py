"""Import of the partner file: preview, one transaction, idempotent, bad files."""
import io

import openpyxl
import pytest

from models import Referent, Structure, batch_save, database
from models.audit import AuditEntry
from tests.helpers import confirm_import, make_structure, make_territory, upload_import, xlsx_bytes

URL = "/admin/structure/import/"
GOOD_SIRET = "73282932000074"
HEADER = "Nom;Typologie;SIRET;Adresse;Code postal;Commune;Téléphone;Courriel;Territoire;Accueille du public"


def _csv(*lines, encoding="utf-8"):
    return "\n".join((HEADER,) + lines).encode(encoding)


def _upload(browser, data, filename="partenaires.csv"):
    return upload_import(browser, URL, data, filename)


def _confirm(browser):
    return confirm_import(browser, URL)


def _structures():
    with database.connection_context():
        return {s.nom: s for s in Structure.select()}


def test_preview_then_confirm_then_reimport_changes_nothing(as_role):
    make_territory("RVC Loudun")
    make_structure("CCAS de Loudun", commune="Loudun", telephone="05 49 98 00 00")
    data = _csv(
        f"CIDFF de la Vienne;CIDFF;{GOOD_SIRET};31 rue de la Gare;86000;Poitiers;05 49 88 04 37;Contact@CIDFF86.fr;;Oui",
        "CCAS de Loudun;CCAS;;;86200;Loudun;05 49 98 11 11;;RVC Loudun;non",
    )
    editor = as_role("editor")
    preview = _upload(editor, data)
    page = preview.data.decode()
    assert preview.status_code == 200
    assert "1 à créer, 1 à mettre à jour, 0 inchangée(s), 0 erreur(s)" in page
    assert "Téléphone" in page and "Confirmer l" in page
    assert set(_structures()) == {"CCAS de Loudun"}  # nothing written by the preview
    response = _confirm(editor)
    assert response.status_code == 302
    structures = _structures()
    cidff = structures["CIDFF de la Vienne"]
    assert (cidff.siret, cidff.courriel, cidff.telephone) == (GOOD_SIRET, "contact@cidff86.fr", "+33549880437")
    loudun = structures["CCAS de Loudun"]
    assert loudun.telephone == "+33549981111" and loudun.territory.name == "RVC Loudun"
    assert loudun.accueille_du_public is False
    again = _upload(editor, data).data.decode()
    assert "0 à créer, 0 à mettre à jour, 2 inchangée(s), 0 erreur(s)" in again
    _confirm(editor)
    assert len(_structures()) == 2


def test_errors_are_listed_with_line_column_and_nothing_is_written(as_role):
    data = _csv(
        "Bonne structure;ASSO;;;;Poitiers;;;;",
        "Mauvais SIRET;ASSO;12345678901234;;;Poitiers;;;;",
        "Mauvais courriel;ASSO;;;;Poitiers;;pas-un-courriel;;",
        "Typologie inconnue;BOULANGERIE;;;;Poitiers;;;;",
        "Territoire inconnu;ASSO;;;;Poitiers;;;Atlantide;",
        ";ASSO;;;;Poitiers;;;;",
    )
    editor = as_role("editor")
    page = _upload(editor, data).data.decode()
    assert "1 à créer, 0 à mettre à jour, 0 inchangée(s), 5 erreur(s)" in page
    assert "<td>3</td><td>SIRET</td><td>Ce SIRET n&#39;est pas valide" in page
    assert "<td>4</td><td>Courriel</td><td>Adresse électronique invalide" in page
    assert "<td>5</td><td>Typologie</td><td>Typologie inconnue : « BOULANGERIE »" in page
    assert "<td>6</td><td>Territoire</td><td>Territoire inconnu" in page
    assert "<td>7</td><td>Nom</td><td>Ce champ est obligatoire." in page
    assert "Confirmer" not in page
    _confirm(editor)
    assert _structures() == {}


def test_every_error_of_a_line_is_listed_at_once(as_role):
    page = _upload(as_role("editor"), _csv("Tout faux;BOULANGERIE;123;;AB600;Poitiers;abc;pas-mail;;")).data.decode()
    for column, message in [
        ("Typologie", "Typologie inconnue : « BOULANGERIE »"),
        ("SIRET", "Ce SIRET n&#39;est pas valide"),
        ("Code postal", "Le code postal doit comporter 5 chiffres."),
        ("Téléphone", "Numéro de téléphone invalide"),
        ("Courriel", "Adresse électronique invalide"),
    ]:
        assert f"<td>2</td><td>{column}</td><td>{message}" in page
    assert _structures() == {}


def test_opening_hours_are_checked_like_in_the_form(as_role):
    editor = as_role("editor")
    page = _upload(editor, xlsx_bytes([
        ["Nom", "Typologie", "Horaires d'accueil"],
        ["CCAS de Civray", "CCAS", "Mo-Fr 09:00-12:00 ;PH off"],
        ["CCAS de Loudun", "CCAS", "quand il fait beau"],
    ]), filename="partenaires.xlsx").data.decode()
    assert "<td>3</td><td>Horaires d&#39;accueil</td><td>" in page
    assert "Confirmer" not in page
    page = _upload(editor, xlsx_bytes([
        ["Nom", "Typologie", "Horaires d'accueil"], ["CCAS de Civray", "CCAS", "Mo-Fr 09:00-12:00 ;PH off"],
    ]), filename="partenaires.xlsx").data.decode()
    assert "1 à créer" in page
    _confirm(editor)
    assert _structures()["CCAS de Civray"].horaires_accueil == "Mo-Fr 09:00-12:00; PH off"


def test_a_value_cut_by_the_separator_is_refused_not_truncated(as_role):
    editor = as_role("editor")
    data = "Nom;Typologie;Horaires d'accueil\nCCAS de Civray;CCAS;Mo-Fr 09:00-12:00; PH off\n".encode()
    page = _upload(editor, data).data.decode()
    assert "<td>2</td><td>(ligne entière)</td><td>1 valeur(s) au-delà des 3 colonnes" in page
    assert "Confirmer" not in page
    quoted = "Nom;Typologie;Horaires d'accueil\nCCAS de Civray;CCAS;\"Mo-Fr 09:00-12:00; PH off\"\n".encode()
    assert "1 à créer" in _upload(editor, quoted).data.decode()
    _confirm(editor)
    assert _structures()["CCAS de Civray"].horaires_accueil == "Mo-Fr 09:00-12:00; PH off"


@pytest.mark.parametrize("encoding,separator", [("utf-8", ";"), ("cp1252", ";"), ("utf-8-sig", ",")])
def test_csv_encodings_and_separators(as_role, encoding, separator):
    text = "Nom{0}Typologie{0}Commune\nMaison des Solidarités{0}MDS{0}Châtellerault\n".format(separator)
    editor = as_role("editor")
    assert "1 à créer" in _upload(editor, text.encode(encoding)).data.decode()
    _confirm(editor)
    assert _structures()["Maison des Solidarités"].commune == "Châtellerault"


def test_xlsx_with_labels_numbers_and_a_formula(as_role):
    editor = as_role("editor")
    rows = [["Nom", "Typologie", "SIRET", "Code postal", "Places"],
            ["Lieu de vie", "Centre d'hébergement et de réinsertion sociale", int(GOOD_SIRET), 5000, 6]]
    assert "1 à créer" in _upload(editor, xlsx_bytes(rows), "p.xlsx").data.decode()
    _confirm(editor)
    structure = _structures()["Lieu de vie"]
    assert (structure.typologie, structure.siret, structure.code_postal, structure.places) == (
        "CHRS", GOOD_SIRET, "05000", 6)
    page = _upload(editor, xlsx_bytes(rows + [["Piège", "ASSO", None, None, "=1+1"]]), "p.xlsx").data.decode()
    assert "<td>3</td><td>Places</td><td>Cette cellule contient une formule" in page


@pytest.mark.parametrize("data,filename,message", [
    (b"", "vide.csv", "Le fichier est vide."),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "n&#39;est pas un tableur lisible"),
    (b"PK\x03\x04garbage", "casse.xlsx", "illisible ou endommagé"),
    (b"Prenom;Age\nAnne;3\n", "autre.csv", "Colonnes obligatoires introuvables : Nom, Typologie"),
    (b"Nom;Typologie\n" + b"x;ASSO\n" * 800_000, "gros.csv", "taille maximale de 5 Mo"),
])
def test_bad_files_get_a_clear_message(as_role, data, filename, message):
    response = _upload(as_role("editor"), data, filename)
    assert response.status_code == 400
    assert message in response.data.decode()
    assert _structures() == {}


def test_upload_over_the_request_limit_is_refused_in_french(as_role):
    response = _upload(as_role("editor"), b"x" * (20 * 1024 * 1024), "enorme.csv")
    assert response.status_code == 413
    assert "taille maximale" in response.data.decode()


def test_viewers_cannot_import_and_the_template_downloads(as_role):
    viewer = as_role("viewer")
    assert viewer.get(URL).status_code == 403
    template = as_role("editor").get(URL + "modele.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(template.data))
    assert [c.value for c in workbook["Import"][1]][:3] == ["Nom", "Typologie", "SIRET"]
    assert "Valeurs possibles" in workbook.sheetnames


def test_a_failure_while_writing_writes_nothing(as_role, monkeypatch):
    editor = as_role("editor")
    _upload(editor, _csv("Première;ASSO;;;;Poitiers;;;;", "Seconde;ASSO;;;;Poitiers;;;;"))

    insert_rows = batch_save._insert_rows

    def failing_audit(model, rows, returning=False):  # the structures are inserted, their audit rows fail
        if model is AuditEntry:
            raise RuntimeError("panne disque")
        return insert_rows(model, rows, returning)

    monkeypatch.setattr(batch_save, "_insert_rows", failing_audit)
    with pytest.raises(RuntimeError):
        _confirm(editor)
    assert _structures() == {}


def test_referents_are_imported_linked_to_their_structure(as_role):
    make_structure("CCAS de Loudun", commune="Loudun")
    data = ("Prénom;Nom;Structure;Rôle;Courriel\n"
            "Claire;Martin;CCAS de Loudun;Référent·e violences;c.martin@ccas.fr\n"
            "Paul;Durand;Inconnue;violences;\n").encode()
    editor = as_role("editor")
    url = "/admin/referent/import/"
    page = upload_import(editor, url, data, "r.csv").data.decode()
    assert "1 à créer, 0 à mettre à jour, 0 inchangée(s), 1 erreur(s)" in page
    assert "Structure inconnue" in page
    data = data.rsplit(b"Paul", 1)[0]
    upload_import(editor, url, data, "r.csv")
    confirm_import(editor, url)
    with database.connection_context():
        referent = Referent.get()
        assert (referent.structure.nom, referent.role) == ("CCAS de Loudun", "violences")


def test_command_line_import_with_dry_run(app, tmp_path):
    path = tmp_path / "partenaires.csv"
    path.write_bytes(_csv("CIDFF de la Vienne;CIDFF;;;86000;Poitiers;;;;"))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-structures", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 à créer" in dry.output and _structures() == {}
    done = runner.invoke(args=["import-structures", str(path)])
    assert done.exit_code == 0 and "Import enregistré." in done.output
    assert set(_structures()) == {"CIDFF de la Vienne"}
    path.write_bytes(b"")
    failed = runner.invoke(args=["import-structures", str(path)])
    assert failed.exit_code == 1 and "Le fichier est vide." in failed.output
