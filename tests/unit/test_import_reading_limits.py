"""Reading an uploaded file within bounds: an XLSX is held to its declared
unpacked size and cell range before openpyxl opens it; a CSV is UTF-8 or a
plausible Windows-1252, never Shift-JIS or Mac Roman read as garbled text."""
import io
import re
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from documents.importing import reading
from documents.importing.reading import ImportFileError, read_table

SHEET_OPEN = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c>'
              b'<c r="B1" t="inlineStr"><is><t>')
SHEET_CLOSE = b"</t></is></c></row></sheetData></worksheet>"


def _workbook(sheet=None):
    """A real workbook (openpyxl's), whose first sheet's XML is `sheet` when given:
    an iterable of byte chunks, written to the zip as they come."""
    book = openpyxl.Workbook()
    book.active.append(["Nom", "Typologie"])
    book.active.append(["CCAS", "CCAS"])
    buffer = io.BytesIO()
    book.save(buffer)
    if sheet is None:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for member in source.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                target.writestr(member.filename, source.read(member.filename))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            for chunk in sheet:
                stream.write(chunk)
    return output.getvalue()


def _one_huge_cell(size):
    yield SHEET_OPEN
    chunk = b"a" * (1024 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield SHEET_CLOSE


def test_a_small_workbook_holding_one_gigabyte_cell_is_refused_without_reading_it():
    data = _workbook(_one_huge_cell(1024 ** 3))
    assert len(data) < reading.MAX_IMPORT_BYTES  # 4.7 MB at zlib's fastest level, 1 MB at its best
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="1\u202f024 Mo une fois décompressé : la limite est de 50 Mo"):
        read_table("gros.xlsx", data)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10 * 1024 * 1024 and elapsed < 1, (peak, elapsed)


def test_a_workbook_declaring_ten_thousand_rows_of_16384_columns_is_refused():
    book = openpyxl.Workbook()
    book.active.append(["Nom", "Typologie"])
    book.active.cell(10_000, 16_384, "x")
    buffer = io.BytesIO()
    book.save(buffer)
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="s'étend sur 163\u202f840\u202f000 cellules : la limite est de 200\u202f000"):
        read_table("large.xlsx", buffer.getvalue())
    assert time.perf_counter() - started < 1


def test_the_cells_are_counted_while_reading_when_the_sheet_declares_no_range(monkeypatch):
    monkeypatch.setattr(reading, "MAX_XLSX_CELLS", 2_000)  # the limit itself: 18 s of openpyxl
    columns = 40
    rows = 2_000 // columns + 2

    def sheet():
        yield SHEET_OPEN.split(b"<sheetData>")[0] + b"<sheetData>"
        for row in range(1, rows + 1):
            yield f'<row r="{row}">'.encode() + b'<c t="inlineStr"><is><t>x</t></is></c>' * columns + b"</row>"
        yield b"</sheetData></worksheet>"

    data = _workbook(sheet())
    assert b"dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with pytest.raises(ImportFileError, match="compte plus de 2\u202f000 cellules"):
        read_table("sans-dimension.xlsx", data)


def test_an_ordinary_workbook_is_read():
    headers, body = read_table("ok.xlsx", _workbook())
    assert headers == ["Nom", "Typologie"] and body == [(2, ["CCAS", "CCAS"])]


FRENCH = ("Nom;Typologie;Commune;Notes\n"
          "Centre d'hébergement;CHRS;Châtellerault;Hôtel, élève, garçon, œuvre — été, l’accueil, référent·e\n"
          "Maison des femmes;ASSO;Évreux;« Écoute » 24 h/24, 12 €\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_french_text_in_utf8_or_windows_1252_reads_the_same(encoding):
    headers, body = read_table("partenaires.csv", FRENCH.encode(encoding))
    assert headers == ["Nom", "Typologie", "Commune", "Notes"]
    assert body[0][1][2] == "Châtellerault" and body[1][1][3] == "« Écoute » 24 h/24, 12 €"


@pytest.mark.parametrize("text, encoding", [
    # Bytes Windows-1252 can decode too (read as “Œ‹ž, Žx‰‡ or Ch‰tellerault before).
    ("Nom;Typologie;Commune\n東京 日本語 支援 相談 窓口;ASSO;東京\n", "shift_jis"),
    ("Nom;Typologie;Commune\nCCAS de Châtellerault;CCAS;Châtellerault\n", "mac_roman"),
    ("Nom;Typologie;Commune\nCCAS d'Évreux;CCAS;Évreux\n", "mac_roman"),
    ("Nom;Typologie;Commune\nCentre d'hébergement;CHRS;Poitiers\n", "mac_roman"),
    # Bytes it cannot decode.
    ("Nom;Typologie;Commune\n大阪市役所 女性センター;CCAS;大阪\n", "shift_jis"),
    (FRENCH.replace("œ", "oe").replace("’", "'").replace("·", "."), "mac_roman"),
])
def test_shift_jis_and_mac_roman_are_refused(text, encoding):
    data = text.encode(encoding)
    with pytest.raises(ImportFileError, match="Encodage du fichier non reconnu.*UTF-8"):
        read_table("partenaires.csv", data)


def test_a_nul_in_the_csv_text_is_refused():
    data = ("Nom;Typologie\n" + "CCAS;CCAS\n" * 1000 + "CI\x00DFF;CIDFF\n").encode()
    with pytest.raises(ImportFileError, match=re.escape("Caractère interdit (NUL) dans le fichier")):
        read_table("partenaires.csv", data)
