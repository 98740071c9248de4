"""A large file's preview lists its first lines and errors, counts them all, and the
error file still holds every refused line; the import writes every valid line."""
import io

import openpyxl

from admin_views.imports import PREVIEW_LINES
from models import Structure, database
from tests.helpers import upload_import

URL = "/admin/structure/import/"
VALID = PREVIEW_LINES + 30
REFUSED = PREVIEW_LINES + 5


def _file():
    lines = ["Nom;Typologie;Commune;Téléphone"]
    lines += [f"Structure {n};ASSO;Poitiers;05 49 {n // 100:02d} {n % 100:02d} 00" for n in range(VALID)]
    lines += [f"Refusée {n};ASSO;Poitiers;12" for n in range(REFUSED)]
    return "\n".join(lines).encode()


def test_a_large_preview_shows_its_first_lines_and_counts_them_all(as_role):
    editor = as_role("editor")
    page = upload_import(editor, URL, _file(), "grand.csv").data.decode()
    assert f"{VALID} à créer, 0 à mettre à jour, 0 inchangée(s), {REFUSED} erreur(s)" in page
    assert f"Importer les {VALID} lignes valides" in page
    assert f"Les {PREVIEW_LINES} premières lignes valides sur {VALID}" in page
    assert f"Les {PREVIEW_LINES} premières erreurs sur {REFUSED}" in page
    assert f"Structure {PREVIEW_LINES - 1} (Poitiers)" in page
    assert f"Structure {PREVIEW_LINES} (Poitiers)" not in page
    assert page.count("Numéro de téléphone invalide") == PREVIEW_LINES
    errors = editor.get(URL + "erreurs.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(errors.data)).active
    refused = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert refused == [f"Refusée {n}" for n in range(REFUSED)]
    editor.post(URL + "confirmer/", {"mode": "valid"}, form_url=URL)
    with database.connection_context():
        assert Structure.select().count() == VALID


def test_a_small_preview_lists_every_line_without_the_note(as_role):
    editor = as_role("editor")
    data = "Nom;Typologie;Commune\nCCAS de Loudun;CCAS;Loudun\nCIDFF;CIDFF;Poitiers".encode()
    page = upload_import(editor, URL, data, "petit.csv").data.decode()
    assert "CCAS de Loudun (Loudun)" in page and "CIDFF (Poitiers)" in page
    assert "premières lignes" not in page and "premières erreurs" not in page
