"""The import page refuses, in French and with nothing written, a CSV in an
encoding it cannot read faithfully and a workbook too big to open; a Windows-1252
file with accents still imports."""
import io
from html import unescape

import openpyxl

from models import Structure, database
from tests.helpers import confirm_import, upload_import

URL = "/admin/structure/import/"
TEXT = "Nom;Typologie;Commune\nCentre d'hébergement;CHRS;Châtellerault\nCCAS d'Évreux;CCAS;Évreux\n"


def _names():
    with database.connection_context():
        return sorted((s.nom, s.commune) for s in Structure.select())


def test_a_windows_1252_file_with_accents_imports(as_role):
    editor = as_role("editor")
    preview = upload_import(editor, URL, TEXT.encode("cp1252"), "partenaires.csv")
    assert preview.status_code == 200 and "2 à créer" in preview.get_data(as_text=True)
    confirm_import(editor, URL)
    assert _names() == [("CCAS d'Évreux", "Évreux"), ("Centre d'hébergement", "Châtellerault")]


def test_mac_roman_and_shift_jis_files_are_refused_in_french(as_role):
    editor = as_role("editor")
    for data in (TEXT.encode("mac_roman"), "Nom;Typologie\n東京 日本語 支援;ASSO\n".encode("shift_jis")):
        response = upload_import(editor, URL, data, "partenaires.csv")
        page = unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        assert "Encodage du fichier non reconnu" in page and "« CSV UTF-8 »" in page
    assert _names() == []


def test_a_workbook_declaring_too_many_cells_is_refused_in_french(as_role):
    book = openpyxl.Workbook()
    book.active.append(["Nom", "Typologie"])
    book.active.cell(10_000, 16_384, "x")
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload_import(as_role("editor"), URL, buffer.getvalue(), "partenaires.xlsx")
    assert response.status_code == 400
    assert "163\u202f840\u202f000 cellules" in unescape(response.get_data(as_text=True))
