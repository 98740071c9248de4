"""Reading an uploaded file: its rows as (line number, values), XLSX, ODS or CSV.

Formulas are kept as `FormulaCell` (refused later, never evaluated); the CSV
dialect is sniffed, with the count of ';' and ',' on the first line as fallback.

An XLSX file is a zip: before openpyxl opens it, the sizes its members declare
(zipfile checks them while reading: a member longer than declared fails its CRC)
and the cell range its first sheet declares are held to limits, so a small file
cannot unpack into gigabytes or ask for millions of cells. A CSV file is read as
UTF-8, or as Windows-1252 when that reading is plausible for a French file
(charset-normalizer's mess measure, and no letter a French file never holds):
Shift-JIS or Mac Roman bytes are refused instead of read as garbled text.

An ODS file (LibreOffice's own format) is read by odfpy (its XML through
defusedxml), with the XLSX caps: the unpacked size before opening it, then the
cells as its rows are expanded (a row or a cell may declare itself repeated
16 384 times: empty repeats are never unrolled, filled ones count).
Any other file is refused with the formats accepted named.
"""
import csv
import io
import posixpath
import re
import xml.sax
import zipfile
from xml.etree import ElementTree

import openpyxl
from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from models.formatting import format_number

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# What an XLSX file may unpack to (every member together), and hold in the cells
# its first sheet declares: a 1 MB file can hold a 1 GiB cell, a 4.8 MB one
# 10 000 × 16 384 cells (openpyxl pads every row to the declared width).
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_XLSX_CELLS = 200_000
DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?([0-9]+)?(?::([A-Z]{1,3})([0-9]+))?"')
SHEET_HEAD_BYTES = 4096  # the <dimension> element comes first in a sheet
# A Windows-1252 reading is plausible when charset-normalizer finds little mess in it
# and it holds no letter a French file never holds (Mac Roman's é read as Ž, its â
# as ‰; Shift-JIS's 東京 as “Œ‹ž): letters beyond ASCII are Latin-1's, Œ, œ or Ÿ,
# and inside a word only a letter, an apostrophe ’ or a middle dot · goes.
MAX_CP1252_MESS = 0.1
CP1252_SAMPLE_CHARACTERS = 64 * 1024
LATIN_LETTERS = "À-ÖØ-öø-ÿŒœŸ"
IN_WORD = f"{LATIN_LETTERS}’·"
WESTERN_SYMBOLS = "\u00a0-\u00bf×÷«»€–—…“”‘„•"
IMPLAUSIBLE_CP1252_RE = re.compile(
    f"[^\\x00-\\x7f{IN_WORD}{WESTERN_SYMBOLS}]"  # a letter or sign French never uses
    f"|(?<=[A-Za-z{LATIN_LETTERS}])[^\\x00-\\x7f{IN_WORD}](?=[A-Za-z{LATIN_LETTERS}])"  # a sign inside a word
)
CSV_DELIMITERS = ";,\t"
# Enough lines for csv.Sniffer to see the quoting, not the whole file.
CSV_SNIFF_CHARACTERS = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"  # any zip: XLSX, ODS, DOCX…
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ACCEPTED_FORMATS = (
    "Formats acceptés : Excel (.xlsx), LibreOffice Calc (.ods) et CSV (.csv). Ouvrez le "
    "fichier dans votre tableur et enregistrez-le dans l'un de ces formats, puis réessayez."
)
# What openpyxl raises on a damaged file, while opening it or reading its rows
# (ParseError, broken XML, is a SyntaxError).
DAMAGED_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError, SyntaxError)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is French."""


class FormulaCell(str):
    """The text of a cell that holds a formula: refused, never evaluated."""


def filled(value):
    return value is not None and str(value).strip() != ""


def read_table(filename, data):
    """(headers, [(line, [values])]) from XLSX or CSV bytes; ImportFileError if unreadable."""
    if not data:
        raise ImportFileError("Le fichier est vide.")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"Le fichier dépasse la taille maximale de {MAX_IMPORT_BYTES // (1024 * 1024)} Mo."
        )
    if data.startswith(XLSX_MAGIC):
        rows = _read_zip(filename, data)
    elif (filename or "").lower().endswith((".xlsx", ".xls", ".ods", ".docx", ".doc", ".odt", ".pdf")) \
            or b"\0" in data[:4096]:
        raise ImportFileError(f"Ce fichier n'est pas un tableur lisible. {ACCEPTED_FORMATS}")
    else:
        rows = _read_csv(data)
    rows = [(line, values) for line, values in rows if any(filled(v) for v in values)]
    if not rows:
        raise ImportFileError("Le fichier est vide.")
    (_header_line, headers), body = rows[0], rows[1:]
    if len(body) > MAX_IMPORT_ROWS:
        raise ImportFileError(
            f"Le fichier compte {len(body)} lignes : la limite est de {MAX_IMPORT_ROWS}."
        )
    return [str(h).strip() if h is not None else "" for h in headers], body


def _column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _first_sheet_path(archive):
    """The member of the workbook's first sheet (the one openpyxl reads)."""
    namespaces = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                  "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                  "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    sheet = ElementTree.fromstring(archive.read("xl/workbook.xml")).find("m:sheets/m:sheet", namespaces)
    relation = sheet.get(f"{{{namespaces['r']}}}id")
    for link in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")):
        if link.get("Id") == relation:
            target = link.get("Target")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise KeyError(relation)


def declared_cells(archive):
    """The cell count the first sheet's <dimension ref="A1:XFD10000"> declares (0 if none)."""
    with archive.open(_first_sheet_path(archive)) as sheet:
        match = DIMENSION_RE.search(sheet.read(SHEET_HEAD_BYTES))
    if not match or not match.group(3):
        return 0
    first_column, first_row, last_column, last_row = (g and g.decode() for g in match.groups())
    columns = _column_number(last_column) - _column_number(first_column or "A") + 1
    return columns * (int(last_row) - int(first_row or 1) + 1)


def check_unpacked_size(archive):
    """Refuse a workbook (XLSX or ODS) that would unpack too big: the sizes are
    those the zip declares (zipfile checks them while reading)."""
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            f"Ce classeur occupe {format_number(unpacked // (1024 * 1024), 0)} Mo une fois "
            f"décompressé : la limite est de {MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} Mo. Gardez seulement les "
            "colonnes et les lignes à importer, ou enregistrez-le en CSV."
        )


def too_many_cells():
    return ImportFileError(
        f"La première feuille du classeur compte plus de {format_number(MAX_XLSX_CELLS, 0)} "
        "cellules. Supprimez les lignes et les colonnes vides ou inutiles, puis réessayez."
    )


def check_xlsx_limits(data):
    """Refuse, before openpyxl reads it, a workbook that would unpack too big or
    declare too many cells."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_unpacked_size(archive)
        cells = declared_cells(archive)
    if cells > MAX_XLSX_CELLS:
        raise ImportFileError(
            f"La première feuille du classeur s'étend sur {format_number(cells, 0)} cellules : la "
            f"limite est de {format_number(MAX_XLSX_CELLS, 0)}. Supprimez les lignes et les colonnes "
            "vides ou inutiles, puis réessayez."
        )


def _zip_kind(data):
    """'xlsx', 'ods', or None (another zip: a Word file, an archive) or not a zip at all."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return "ods" if archive.read("mimetype").strip() == ODS_MIMETYPE else None
            return "xlsx" if "xl/workbook.xml" in names else None
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return "xlsx"  # a damaged workbook: openpyxl says so in its own words


def _read_zip(filename, data):
    kind = _zip_kind(data)
    if kind == "xlsx":
        return _read_xlsx(data)
    if kind == "ods":
        return _read_ods(data)
    raise ImportFileError(f"Ce fichier n'est pas un classeur de tableur. {ACCEPTED_FORMATS}")


def _read_ods(data):
    from .ods import OdsLimitError, ods_rows  # ods.py reads FormulaCell from here

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_unpacked_size(archive)
        return ods_rows(data, max_cells=MAX_XLSX_CELLS, max_lines=MAX_IMPORT_ROWS + 2)
    except OdsLimitError:
        raise too_many_cells() from None
    except (*DAMAGED_XLSX_ERRORS, xml.sax.SAXException, AttributeError, TypeError) as error:
        raise ImportFileError(
            "Ce fichier LibreOffice (.ods) est illisible ou endommagé : ouvrez-le et "
            "enregistrez-le à nouveau au format .ods ou .xlsx."
        ) from error


def _read_xlsx(data):
    try:
        check_xlsx_limits(data)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return _xlsx_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except DAMAGED_XLSX_ERRORS as error:
        raise ImportFileError(
            "Ce fichier Excel est illisible ou endommagé : ouvrez-le et enregistrez-le à "
            "nouveau au format .xlsx."
        ) from error


def _xlsx_rows(sheet):
    rows, cells_read = [], 0
    for line, cells in enumerate(sheet.iter_rows(), start=1):
        cells_read += len(cells)
        if cells_read > MAX_XLSX_CELLS:  # a sheet without a <dimension>, or one that lies
            raise too_many_cells()
        rows.append((line, [
            FormulaCell(cell.value) if cell.data_type == "f" else cell.value for cell in cells
        ]))
        if line > MAX_IMPORT_ROWS + 1:
            break
    return rows


def plausible_cp1252(text):
    """Whether `text` (bytes read as Windows-1252) reads as a French file would."""
    if IMPLAUSIBLE_CP1252_RE.search(text):
        return False
    accented = "\n".join(line for line in text.splitlines() if not line.isascii())
    return mess_ratio(accented[:CP1252_SAMPLE_CHARACTERS], MAX_CP1252_MESS) < MAX_CP1252_MESS


def _decode(data):
    """The text of a CSV file: UTF-8, else plausible Windows-1252, else refused."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and plausible_cp1252(text):
        return text
    guess = from_bytes(data[:CSV_SNIFF_CHARACTERS]).best()
    detected = f" (il semble encodé en {guess.encoding})" if guess else ""
    raise ImportFileError(
        f"Encodage du fichier non reconnu{detected}\u00a0: seuls l'UTF-8 et le Windows-1252 "
        "sont lus. Enregistrez-le en « CSV UTF-8 » (Excel : Fichier > Enregistrer sous) ou au "
        "format .xlsx, puis réessayez."
    )


def csv_dialect(text):
    """The dialect csv.Sniffer finds in the first lines; if it finds none, the
    excel dialect with ';' or ',', whichever the first line holds more of."""
    try:
        return csv.Sniffer().sniff(text[:CSV_SNIFF_CHARACTERS], delimiters=CSV_DELIMITERS)
    except csv.Error:
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","

        class Fallback(csv.excel):
            pass

        Fallback.delimiter = delimiter
        return Fallback


def _read_csv(data):
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(
            "Caractère interdit (NUL) dans le fichier : rien n'a été enregistré. Enregistrez-le "
            "à nouveau en CSV UTF-8 ou au format .xlsx."
        )
    try:
        reader = csv.reader(io.StringIO(text, newline=""), csv_dialect(text))
        return [
            (reader.line_num, [FormulaCell(v) if v.startswith("=") else v for v in values])
            for values in reader
        ]
    except csv.Error as error:
        raise ImportFileError(f"Ce fichier CSV est mal formé : {error}.") from error
