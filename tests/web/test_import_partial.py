"""Imports people actually bring (issue 10): .ods files, a refused .docx, the
error file, the valid lines only, typology labels, a territory for the whole
file, an update file omitting columns; and writing costs a fixed number of
queries per chunk, not per line (issue 13)."""
import io
import zipfile

import openpyxl
import pytest

from documents.importing import apply_import, plan_import
from models import Structure, Territory, database
from models.audit import AuditEntry
from tests.helpers import (
    QueryCounter, confirm_import, make_structure, make_territory, ods_bytes, upload_import,
)

URL = "/admin/structure/import/"
GOOD_SIRET = "73282932000074"


def structures():
    with database.connection_context():
        return {s.nom: s for s in Structure.select()}


def test_an_ods_file_is_imported(as_role):
    editor = as_role("editor")
    data = ods_bytes([["Nom", "Typologie", "Code postal", "Places", "Accueille du public"],
                      ["Centre social de Civray", "Centre social", 86400, 12, True]])
    page = upload_import(editor, URL, data, "partenaires.ods").get_data(as_text=True)
    assert "1 à créer" in page, page
    confirm_import(editor, URL)
    structure = structures()["Centre social de Civray"]
    assert (structure.typologie, structure.code_postal, structure.places) == ("CS", "86400", 12)


def test_a_word_file_is_refused_naming_the_accepted_formats(as_role):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    response = upload_import(as_role("editor"), URL, buffer.getvalue(), "partenaires.docx")
    assert response.status_code == 400
    assert "Formats acceptés : Excel (.xlsx), LibreOffice Calc (.ods) et CSV (.csv)" in \
        response.get_data(as_text=True)
    assert structures() == {}


FILE = ("Nom;Typologie;SIRET;Commune;Téléphone\n"
        "Mairie de Loudun;Mairie;;Loudun;05 49 98 15 38\n"
        "Mauvais SIRET;ASSO;12345678901234;Poitiers;\n"
        "Brigade de Morteau;gendarmerie nationale;;Morteau;\n"
        "Boulangerie;BOULANGERIE;;Poitiers;abc\n").encode()


def test_error_file_then_valid_lines_only(as_role):
    editor = as_role("editor")
    page = upload_import(editor, URL, FILE, "p.csv").get_data(as_text=True)
    assert "Importer les 2 lignes valides" in page and "Télécharger les erreurs" in page
    workbook = openpyxl.load_workbook(io.BytesIO(editor.get(URL + "erreurs.xlsx").data))
    rows = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert rows[0] == ["Nom", "Typologie", "SIRET", "Commune", "Téléphone", "Motif"]
    assert [row[:3] for row in rows[1:]] == [["Mauvais SIRET", "ASSO", "12345678901234"],
                                             ["Boulangerie", "BOULANGERIE", None]]
    assert rows[1][5].startswith("SIRET : Ce SIRET n'est pas valide")
    assert "Typologie : Typologie inconnue : « BOULANGERIE »" in rows[2][5]
    assert "Téléphone : Numéro de téléphone invalide" in rows[2][5]
    done = editor.post(URL + "confirmer/", {"mode": "valid"}, form_url=URL, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "2 ligne(s) importée(s), 2 laissée(s) de côté" in text and "erreurs.xlsx" in text
    written = structures()
    assert {name: s.typologie for name, s in written.items()} == {
        "Mairie de Loudun": "MUNI", "Brigade de Morteau": "GENDARMERIE"}
    with database.connection_context():
        created = {e.label for e in AuditEntry.select().where(
            (AuditEntry.action == "create") & (AuditEntry.model == "Structure"))}
        event = AuditEntry.get(AuditEntry.action == "import")
    assert created == {"Mairie de Loudun (Loudun)", "Brigade de Morteau (Morteau)"}
    assert "2 ligne(s) refusée(s) laissée(s) de côté" in event.detail
    # Still one confirmation per preview.
    again = editor.post(URL + "confirmer/", {"mode": "valid"}, form_url=URL, follow_redirects=True)
    assert "déjà été confirmé" in again.get_data(as_text=True) or "Aucun import" in again.get_data(as_text=True)
    assert len(structures()) == 2


def test_the_safe_confirmation_still_refuses_a_file_with_errors(as_role):
    editor = as_role("editor")
    upload_import(editor, URL, FILE, "p.csv")
    confirm_import(editor, URL)
    assert structures() == {}


@pytest.mark.parametrize("typed, code", [
    ("Mairie", "MUNI"), ("centre social", "CS"), ("CCAS", "CCAS"), ("ccas", "CCAS"),
    ("Centre communal d’action sociale", "CCAS"), ("GENDARMERIE NATIONALE", "GENDARMERIE"),
    ("Brigade", "GENDARMERIE"), ("Conseil departemental", "CD"), ("CHRS", "CHRS"),
])
def test_typology_labels_and_synonyms(typed, code):
    data = f"Nom;Typologie\nStructure test;{typed}\n".encode()
    with database.connection_context():
        plan = plan_import("structures", "p.csv", data)
    assert not plan.errors, plan.errors
    assert plan.rows[0].record.typologie == code


def test_a_territory_for_the_whole_file(as_role):
    make_territory("RVC Loudun")
    civray = make_territory("RVC Civray")
    editor = as_role("editor")
    data = "Nom;Typologie;Territoire\nCCAS de Civray;CCAS;\nCCAS de Loudun;CCAS;RVC Loudun\n".encode()
    page = editor.post(URL, {"file": (io.BytesIO(data), "p.csv"), "territory": str(civray.id)},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "2 à créer" in page
    confirm_import(editor, URL)
    assert {n: s.territory.name for n, s in structures().items()} == {
        "CCAS de Civray": "RVC Civray", "CCAS de Loudun": "RVC Loudun"}


def test_an_update_file_may_omit_columns(as_role):
    loudun = make_structure("CCAS de Loudun", siret=GOOD_SIRET, commune="Loudun",
                            telephone="05 49 98 00 00", courriel="accueil@ccas-loudun.fr")
    other = make_structure("Mairie de Civray", typologie="MUNI", commune="Civray")
    editor = as_role("editor")
    data = (f"SIRET;Téléphone\n{GOOD_SIRET};05 49 98 11 11\n"
            f"73282932000082;05 49 00 00 00\n").encode()  # unknown SIRET: a creation, refused
    page = upload_import(editor, URL, data, "maj.csv").get_data(as_text=True)
    assert "0 à créer, 1 à mettre à jour" in page
    assert "Colonne « Nom » absente du fichier" in page
    editor.post(URL + "confirmer/", {"mode": "valid"}, form_url=URL)
    by_id = "N°;Courriel\n{};contact@mairie-civray.fr\n".format(other.id).encode()
    assert "1 à mettre à jour" in upload_import(editor, URL, by_id, "id.csv").get_data(as_text=True)
    confirm_import(editor, URL)
    after = structures()
    assert (after["CCAS de Loudun"].telephone, after["CCAS de Loudun"].courriel,
            after["CCAS de Loudun"].typologie, after["CCAS de Loudun"].commune) == (
        "+33549981111", "accueil@ccas-loudun.fr", "CCAS", "Loudun")
    assert after["CCAS de Loudun"].version == loudun.version + 1
    assert (after["Mairie de Civray"].courriel, after["Mairie de Civray"].typologie) == (
        "contact@mairie-civray.fr", "MUNI")
    with database.connection_context():
        update = AuditEntry.get((AuditEntry.action == "update") & (AuditEntry.record_id == loudun.id))
    assert update.changes_dict["telephone"] == ["+33549980000", "+33549981111"]


def test_each_kind_shows_its_own_columns(as_role):
    editor = as_role("editor")
    referents = editor.get("/admin/referent/import/").get_data(as_text=True)
    assert "Typologie" not in referents and "SIRET, Adresse" not in referents
    assert "Prénom" in referents and "courriel" in referents
    structures_page = editor.get(URL).get_data(as_text=True)
    assert "Typologie" in structures_page and "Territoire de toutes les structures" in structures_page


def _file(lines, offset):
    rows = ["Nom;Typologie;Commune;Téléphone"]
    rows += [f"Structure {n};ASSO;Poitiers;05 49 00 {n // 100 % 100:02d} {n % 100:02d}"
             for n in range(offset, offset + lines)]
    return "\n".join(rows).encode()


def test_writing_costs_the_same_queries_for_10_or_200_lines():
    with database.connection_context():
        for n in range(0, 400, 2):  # every other line updates a known structure
            Structure.create(nom=f"Structure {n}", typologie="ASSO", commune="Poitiers")
        counts = []
        for lines, offset in ((10, 0), (200, 100)):
            plan = plan_import("structures", "p.csv", _file(lines, offset))
            assert not plan.errors and plan.count("create") and plan.count("update")
            with QueryCounter() as queries, database.atomic():
                apply_import(plan, author="test")
            counts.append(queries.count)
        assert counts[0] == counts[1], counts
        assert Structure.select().count() == 200 + 105
        assert AuditEntry.select().where((AuditEntry.action == "create") & (AuditEntry.model == "Structure")).count() == 200 + 105
